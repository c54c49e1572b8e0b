"""The authorization matrix reads the policy.

For every row of states/policy.py that acts on a dossier (the 13 triggers and the data steps), every role, every
state and the relations to the dossier, the outcome expected is computed from the row itself — its clauses'
roles, relation to the dossier's own people, delegability, states and guards — and compared with what the JSON
API really does. An allowed attempt succeeds, changes what the row says it changes and writes exactly one audit
event (naming the delegating user when a stand-in acts); a refused one answers the right status and code and
writes nothing. The read rows are checked by what people are shown: `see_voters` by the API history,
`see_internal` by the dossier page. (`disqualifier` has no API endpoint yet: its service is called behind the
same scope loader a route uses.)

Who tries: every role's holder over the dossier's unit, on every row in every state. For the roles a row names
(a role it does not name is refused before the relation is looked at, as the holders show), in the states the
row is open in and the first one it is not: the same role in another ward (404, no existence leak), the
dossier's applicant, its subject and a household member holding the role, and a stand-in holding it by a running
delegation; where such a stand-in may act, one whose delegation ran out. Spot checks at the end write a few of
DOMAIN.md's rules out by hand, so that a wrong row is caught too.

Every attempt runs in a savepoint rolled back after it, so one prepared dossier per state serves every attempt,
successes included, and each starts from exactly the same rows.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from models import Attachment, AuditEvent, Campaign, Dossier, Objection, User, Vote
from states.enums import Action, EventName, Parties, Role, State, Trigger
from states.guards import evaluate
from states.policy import POLICY, REVIEWERS, Clause
from states.table import RULES
from tests.conftest import Auth
from tests.factories import (
    HOUSEHOLD_HEAD_ID,
    HOUSEHOLD_MEMBER_ID,
    MATRIX_PERSONAL_IDS,
    MATRIX_USERS,
    ROLE_USERS,
    add_role,
    add_users,
    make_campaign,
)
from workflow import clock
from workflow.extensions import db
from workflow.services import campaigns, delegations, records
from workflow.services.errors import ServiceError
from workflow.services.facts import guard_context
from workflow.services.listing import local_today
from workflow.services.scope import get_dossier_for
from workflow.services.walkthrough import full_assessment, full_inspection

COMMENT = "Lý do ghi trong kiểm thử"
EDITED_NOTE = "Sửa ghi chú trong kiểm thử"
PDF = b"%PDF-1.4\n% kiem thu\n"
NO_OBJECTION = 2**31 - 1  # an objection id no dossier has (outside the notice nobody reaches the lookup)

TRIGGERS = [t.value for t in Trigger]
DATA_STEPS = [Action.EDIT, Action.ASSESSMENT, Action.INSPECTION, Action.VOTE, Action.OBJECTION, Action.ANSWER,
              Action.ATTACH, Action.DISQUALIFIER, Action.RENEW]
WRITES = TRIGGERS + [a.value for a in DATA_STEPS]
READS = [Action.SEE_VOTERS.value, Action.SEE_INTERNAL.value]

EVENTS = {**{t: t for t in TRIGGERS}, Action.EDIT: EventName.EDITED, Action.ASSESSMENT: EventName.ASSESSMENT_SAVED,
          Action.INSPECTION: EventName.INSPECTION_SAVED, Action.VOTE: EventName.VOTE_CAST,
          Action.OBJECTION: EventName.OBJECTION_RECORDED, Action.ANSWER: EventName.OBJECTION_ANSWERED,
          Action.ATTACH: EventName.ATTACHMENT_ADDED, Action.DISQUALIFIER: EventName.DISQUALIFIER_RECORDED,
          Action.RENEW: EventName.RENEWED}

# Who is who (tests/factories.py): a role's holder over the dossier's unit (G1, in WARD), the same role in the
# other ward, the unit a role is held at, and who may lend it.
HOLDERS = {**{Role(r): u for r, u in ROLE_USERS.items()}, Role.APPLICANT: "resident"}
OTHER_WARD = {Role.APPLICANT: "applicant9", Role.GROUP_COMMITTEE: "outsider_committee",
              Role.WARD_INSPECTOR: "outsider_inspector", Role.COUNCIL_MEMBER: "outsider_council",
              Role.COUNCIL_SECRETARY: "outsider_secretary", Role.CHAIRMAN: "outsider_chairman",
              Role.VICE_CHAIRMAN: "outsider_vice", Role.AUDITOR: "outsider_auditor", Role.ADMIN: "outsider_admin"}
ROLE_UNIT = {Role.APPLICANT: "G1", Role.GROUP_COMMITTEE: "G1"}  # every other role is held at the ward
LENDABLE = frozenset(Role(r) for r in delegations.LENDABLE)
CREATOR, HEAD, MEMBER = "applicant", "household_head", "household_member"


def unit_of(role: Role) -> str:
    return ROLE_UNIT.get(role, "WARD")


# --- who tries ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Who:
    relation: str
    role: Role
    username: str
    roles: frozenset[Role] = frozenset()  # held over the dossier's unit, in one's own name
    lent: frozenset[Role] = frozenset()  # held over it by a running delegation
    applicant: bool = False  # created the dossier
    party: bool = False  # its applicant, its subject or a listed household member
    giver: str | None = None  # whose role a stand-in uses

    def __str__(self) -> str:
        return f"{self.role} ({self.relation}: {self.username})"


def holder(role: Role) -> Who:
    return Who("holder", role, HOLDERS[role], frozenset({role}))


def other_ward(role: Role) -> Who:
    return Who("same role, other ward", role, OTHER_WARD[role])


def stand_in(role: Role) -> Who:
    return Who("delegate", role, f"stand_in_{role}", lent=frozenset({role}), giver=HOLDERS[role])


def lapsed(role: Role) -> Who:
    # Reads the ward as an auditor, so the dossier is in sight and the refusal is the policy's own.
    return Who("expired delegation", role, f"lapsed_{role}", frozenset({Role.AUDITOR}))


def parties(role: Role) -> list[Who]:
    """The dossier's own people, each holding `role` too (the creator is a resident: she holds `applicant`)."""
    return [Who("its applicant", role, CREATOR, frozenset({Role.APPLICANT, role}), applicant=True, party=True),
            Who("its subject", role, HEAD, frozenset({role}), party=True),
            Who("household member", role, MEMBER, frozenset({role}), party=True)]


