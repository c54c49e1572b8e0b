"""One step over a set of dossiers (a decision, a batch step), set-based: the same judgement as one dossier's step,
with the reading and writing done once for the whole set.

Each dossier still goes through the same phases as `apply_transition` (dossiers.py), in the same order: the step's
row and comment, the policy's verdict for the actor (403), the version (409), then the machine — source state,
inputs, guards, effect — fired on the dossier in memory. What changes is how the data gets there and back: the
dossiers are found in the actor's scope and locked in one statement (`find_locked`, lowest id first, so two sets
never deadlock), what their guards ask is read once for the set (`SetFacts`), and once every dossier has moved, the
rows are written in one statement (`write_rows`) and the events — each one link of its dossier's chain, as
`audit.record` writes it — in one more (`audit.record_many`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, event, func, inspect, select
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.attributes import get_history, set_committed_value

from models import AuditEvent, Campaign, Decision, Dossier, Objection, User
from states import effects
from states.enums import OUTCOME_OF, TERMINAL_STATES, State, Trigger
from states.guards import GuardContext
from states.policy import Verdict
from states.text import T
from workflow.extensions import db
from workflow.services import audit, bulk, certificates, permissions, register
from workflow.services.dossiers import (
    check_version,
    find_or_create_decision,
    run_step,
    step_context,
    step_event,
    step_rule,
)
from workflow.services.errors import ServiceError, VersionConflict
from workflow.services.facts import REVISED_BY, DossierFacts, council_size
from workflow.services.scope import visible_dossiers
from workflow.services.validate import require_version

NOT_LIVE = frozenset(s.value for s in TERMINAL_STATES | {State.DRAFT})  # what `live_duplicates` does not count
# What an effect reads straight off the dossier rather than through its facts: loaded for the set beforehand.
EFFECT_READS = {effects.clear_votes: ("votes",)}
HELD = "kieumau.step_set_dossiers"


def find_locked(actor: User, ids: Iterable[int]) -> dict[int, Dossier]:
    """The listed dossiers in the actor's scope (scope.visible_dossiers), their rows locked in one statement, lowest
    id first, and read as they now stand — what `audit.lock_stream` does for one, before its step is judged."""
    found: dict[int, Dossier] = {}
    for chunk in bulk.chunks(ids):
        found.update((d.id, d) for d in db.session.scalars(
            visible_dossiers(actor).where(bulk.among(Dossier.id, chunk)).order_by(Dossier.id)
            .with_for_update(of=Dossier).execution_options(populate_existing=True)))
    # Held until the transaction ends (the session holds objects weakly): the notifications written at its commit
    # read these same dossiers, and would otherwise read thousands of rows again.
    db.session.info.setdefault(HELD, []).append(found)
    return found


@event.listens_for(Session, "after_transaction_end")
def _let_go(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(HELD, None)


def move_set(actor: User, trigger: Any, wanted: dict[int, int], found: dict[int, Dossier], comment: Any, data: Any,
             now: datetime, decision: Decision | None = None, comments: dict[int, str] | None = None,
             ) -> tuple[list[Dossier], dict[int, ServiceError]]:
    """Fire `trigger` on every found dossier (`find_locked`) at its wanted version: (the dossiers moved, lowest id
    first, {}) when all may move — their rows and events then written — or ([], {dossier_id: why}) and nothing
    written. `comments`: a dossier's own comment in place of the common one (a refused household's reason)."""
    try:
        rule, comment, data = step_rule(trigger, comment, data)
    except ServiceError as error:  # each dossier alone would be refused so: each is
        return [], {dossier_id: error for dossier_id in sorted(found)}
    refused: dict[int, ServiceError] = {}
    allowed: dict[int, Verdict] = {}
    versions: dict[int, int] = {}
    for dossier_id in sorted(found):
        try:
            allowed[dossier_id] = permissions.require(actor, rule.trigger, found[dossier_id], now, check_state=False,
                                                      check_guards=False)
            versions[dossier_id] = require_version(wanted[dossier_id])
        except ServiceError as error:
            refused[dossier_id] = error
            allowed.pop(dossier_id, None)
    facts = SetFacts([found[dossier_id] for dossier_id in allowed])
    for name in EFFECT_READS.get(rule.effect, ()):
        facts.load(name)
    steps: list[tuple[Dossier, GuardContext, State, Verdict]] = []
    for dossier_id in sorted(allowed):  # lowest id first, as one by one: a later one sees the earlier ones moved
        dossier = found[dossier_id]
        try:
            check_version(dossier, versions[dossier_id])
            from_state = State(dossier.state)
            own = comments.get(dossier_id, comment) if comments else comment
            step = step_context(facts.context(dossier, now), rule, actor, allowed[dossier_id], own, data, decision)
            run_step(dossier, rule, step)
        except ServiceError as error:
            refused[dossier_id] = error
        else:
            steps.append((dossier, step, from_state, allowed[dossier_id]))
    if refused:
        return [], dict(sorted(refused.items()))
    _write(steps, actor, now)
    return [dossier for dossier, *_rest in steps], {}


def _write(steps: list[tuple[Dossier, GuardContext, State, Verdict]], actor: User, now: datetime) -> None:
    """Every moved dossier's row in one statement, then its event — one link of its chain — in one more."""
    drawn = [d for d, *_rest in steps if get_history(d, "certificate_code").added]  # by the recognize effect
    redrawn = certificates.redraw_taken_codes(drawn)
    # Entered in the ward's register in the set's order (lowest id first): one block per ward and year.
    entered = register.enter_all([d for d, *_rest in steps if d.certificate_year and d.certificate_number is None])
    for dossier, step, *_rest in steps:
        if dossier.id in redrawn:
            step.effects["certificate_code"] = redrawn[dossier.id]
        if dossier.id in entered:
            step.effects["certificate_number"] = entered[dossier.id]
        dossier.updated_at = now
    write_rows([dossier for dossier, *_rest in steps])
    audit.record_many([
        step_event(dossier, step.trigger, actor, allowed, now, {**step.inputs, **step.effects},
                   from_state=from_state, to_state=dossier.state, comment=step.comment)
        for dossier, step, from_state, allowed in steps])