def relation_states(action: str) -> frozenset[State]:
    """Where a row's relations are tried: the states it is open in, and the first one it is not (there the
    relation refuses before the state does). Elsewhere the holders alone try it: a relation cannot open a
    closed state."""
    open_in = POLICY[action].states
    closed = [s for s in State if s not in open_in]
    return open_in | frozenset(closed[:1])


def others(action: str, state: State) -> list[Who]:
    """Everyone but the dossier's own people: every role's holder; and, where the row's relations are tried,
    the named roles' holders in the other ward and their stand-ins."""
    people = [holder(r) for r in Role]
    if state in relation_states(action):
        named = sorted(POLICY[action].roles)
        people += [other_ward(r) for r in named] + [stand_in(r) for r in named if r in LENDABLE]
    return people


# --- what the policy says --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    status: int
    code: str | None = None
    role: Role | None = None  # the role the step is recorded under
    giver: str | None = None  # the delegating user, when a stand-in acts

    @property
    def allowed(self) -> bool:
        return self.status == 200

    def __str__(self) -> str:
        return f"{self.status} {self.code}" if self.code else f"{self.status} as {self.role}"


NOT_FOUND = Outcome(404, "not_found")


def in_sight(who: Who, state: State) -> bool:
    """Scope (DOMAIN.md): one's own dossiers; everything under one's reviewer roles, lent ones included; and, for
    a resident of the unit, the dossiers on public notice there."""
    if who.party or (who.roles | who.lent) & REVIEWERS:
        return True
    return Role.APPLICANT in who.roles and state == State.PUBLIC_NOTICE


def expected(action: str, who: Who, state: State, guards_fail: Callable[[Clause], bool]) -> Outcome:
    """The row's answer: a clause allows when the user holds one of its roles (her own, or lent by a running
    delegation when the clause is delegable), her relation fits, the state is one of its states and its guards
    pass. Otherwise, over the clauses she holds: one refused only by its guards answers what is missing (422);
    else who she is (403) before when (409); holding none of them, 403."""
    if not in_sight(who, state):
        return NOT_FOUND
    refused: set[int] = set()
    for clause in POLICY[action].clauses:
        own = sorted(who.roles & clause.roles)
        lent = sorted(who.lent & clause.roles) if clause.delegable else []
        if not own and not lent:
            continue
        if (clause.parties == Parties.APPLICANT_ONLY and not who.applicant
                or clause.parties == Parties.NOT_PARTIES and who.party):
            refused.add(403)
        elif clause.states is not None and state not in clause.states:
            refused.add(409)
        elif guards_fail(clause):
            refused.add(422)
        else:
            return Outcome(200, None, own[0], None) if own else Outcome(200, None, lent[0], who.giver)
    if 422 in refused:
        return Outcome(422, "guard_failed")
    if 403 in refused or not refused:
        return Outcome(403, "forbidden")
    return Outcome(409, "invalid_transition")


# --- the database, one savepoint per attempt -------------------------------------------------------------------

@contextmanager
def one_transaction() -> Iterator:
    """Bind the app's session to one connection whose transaction is never committed: the requests' commits
    release savepoints inside it (SQLAlchemy's "join an external transaction" recipe)."""
    db.session.remove()
    engines = db.engines
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    options = db.session.session_factory.kw
    engines[None] = connection  # type: ignore[index]
    options["join_transaction_mode"] = "create_savepoint"
    try:
        yield connection
    finally:
        db.session.remove()
        outer.rollback()
        connection.close()
        engines[None] = engine  # type: ignore[index]
        options.pop("join_transaction_mode")


@contextmanager
def undone(connection) -> Iterator[None]:
    """Whatever happens inside is rolled back afterwards."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        savepoint.rollback()


@dataclass(frozen=True)
class Snapshot:
    state: str
    version: int
    events: int
    votes: int
    objections: int
    attachments: int
    disqualifiers: tuple[str, ...]
    note: str | None
    registrations: int  # dossiers of the same subject, in any campaign (a renewal adds one next year)


def snapshot(connection, dossier_id: int) -> Snapshot:
    def count(model, column):
        return select(func.count(model.id)).where(column == dossier_id).scalar_subquery()

    same_subject = aliased(Dossier)
    registrations = (select(func.count(same_subject.id)).where(same_subject.subject_ref == Dossier.subject_ref)
                     .scalar_subquery())
    row = connection.execute(select(
        Dossier.state, Dossier.version, count(AuditEvent, AuditEvent.dossier_id), count(Vote, Vote.dossier_id),
        count(Objection, Objection.dossier_id), count(Attachment, Attachment.dossier_id),
        Dossier.disqualifiers_found, Dossier.note, registrations,
    ).where(Dossier.id == dossier_id)).one()
    return Snapshot(row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6] or ()), row[7], row[8])


def last_event(connection, dossier_id: int):
    return connection.execute(select(AuditEvent.trigger, AuditEvent.actor, AuditEvent.role, AuditEvent.data)
                              .where(AuditEvent.dossier_id == dossier_id)
                              .order_by(AuditEvent.seq.desc()).limit(1)).one()


def changed_as_the_row_says(action: str, before: Snapshot, after: Snapshot, code: str) -> bool:
    same_state = after.state == before.state
    bumped = after.version == before.version + 1
    if action in RULES:
        return after.state == RULES[Trigger(action)].dest and bumped
    return same_state and {
        Action.EDIT: bumped and after.note == EDITED_NOTE,
        Action.ASSESSMENT: bumped, Action.INSPECTION: bumped, Action.ANSWER: bumped,
        Action.DISQUALIFIER: bumped and code in after.disqualifiers,
        Action.VOTE: after.votes == before.votes + 1,
        Action.OBJECTION: after.objections == before.objections + 1,
        Action.ATTACH: after.attachments == before.attachments + 1,
        # The old dossier stays as it was; its subject has one more dossier (next year's).
        Action.RENEW: after.version == before.version and after.registrations == before.registrations + 1,
    }[Action(action)]


# --- the prepared dossiers ------------------------------------------------------------------------------------

MEMBERS = [{"name": "Nguyễn Thị Thành Viên", "personal_id": HOUSEHOLD_MEMBER_ID, "relation": "con"}]


def prepared(world, state: State) -> Dossier:
    """A household's dossier in `state` whose outgoing guards all pass, created by the group's applicant for the
    household of `household_head` with `household_member` listed."""
    dossier = world.dossier(state, subject_ref=HOUSEHOLD_HEAD_ID, members=MEMBERS)
    cast = world.cast()
    when = world.timeline.next()
    if state == State.SELF_ASSESSMENT:
        records.save_assessment(cast.committee, dossier, full_assessment(dossier, held_on=when.date()), now=when)
    elif state == State.WARD_INSPECTION:
        records.save_inspection(cast.inspector, dossier, full_inspection(dossier), now=when)
    elif state == State.COUNCIL_REVIEW:
        for member in cast.council[1:]:  # a quorum without council1, the holder the matrix lets vote
            records.cast_vote(member, dossier, "approve", now=world.timeline.next())
    db.session.commit()
    return dossier


def matrix_world(world, frozen_clock) -> None:
    """The matrix's extra people, a running delegation of every lendable role to a stand-in who holds no role,
    and one that ran out a month ago."""
    add_users(world, MATRIX_USERS, MATRIX_PERSONAL_IDS)
    today = local_today()
    for role in sorted(LENDABLE):
        delegations.grant(world.users[HOLDERS[role]], {
            "to_username": f"stand_in_{role}", "role": role.value, "unit_code": unit_of(role),
            "starts_on": (today - timedelta(days=1)).isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
            "reason": "Nghỉ phép"})
    now = frozen_clock.current
    frozen_clock.current = now - timedelta(days=40)
    then = local_today()
    for role in sorted(LENDABLE):
        delegations.grant(world.users[HOLDERS[role]], {
            "to_username": f"lapsed_{role}", "role": role.value, "unit_code": unit_of(role),
            "starts_on": then.isoformat(), "ends_on": (then + timedelta(days=7)).isoformat(), "reason": "Đi công tác"})
    frozen_clock.current = now
    db.session.commit()


# --- one attempt --------------------------------------------------------------------------------------------

@dataclass
class Bench:
    """One state's dossier and the means to act on it as anyone."""

    app: object
    api: object
    connection: object
    dossier_id: int
    state: State
    assessment: dict
    inspection: dict
    disqualifier: str
    next_campaign_id: int  # the ward's campaign of next year, taking registrations today (renew)
    objection_id: int = NO_OBJECTION
    mistakes: list[str] = field(default_factory=list)
    attempts: int = 0
    _guards: dict[tuple[str, int], bool] = field(default_factory=dict)
    _baseline: Snapshot | None = None
    tally: Counter = field(default_factory=Counter)  # cases by kind and expected answer, for the summary line

    # Guards are asked of the real dossier, once per clause and set-up.
    def guards_fail(self, action: str) -> Callable[[Clause], bool]:
        def fail(clause: Clause) -> bool:
            key = (action, id(clause))
            if key not in self._guards:
                dossier = db.session.get(Dossier, self.dossier_id)
                self._guards[key] = bool(evaluate(clause.guards, guard_context(dossier, clock.now())))
                db.session.remove()
            return self._guards[key]
        return fail

    def forget(self) -> None:
        """The dossier was set up anew: ask its guards and count its rows again."""
        self._guards.clear()
        self._baseline = None

    @property
    def baseline(self) -> Snapshot:
        """The dossier before an attempt: every attempt is rolled back, so it is the same before each."""
        if self._baseline is None:
            self._baseline = snapshot(self.connection, self.dossier_id)
        return self._baseline

    def send(self, action: str, username: str, version: int) -> tuple[int, str | None]:
        client = self.api.as_(username)
        base = f"/dossiers/{self.dossier_id}"
        if action in RULES:
            today = clock.now().date().isoformat()
            response = client.post(f"{base}/transitions", json={
                "trigger": action, "version": version, "comment": COMMENT,
                # a refusal is told by a notice (TB), a recognition or revocation by a decision (QĐ)
                "data": {"decision_number": "99/TB-UBND" if action == Trigger.REFUSE else "99/QĐ-UBND",
                         "signed_on": today}})
        elif action == Action.EDIT:
            response = client.patch(base, json={"version": version, "note": EDITED_NOTE})
        elif action == Action.ASSESSMENT:
            response = client.put(f"{base}/assessment", json={**self.assessment, "version": version})
        elif action == Action.INSPECTION:
            response = client.put(f"{base}/inspection", json={**self.inspection, "version": version})
        elif action == Action.VOTE:
            response = client.post(f"{base}/votes", json={"vote": "approve", "comment": ""})
        elif action == Action.OBJECTION:
            response = client.post(f"{base}/objections", json={"text": "Hộ này lấn chiếm vỉa hè"})
        elif action == Action.ANSWER:
            response = client.post(f"{base}/objections/{self.objection_id}/answer",
                                   json={"answer": "Đã kiểm tra: không đúng", "upheld": False})
        elif action == Action.ATTACH:
            response = client.client.post(
                f"/api/v1{base}/attachments", headers={"Authorization": f"Bearer {client.token}"},
                data={"file": (io.BytesIO(PDF), "bien-ban.pdf"), "kind": "evidence"},
                content_type="multipart/form-data")
        elif action == Action.RENEW:
            response = client.post(f"{base}/renew", json={"campaign_id": self.next_campaign_id})
        elif action == Action.DISQUALIFIER:
            # No API endpoint records a disqualifier yet: the service, behind the same scope loader a route uses.
            return self.set_disqualifier(username, version)
        else:
            raise AssertionError(f"the matrix does not know how to send {action!r}")
        if response.status_code < 300:
            return 200, None
        return response.status_code, (response.get_json(silent=True) or {}).get("error", {}).get("code")

    def set_disqualifier(self, username: str, version: int) -> tuple[int, str | None]:
        user = db.session.scalars(select(User).where(User.username == username)).one()
        try:
            dossier = get_dossier_for(user, self.dossier_id)
            records.set_disqualifier(user, dossier, {"version": version, "code": self.disqualifier,
                                                     "standing": True, "reason": COMMENT})
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            return error.status, error.code
        return 200, None

    def attempt(self, action: str, who: Who) -> None:
        self.attempts += 1
        want = expected(action, who, self.state, self.guards_fail(action))
        self.tally[f"write {want.status}"] += 1
        case = f"{self.state} · {action} · {who}"
        before = self.baseline
        with undone(self.connection):
            try:
                status, code = self.send(action, who.username, before.version)
            except Exception as exc:  # noqa: BLE001 — a crash is one more mismatch to list, not the end
                self.mistakes.append(f"{case}: expected {want}, raised {exc!r}")
                return
            after = snapshot(self.connection, self.dossier_id)
            if (status, code) != (want.status, want.code):
                self.mistakes.append(f"{case}: expected {want}, got {status} {code}")
            elif not want.allowed:
                if after != before:
                    self.mistakes.append(f"{case}: refused ({status} {code}) but wrote {before} → {after}")
            elif after.events != before.events + 1:
                self.mistakes.append(f"{case}: allowed, but {after.events - before.events} audit events written")
            elif not changed_as_the_row_says(action, before, after, self.disqualifier):
                self.mistakes.append(f"{case}: allowed, but the dossier went {before} → {after}")
            else:
                event = last_event(self.connection, self.dossier_id)
                data = event.data or {}
                if (event.trigger, event.actor, event.role) != (EVENTS[action], who.username, want.role):
                    self.mistakes.append(f"{case}: event recorded as {event.trigger} by {event.actor} as "
                                         f"{event.role}, expected {EVENTS[action]} by {who.username} as {want.role}")
                elif data.get("on_behalf_of") != want.giver:
                    self.mistakes.append(f"{case}: event's on_behalf_of is {data.get('on_behalf_of')!r}, "
                                         f"expected {want.giver!r}")

    # --- the read rows ---------------------------------------------------------------------------------------

    def see_voters(self, who: Who) -> None:
        """Who voted how, as the API history shows it: names on the vote events, or none."""
        self.attempts += 1
        want = expected(Action.SEE_VOTERS, who, self.state, self.guards_fail(Action.SEE_VOTERS))
        self.tally[f"see_voters {want.status}"] += 1
        case = f"{self.state} · see_voters · {who}"
        with undone(self.connection):
            response = self.api.as_(who.username).get(f"/dossiers/{self.dossier_id}/history")
            if response.status_code != 200:
                got = f"{response.status_code}"
            else:
                votes = [e for e in response.json["events"] if e["trigger"] == EventName.VOTE_CAST]
                assert votes, "the matrix reads voters on a dossier with votes"
                named = {e["actor"] is not None for e in votes}
                got = "names shown" if named == {True} else "names hidden" if named == {False} else "some names"
        shown = "404" if want.status == 404 else "names shown" if want.allowed else "names hidden"
        if got != shown:
            self.mistakes.append(f"{case}: expected {shown} ({want}), got {got}")

    def see_internal(self, who: Who) -> None:
        """The audit data (version, sequence numbers, event data) on the dossier page."""
        self.attempts += 1
        want = expected(Action.SEE_INTERNAL, who, self.state, self.guards_fail(Action.SEE_INTERNAL))
        self.tally[f"see_internal {want.status}"] += 1
        case = f"{self.state} · see_internal · {who}"
        with undone(self.connection):
            for cached in ("_login_user", "csrf_token"):  # requests share the test's app context, and `g`
                g.pop(cached, None)
            client = self.app.test_client()
            Auth(client).login(who.username)
            response = client.get(f"/dossiers/{self.dossier_id}")
            if response.status_code == 302 and "/public/notices/" in response.location:
                got = "internals hidden"  # a neighbour sees the dossier as the notice board shows it
            elif response.status_code != 200:
                got = f"{response.status_code}"
            else:
                page = response.get_data(as_text=True)
                got = "internals shown" if re.search(r"· seq \d+", page) else "internals hidden"
        shown = "404" if want.status == 404 else "internals shown" if want.allowed else "internals hidden"
        if got != shown:
            self.mistakes.append(f"{case}: expected {shown} ({want}), got {got}")