def write_rows(dossiers: list[Dossier]) -> None:
    """The dossiers' changed columns written as a flush writes them — each row only at the version read, which then
    moves on (the optimistic lock) — but in one statement per set of changed columns (bulk.update_rows), where the
    ORM sends one UPDATE per versioned row. The objects are then as written: at their new version, nothing pending."""
    session = db.session() if isinstance(db.session, scoped_session) else db.session  # the Session itself
    # What a flush does first: its hooks (deadlines: each moved dossier's due_on and ward_id), as at any flush.
    session.dispatch.before_flush(session, None, None)
    table = Dossier.__table__
    columns = {prop.key: prop.columns[0].name for prop in inspect(Dossier).column_attrs}
    attributes = set(inspect(Dossier).attrs.keys())
    shapes: dict[tuple[str, ...], list[Dossier]] = defaultdict(list)
    rest: dict[int, set[str]] = {}  # what else each has pending (a relationship)
    for dossier in dossiers:
        pending = attributes - inspect(dossier).unmodified  # set since it was read (a value set again included)
        changed = tuple(key for key in columns if key in pending and key != "version")
        if changed:
            shapes[changed].append(dossier)
        rest[dossier.id] = pending - columns.keys()
    for changed, rows in shapes.items():
        written = bulk.update_rows(
            table, [{"id": d.id, "version": d.version, "next_version": d.version + 1,
                     **{columns[key]: getattr(d, key) for key in changed}} for d in rows],
            where=("id", "version"), assign={**{columns[key]: columns[key] for key in changed},
                                             "version": "next_version"})
        if written != len(rows):  # not while we hold the rows' locks; said as `touch` says it, should it ever be
            raise VersionConflict(T("Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại."))
        for dossier in rows:
            set_committed_value(dossier, "version", dossier.version + 1)
            if rest[dossier.id]:  # a step that changed a relationship too (send_back clears the votes): its
                for key in changed:  # columns are written, the relationship is left to the flush
                    set_committed_value(dossier, key, getattr(dossier, key))
            else:
                # Nothing of it left to write: as a flush ends for what it wrote, the object is clean again — else
                # each later flush of the request would look through every attribute of thousands of rows.
                state = inspect(dossier)
                state._commit_all(state.dict, session.identity_map)