def bench_for(api, world, frozen_clock, state: State) -> dict:
    """Build the state's world and dossier (committed for real), and what the bench needs to know of them."""
    matrix_world(world, frozen_clock)
    dossier = prepared(world, state)
    next_year = next_year_campaign(world)
    for username in {*HOLDERS.values(), *OTHER_WARD.values(), *MATRIX_USERS, CREATOR}:
        api.as_(username)  # every token issued (and committed) before the savepoints start
    return dict(dossier_id=dossier.id, state=state, assessment=full_assessment(dossier),
                inspection=full_inspection(dossier), disqualifier=dossier.criteria_set.disqualifiers[0].code,
                next_campaign_id=next_year.id)


def next_year_campaign(world) -> Campaign:
    """The ward's campaign of next year, taking registrations since yesterday (where `renew` registers)."""
    today = local_today()
    campaign = make_campaign(world.units["WARD"], today)
    campaign.year, campaign.name = world.campaign.year + 1, f"Thi đua kiểu mẫu {world.campaign.year + 1}"
    campaign.registration_opens = today - timedelta(days=1)
    db.session.add(campaign)
    db.session.commit()
    return campaign


@contextmanager
def set_up(bench: Bench, change: Callable[[], None] | None = None) -> Iterator[None]:
    """Run `change` (through the services) for the length of the block; the guards are asked again."""
    with undone(bench.connection):
        if change is not None:
            change()
            db.session.commit()
        bench.forget()
        yield
    bench.forget()


@contextmanager
def answerable(bench: Bench, action: str) -> Iterator[None]:
    """For `answer` during the notice: an unanswered objection filed by a resident (only while answering: it
    would block closing the notice)."""
    if action != Action.ANSWER or bench.state != State.PUBLIC_NOTICE:
        yield
        return

    def file_one() -> None:
        resident = db.session.scalars(select(User).where(User.username == HOLDERS[Role.APPLICANT])).one()
        dossier = db.session.get(Dossier, bench.dossier_id)
        bench.objection_id = records.record_objection(resident, dossier, "Hộ này chưa giữ vệ sinh chung").id

    with set_up(bench, file_one):
        yield
    bench.objection_id = NO_OBJECTION


@contextmanager
def notice_over(bench: Bench, action: str, frozen_clock) -> Iterator[None]:
    """For `close_notice` during the notice: the clock past the notice's last day (objections are taken only
    while it runs, the notice closes only after it)."""
    if action != Trigger.CLOSE_NOTICE or bench.state != State.PUBLIC_NOTICE:
        yield
        return
    saved = frozen_clock.current
    frozen_clock.current = saved + timedelta(days=25)
    bench.forget()
    try:
        yield
    finally:
        frozen_clock.current = saved
        bench.forget()


def blocking(bench: Bench) -> Callable[[], None]:
    """A fact that a guard of a step open in this state refuses: an unanswered objection during the notice, a
    standing disqualifier otherwise (recorded by the ward inspector)."""
    def block() -> None:
        dossier = db.session.get(Dossier, bench.dossier_id)
        if bench.state == State.PUBLIC_NOTICE:
            resident = db.session.scalars(select(User).where(User.username == HOLDERS[Role.APPLICANT])).one()
            records.record_objection(resident, dossier, "Hộ này chưa giữ vệ sinh chung")
        else:
            inspector = db.session.scalars(select(User).where(User.username == HOLDERS[Role.WARD_INSPECTOR])).one()
            records.set_disqualifier(inspector, dossier, {"version": dossier.version, "code": bench.disqualifier,
                                                          "standing": True, "reason": COMMENT})
    return block