class SetFacts:
    """What guards and effects may ask about a set of dossiers, each question read once for the whole set when it
    is first asked — and answered as `DossierFacts` answers it for one dossier at that moment, the earlier dossiers
    of the set having moved (in memory) before the later ones ask."""

    def __init__(self, dossiers: list[Dossier]):
        self.dossiers = {d.id: d for d in dossiers}
        self.loaded: set[str] = set()
        self._objections: dict[int, tuple[int, int]] | None = None
        self._returned: dict[int, bool] | None = None
        self._namesakes: dict[tuple, list[Any]] | None = None
        self._councils: dict[int, int] = {}
        self._decisions: dict[tuple, Decision] = {}

    def context(self, dossier: Dossier, now: datetime) -> GuardContext:
        """The guard context of one dossier of the set (as `facts.guard_context`)."""
        return GuardContext(dossier=dossier, campaign=dossier.campaign, facts=MemberFacts(dossier, self), now=now)

    def load(self, name: str) -> None:
        """The dossiers' `name` relationship (items, meeting, votes) read in one query for all that lack it."""
        if name in self.loaded:
            return
        self.loaded.add(name)
        relation = Dossier.__mapper__.relationships[name]
        child = relation.mapper.class_
        lacking = [d for d in self.dossiers.values() if name in inspect(d).unloaded]
        rows: dict[int, list] = defaultdict(list)
        for chunk in bulk.chunks(d.id for d in lacking):
            for row in db.session.scalars(select(child).where(bulk.among(child.dossier_id, chunk))
                                          .order_by(child.id)):
                rows[row.dossier_id].append(row)
        for dossier in lacking:
            found = rows.get(dossier.id, [])
            set_committed_value(dossier, name, found if relation.uselist else (found[0] if found else None))

    def objections(self, dossier: Dossier) -> tuple[int, int]:
        """(open, upheld) objections filed since the dossier entered its state (the notice now running)."""
        if self._objections is None:
            self._objections = {}
            for chunk in bulk.chunks(self.dossiers):
                self._objections.update((row[0], (row[1], row[2])) for row in db.session.execute(
                    select(Objection.dossier_id, func.count(case((Objection.answer.is_(None), 1))),
                           func.count(case((Objection.upheld.is_(True), 1))))
                    .join(Dossier, Dossier.id == Objection.dossier_id)
                    .where(bulk.among(Objection.dossier_id, chunk), Objection.filed_at >= Dossier.state_changed_at)
                    .group_by(Objection.dossier_id)))
        return self._objections.get(dossier.id, (0, 0))

    def returned_unrevised(self, dossier: Dossier) -> bool | None:
        """Whether the dossier's last move was a return to its group with nothing revised since (for those in
        self-assessment when first asked; None for another, which then asks alone)."""
        if self._returned is None:
            self._returned = {}
            asking = [d.id for d in self.dossiers.values() if d.state == State.SELF_ASSESSMENT]
            for chunk in bulk.chunks(asking):
                last = (select(AuditEvent.dossier_id, func.max(AuditEvent.id).label("id"))
                        .where(bulk.among(AuditEvent.dossier_id, chunk), AuditEvent.from_state.is_not(None),
                               AuditEvent.to_state.is_not(None))
                        .group_by(AuditEvent.dossier_id).subquery())
                revised = (select(AuditEvent.dossier_id, func.count(AuditEvent.id).label("n"))
                           .join(last, (AuditEvent.dossier_id == last.c.dossier_id) & (AuditEvent.id > last.c.id))
                           .where(AuditEvent.trigger.in_(REVISED_BY)).group_by(AuditEvent.dossier_id).subquery())
                rows = db.session.execute(
                    select(last.c.dossier_id, AuditEvent.trigger, revised.c.n)
                    .join(AuditEvent, AuditEvent.id == last.c.id)
                    .outerjoin(revised, revised.c.dossier_id == last.c.dossier_id))
                found = {row[0]: row[1] == Trigger.RETURN_TO_GROUP and not row[2] for row in rows}
                self._returned.update((i, found.get(i, False)) for i in chunk)
        return self._returned.get(dossier.id)

    def live_duplicates(self, dossier: Dossier) -> int:
        """Other live dossiers of the same subject, title and campaign — counting the set's own as they stand now."""
        if self._namesakes is None:
            self._namesakes = defaultdict(list)
            refs = {d.subject_ref.strip().lower() for d in self.dossiers.values()}
            campaigns = {d.campaign_id for d in self.dossiers.values()}
            for chunk in bulk.chunks(refs):
                key = func.lower(Dossier.subject_ref, type_=String())
                for row in db.session.execute(
                        select(Dossier.id, Dossier.campaign_id, Dossier.title, Dossier.state, key)
                        .where(bulk.among(key, chunk), Dossier.campaign_id.in_(campaigns))):
                    self._namesakes[(row[1], row[2], row[4])].append(row)
        key = (dossier.campaign_id, dossier.title, dossier.subject_ref.strip().lower())
        count = 0
        for row in self._namesakes.get(key, ()):
            if row.id != dossier.id:
                member = self.dossiers.get(row.id)
                count += (member.state if member is not None else row.state) not in NOT_LIVE
        return count

    def council_size(self, campaign: Campaign) -> int:
        if campaign.unit_id not in self._councils:
            self._councils[campaign.unit_id] = council_size(campaign)
        return self._councils[campaign.unit_id]

    def decision(self, step: GuardContext, dossier: Dossier) -> Decision:
        """The decision of this number, found or made once for the set's dossiers of one ward (a refusal is
        asked again by each, as alone)."""
        outcome = OUTCOME_OF[step.trigger]
        key = (dossier.campaign.unit_id, step.inputs["decision_number"], step.inputs["signed_on"], outcome)
        if key not in self._decisions:
            self._decisions[key] = find_or_create_decision(step, dossier, outcome)
        return self._decisions[key]