def parties_hold(role: Role) -> Callable[[], None]:
    def give() -> None:
        for username in (CREATOR, HEAD, MEMBER):
            if not (username == CREATOR and role == Role.APPLICANT):  # she is a resident already
                add_role(username, f"{role}@{unit_of(role)}")
    return give


def read(bench: Bench, action: str, who: Who) -> None:
    if action == Action.SEE_INTERNAL:
        if bench.state in PAGE_STATES:
            bench.see_internal(who)
    elif bench.state in VOTED:  # who voted how, once there are votes
        bench.see_voters(who)


def lapsed_where_it_matters(bench: Bench, action: str) -> list[Who]:
    """Stand-ins whose delegation ran out, where a running one would act: the lapse alone must refuse them."""
    fail = bench.guards_fail(action)
    return [lapsed(r) for r in sorted(POLICY[action].roles & LENDABLE)
            if expected(action, stand_in(r), bench.state, fail).status in (200, 422)]


# --- the matrix ---------------------------------------------------------------------------------------------

BLOCKABLE = frozenset({State.SELF_ASSESSMENT, State.PUBLIC_NOTICE, State.WARD_INSPECTION, State.AWAITING_DECISION})
VOTED = frozenset({State.COUNCIL_REVIEW, State.AWAITING_DECISION, State.RECOGNIZED, State.NOT_RECOGNIZED,
                   State.REVOKED})
# The dossier page is costly to render; `see_internal` declares no states, so the page is read before, during
# and after the review.
PAGE_STATES = frozenset({State.DRAFT, State.PUBLIC_NOTICE, State.RECOGNIZED})


def test_every_dossier_row_is_in_the_matrix():
    """A new row of the policy that acts on a dossier must be taught to the matrix (how to send it, what it
    changes): otherwise it would go unchecked."""
    on_dossier = {action for action, permission in POLICY.items() if permission.on_dossier}
    assert on_dossier == set(WRITES) | set(READS)
    assert set(EVENTS) == set(WRITES)