class MemberFacts(DossierFacts):
    """One dossier's facts, answered from its set's (each query of `DossierFacts` once for the set)."""

    def __init__(self, dossier: Dossier, known: SetFacts):
        super().__init__(dossier)
        self.known = known

    def assessed_codes(self) -> list[str]:
        self.known.load("assessment_items")
        return super().assessed_codes()

    def inspected_codes(self) -> list[str]:
        self.known.load("inspection_items")
        return super().inspected_codes()

    def self_score(self):
        self.known.load("assessment_items")
        return super().self_score()

    def inspection_score(self):
        self.known.load("inspection_items")
        return super().inspection_score()

    def meeting(self):
        self.known.load("meeting_vote")
        return super().meeting()

    def vote_counts(self) -> dict[str, int]:
        self.known.load("votes")
        return super().vote_counts()

    def live_duplicates(self) -> int:
        return self.known.live_duplicates(self.dossier)

    def open_objections(self) -> int:
        return self.known.objections(self.dossier)[0]

    def upheld_objections(self) -> int:
        return self.known.objections(self.dossier)[1]

    def council_size(self) -> int:
        return self.known.council_size(self.dossier.campaign)

    def returned_unrevised(self) -> bool:
        if self.dossier.state != State.SELF_ASSESSMENT:
            return False
        known = self.known.returned_unrevised(self.dossier)
        return super().returned_unrevised() if known is None else known

    def decision_for(self, step: GuardContext):
        if step.decision is not None or not step.inputs.get("decision_number"):
            return super().decision_for(step)
        return self.known.decision(step, self.dossier)

    def enter_certificate(self, year: int) -> int | None:
        """None for now: the set's certificates are numbered together, in its order, when it is written."""
        return None