@pytest.mark.parametrize("state", list(State), ids=str)
def test_policy_matrix(app, api, world, frozen_clock, state):
    fields = bench_for(api, world, frozen_clock, state)
    campaign_id, admin_id = world.campaign.id, world.users["admin"].id
    with one_transaction() as connection:
        bench = Bench(app=app, api=api, connection=connection, **fields)
        # Prepared: every trigger open in this state has its guards met, so role, relation and state decide.
        for trigger in TRIGGERS:
            clause = POLICY[trigger].clauses[0]
            with notice_over(bench, trigger, frozen_clock):
                if state in clause.states and bench.guards_fail(trigger)(clause):
                    bench.mistakes.append(f"{state} · {trigger}: the prepared dossier fails the row's guards")

        for action in WRITES:
            with answerable(bench, action), notice_over(bench, action, frozen_clock):
                for who in others(action, state) + lapsed_where_it_matters(bench, action):
                    bench.attempt(action, who)
        for action in READS:
            for who in others(action, state) + lapsed_where_it_matters(bench, action):
                read(bench, action, who)
        for role in Role:  # the dossier's own people, holding each role a row names
            writes = [a for a in WRITES if role in POLICY[a].roles and state in relation_states(a)]
            reads = [a for a in READS if role in POLICY[a].roles]
            if not writes and not any(state in (VOTED if a == Action.SEE_VOTERS else PAGE_STATES) for a in reads):
                continue
            with set_up(bench, parties_hold(role)):
                for action in writes:
                    with answerable(bench, action), notice_over(bench, action, frozen_clock):
                        for who in parties(role):
                            bench.attempt(action, who)
                for action in reads:
                    for who in parties(role):
                        read(bench, action, who)
        if state in BLOCKABLE:  # a guard refuses: the steps open here, tried by their roles' holders and stand-ins
            with set_up(bench, blocking(bench)):
                refused = bench.tally["write 422"]
                for trigger in TRIGGERS:
                    if state in POLICY[trigger].states:
                        named = sorted(POLICY[trigger].roles)
                        for who in [holder(r) for r in named] + [stand_in(r) for r in named if r in LENDABLE]:
                            bench.attempt(trigger, who)
                if bench.tally["write 422"] == refused:
                    bench.mistakes.append(f"{state}: the blocking fact blocks no step, the guards go untried")
        if state in VOTED:  # a secret ballot: the row's guard hides every name from everyone
            def secret() -> None:
                campaigns.update_campaign(db.session.get(User, admin_id), db.session.get(Campaign, campaign_id),
                                          {"settings": {"secret_ballot": True}})

            with set_up(bench, secret):
                for who in others(Action.SEE_VOTERS, state):
                    bench.see_voters(who)
    print(f"{state}: {bench.attempts} cases {dict(sorted(bench.tally.items()))}")
    assert not bench.mistakes, (f"{len(bench.mistakes)} of {bench.attempts} cases differ from the policy:\n"
                                + "\n".join(bench.mistakes))


# --- spot checks: DOMAIN.md's rules written out by hand, so a wrong policy row is caught too ---------------------

def fire(api, username: str, dossier_id: int, trigger: str, **data):
    version = api.as_("auditor").get(f"/dossiers/{dossier_id}").json["version"]
    return api.as_(username).post(f"/dossiers/{dossier_id}/transitions", json={
        "trigger": trigger, "version": version, "comment": COMMENT, "data": data})


def events_of(dossier_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == dossier_id))


def state_of(dossier_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Dossier, dossier_id).state


def error_of(response) -> tuple[int, str | None]:
    return response.status_code, (response.get_json(silent=True) or {}).get("error", {}).get("code")


def test_nobody_approves_their_own_household(api, world):
    """The chairman cannot recognize his own household's dossier, nor a council member vote on the dossier of a
    household she belongs to; the colleagues who are no party can."""
    add_users(world, {"household_head": ["chairman@WARD"], "household_member": ["council_member@WARD"]},
              MATRIX_PERSONAL_IDS)
    awaiting = world.dossier(State.AWAITING_DECISION, subject_ref=HOUSEHOLD_HEAD_ID).id
    reviewed = world.dossier(State.COUNCIL_REVIEW, members=MEMBERS).id
    signed_on = clock.now().date().isoformat()

    before = events_of(awaiting)
    own = fire(api, "household_head", awaiting, "recognize", decision_number="7/QĐ-UBND", signed_on=signed_on)
    assert error_of(own) == (403, "forbidden")
    assert (state_of(awaiting), events_of(awaiting)) == ("awaiting_decision", before)
    assert fire(api, "chairman", awaiting, "recognize", decision_number="7/QĐ-UBND",
                signed_on=signed_on).status_code == 200

    before = events_of(reviewed)
    vote = api.as_("household_member").post(f"/dossiers/{reviewed}/votes", json={"vote": "approve"})
    assert error_of(vote) == (403, "forbidden") and events_of(reviewed) == before
    assert api.as_("council1").post(f"/dossiers/{reviewed}/votes", json={"vote": "approve"}).status_code == 201


def test_residents_object_in_their_own_group_and_applicants_withdraw_before_the_inspection(api, world):
    """A resident (the applicant role in group 1) may object to a dossier on notice there, and cannot even see
    one on notice in group 2; the applicant may withdraw during the notice, not once the inspection began."""
    on_notice = world.dossier(State.PUBLIC_NOTICE).id
    elsewhere = world.dossier(State.PUBLIC_NOTICE, group="G2").id
    inspected = world.dossier(State.WARD_INSPECTION).id
    resident = api.as_("resident")
    assert resident.post(f"/dossiers/{on_notice}/objections", json={"text": "Hộ này xả rác"}).status_code == 201
    before = events_of(elsewhere)
    assert error_of(resident.post(f"/dossiers/{elsewhere}/objections", json={"text": "Hộ này xả rác"})) == \
        (404, "not_found")
    assert events_of(elsewhere) == before

    assert fire(api, "applicant", on_notice, "withdraw").status_code == 200
    assert state_of(on_notice) == "withdrawn"
    before = events_of(inspected)
    assert error_of(fire(api, "applicant", inspected, "withdraw")) == (409, "invalid_transition")
    assert (state_of(inspected), events_of(inspected)) == ("ward_inspection", before)


def test_the_vice_chairman_signs_for_the_chairman_only_while_delegated(api, world, frozen_clock):
    """KT. CHỦ TỊCH: with the chairman's delegation running, the vice chairman recognizes and the event names the
    chairman; without one he may not; a stand-in holding no role whose delegation ran out sees nothing (404)."""
    add_users(world, {"stand_in": []})
    first, second = world.dossier(State.AWAITING_DECISION).id, world.dossier(State.AWAITING_DECISION).id
    signed_on = clock.now().date().isoformat()
    assert error_of(fire(api, "vice_chairman", first, "recognize", decision_number="8/QĐ-UBND",
                         signed_on=signed_on)) == (403, "forbidden")
    today = local_today()
    delegations.grant(world.users["chairman"], {
        "to_username": "vice_chairman", "role": "chairman", "unit_code": "WARD", "reason": "Đi họp tỉnh",
        "starts_on": (today - timedelta(days=1)).isoformat(), "ends_on": (today + timedelta(days=3)).isoformat()})
    frozen_clock.current -= timedelta(days=20)
    then = local_today()
    delegations.grant(world.users["chairman"], {
        "to_username": "stand_in", "role": "chairman", "unit_code": "WARD", "reason": "Đi học",
        "starts_on": then.isoformat(), "ends_on": (then + timedelta(days=5)).isoformat()})
    frozen_clock.current += timedelta(days=20)
    db.session.commit()

    assert fire(api, "vice_chairman", first, "recognize", decision_number="8/QĐ-UBND",
                signed_on=signed_on).status_code == 200
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == first)
                               .order_by(AuditEvent.seq.desc())).first()
    assert (event.actor, event.role, event.data["on_behalf_of"]) == ("vice_chairman", "chairman", "chairman")
    assert error_of(fire(api, "stand_in", second, "recognize", decision_number="9/QĐ-UBND",
                         signed_on=signed_on)) == (404, "not_found")


# KNOWN BUG (found by this file, left unfixed on purpose; see the report of 2026-11-25): states/policy.py asks
# `delegation.runs_on(now.date())` with `now` in UTC, while a delegation's dates are the ward's (Viet Nam, UTC+7:
# `delegations.grant` and `delegations.status` use `local_today()`). From 00:00 to 07:00 in Viet Nam a delegation
# starting that day does not run yet, and one that ended the day before still runs.
def test_a_delegation_runs_on_the_wards_dates(api, world, frozen_clock):
    """At 01:00 in Viet Nam (18:00 UTC the day before) a delegation starting that (Vietnamese) day runs."""
    dossier = world.dossier(State.AWAITING_DECISION).id
    frozen_clock.current = frozen_clock.current.replace(hour=18, minute=0, second=0)
    today = local_today()
    assert today == frozen_clock.current.date() + timedelta(days=1)
    delegations.grant(world.users["chairman"], {
        "to_username": "vice_chairman", "role": "chairman", "unit_code": "WARD", "reason": "Đi họp tỉnh",
        "starts_on": today.isoformat(), "ends_on": today.isoformat()})
    db.session.commit()
    signed = fire(api, "vice_chairman", dossier, "recognize", decision_number="10/QĐ-UBND",
                  signed_on=frozen_clock.current.date().isoformat())
    assert signed.status_code == 200, signed.get_json()


# KNOWN BUG (found by this file, left unfixed on purpose; see the report of 2026-11-25): a council member's
# stand-in votes under the member's seat, yet `records.cast_vote` keys the vote by the stand-in's own user id, so
# the member and the stand-in both vote and one seat counts twice toward the quorum and the approvals.
def test_a_stand_in_votes_in_the_seat_not_beside_it(api, world):
    """One seat, one vote: the stand-in's vote replaces the member's own (or is refused), never adds to it."""
    add_users(world, {"stand_in": []})
    dossier = world.dossier(State.COUNCIL_REVIEW).id
    today = local_today()
    delegations.grant(world.users["council1"], {
        "to_username": "stand_in", "role": "council_member", "unit_code": "WARD", "reason": "Ốm",
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=5)).isoformat()})
    db.session.commit()
    assert api.as_("council1").post(f"/dossiers/{dossier}/votes", json={"vote": "reject"}).status_code == 201
    api.as_("stand_in").post(f"/dossiers/{dossier}/votes", json={"vote": "approve"})
    votes = db.session.scalar(select(func.count(Vote.id)).where(Vote.dossier_id == dossier))
    assert votes == 1, f"council1's seat holds {votes} votes"
