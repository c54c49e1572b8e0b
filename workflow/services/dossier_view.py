"""What the dossier page shows beyond the row: the five-stage tracker, criteria side by side, the tally, the
banner of a returned dossier, the council's turnout, and the people named in its history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from models import AuditEvent, Dossier, RoleAssignment, User, Vote
from states import guards
from states.enums import Action, EventName, Role, State, Trigger, VoteChoice
from workflow.extensions import db
from workflow.services import listing, permissions
from workflow.services.facts import REVISED_BY, council_size, guard_context
from workflow.services.search import fold

# The five stages of the mission and the states that belong to each.
STAGES: list[tuple[str, tuple[State, ...]]] = [
    ("registration", (State.DRAFT, State.REGISTERED, State.REGISTRATION_REJECTED)),
    ("self_assessment", (State.SELF_ASSESSMENT, State.PUBLIC_NOTICE)),
    ("inspection", (State.WARD_INSPECTION,)),
    ("council", (State.COUNCIL_REVIEW,)),
    ("decision", (State.AWAITING_DECISION, State.RECOGNIZED, State.NOT_RECOGNIZED, State.REVOKED)),
]


def stage_of(state: str) -> int | None:
    return next((i for i, (_, states) in enumerate(STAGES) if state in states), None)


@dataclass
class StageView:
    key: str
    status: str  # done | current | todo | stopped
    started: datetime | None
    finished: datetime | None


def stage_tracker(dossier: Dossier, events: list[AuditEvent]) -> list[StageView]:
    """Each stage with the date it was first entered and the date it was left for a later one."""
    started: dict[int, datetime] = {}
    finished: dict[int, datetime] = {}
    for event in events:
        if not event.to_state:
            continue
        stage = stage_of(event.to_state)
        if stage is None:
            continue
        started.setdefault(stage, event.at)
        for earlier in range(stage):
            finished.setdefault(earlier, event.at)
    state = dossier.state
    current = stage_of(state)
    if state == State.WITHDRAWN:
        last = next((e.from_state for e in reversed(events) if e.to_state == State.WITHDRAWN), State.DRAFT)
        current = stage_of(last)
    stopped = state in (State.WITHDRAWN, State.REGISTRATION_REJECTED, State.NOT_RECOGNIZED, State.REVOKED)
    views = []
    for index, (key, _) in enumerate(STAGES):
        if current is not None and index < current:
            status = "done"
        elif index == current:
            status = "stopped" if stopped else ("done" if state == State.RECOGNIZED else "current")
        else:
            status = "todo"
        views.append(StageView(key, status, started.get(index), finished.get(index)))
    return views


@dataclass
class CriterionRow:
    code: str
    name: str
    standard: str | None
    mandatory: bool
    max_points: int | None
    self_met: bool | None
    self_points: int | None
    self_note: str
    inspected_met: bool | None
    inspected_points: int | None
    inspected_note: str


def criteria_rows(dossier: Dossier) -> list[CriterionRow]:
    assessed = {i.criterion_id: i for i in dossier.assessment_items}
    inspected = {i.criterion_id: i for i in dossier.inspection_items}
    rows = []
    for c in dossier.criteria_set.criteria:
        a, i = assessed.get(c.id), inspected.get(c.id)
        rows.append(CriterionRow(c.code, c.name, c.standard.name if c.standard else None, c.mandatory,
                                 c.max_points, a.met if a else None, a.points if a else None,
                                 a.note if a else "", i.met if i else None, i.points if i else None,
                                 i.note if i else ""))
    return rows


@dataclass
class Tally:
    counts: dict[str, int]
    size: int
    names_visible: bool
    votes: list


def voters_visible(user: User, dossier: Dossier) -> bool:
    """Who voted how: the policy's `see_voters` row (reviewers, never the dossier's own people, never in a
    secret ballot)."""
    return permissions.allows(user, Action.SEE_VOTERS, dossier)


def tally_shown(dossier: Dossier) -> bool:
    """The council's section appears once the council has the dossier, or when votes exist."""
    return bool(dossier.votes) or dossier.state in COUNCIL_ONWARDS


COUNCIL_ONWARDS = frozenset({State.COUNCIL_REVIEW, State.AWAITING_DECISION, State.RECOGNIZED, State.NOT_RECOGNIZED,
                             State.REVOKED})


def tally(user: User, dossier: Dossier) -> Tally:
    counts = {c.value: 0 for c in VoteChoice}
    for vote in dossier.votes:
        counts[vote.choice] += 1
    return Tally(counts, council_size(dossier.campaign), voters_visible(user, dossier),
                 sorted(dossier.votes, key=lambda v: v.cast_at))


def is_secret_vote(event: AuditEvent, show_voters: bool) -> bool:
    return not show_voters and event.trigger == EventName.VOTE_CAST


# --- a dossier sent back: by the ward to the group, or by the chairman to the council --------------------------

# A step that sends a dossier back, and the step that sends it on again once the reason is dealt with.
RETURNS = {Trigger.RETURN_TO_GROUP.value: Trigger.SUBMIT_ASSESSMENT.value,
           Trigger.SEND_BACK.value: Trigger.CLOSE_REVIEW.value}
# What counts as work done on a returned dossier since it came back.
REVISIONS = {
    Trigger.RETURN_TO_GROUP.value: REVISED_BY,
    Trigger.SEND_BACK.value: frozenset({EventName.VOTE_CAST.value}),
}


@dataclass
class Returned:
    """The step that sent the dossier back, while the dossier still sits where it was sent."""

    trigger: str
    at: datetime
    by: str  # full name
    role: str | None
    reason: str
    revised_at: datetime | None = None  # the latest work done on it since

    @property
    def resend(self) -> str:
        """The step that sends it on again."""
        return RETURNS[self.trigger]


def returned(dossier: Dossier, events: list[AuditEvent], people: dict[int, User] | None = None) -> Returned | None:
    """The return the dossier has not moved on from (its last transition sent it back), or None."""
    moves = [e for e in events if e.to_state and e.from_state]
    last = moves[-1] if moves else None
    if last is None or last.trigger not in RETURNS or last.to_state != dossier.state:
        return None
    people = people if people is not None else people_of(events)
    since = [e.at for e in events if e.id > last.id and e.trigger in REVISIONS[last.trigger]]
    return Returned(last.trigger, last.at, full_name(people, last), last.role, last.comment or "",
                    max(since) if since else None)


def returns_of(dossier_ids: Iterable[int]) -> dict[int, AuditEvent]:
    """For a list: the dossiers among `dossier_ids` whose last transition sent them back, with that event."""
    ids = list(set(dossier_ids))
    if not ids:
        return {}
    last = (select(func.max(AuditEvent.id).label("id"))
            .where(AuditEvent.dossier_id.in_(ids), AuditEvent.to_state.is_not(None),
                   AuditEvent.from_state.is_not(None))
            .group_by(AuditEvent.dossier_id).subquery())
    events = db.session.scalars(select(AuditEvent).join(last, AuditEvent.id == last.c.id))
    return {e.dossier_id: e for e in events if e.trigger in RETURNS}


# --- people in a history: full names, never usernames ------------------------------------------------------------

def people_of(events: Iterable[AuditEvent]) -> dict[int, User]:
    """The users who acted in `events`, by id (one query)."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def full_name(people: dict[int, User], event: AuditEvent) -> str:
    user = people.get(event.actor_id) if event.actor_id is not None else None
    return user.full_name if user is not None else event.actor


def on_behalf_names(events: Iterable[AuditEvent]) -> dict[str, str]:
    """Full names of the users a stand-in acted for (the events keep their usernames)."""
    names = {e.data.get("on_behalf_of") for e in events if isinstance(e.data, dict) and e.data.get("on_behalf_of")}
    if not names:
        return {}
    return dict(db.session.execute(select(User.username, User.full_name).where(User.username.in_(names))).all())


# --- the council's votes as each person may see them ---------------------------------------------------------------

def council_members(dossier: Dossier) -> list[User]:
    """The council members of the campaign's ward: the people `council_size` counts, by name."""
    members = db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.COUNCIL_MEMBER, RoleAssignment.unit_id == dossier.campaign.unit_id,
               User.active.is_(True)).distinct())
    return sorted(members, key=lambda user: by_given_name(user.full_name))


def by_given_name(name: str) -> tuple[str, str]:
    """The order of Vietnamese name lists: by the given name (the last word), then the whole name."""
    folded = fold(name)
    return (folded.rsplit(" ", 1)[-1], folded)


def my_vote(user: User, dossier: Dossier) -> Vote | None:
    """The vote in the user's seat: their own, or the seat of the member they stand in for."""
    allowed = permissions.verdict(user, Action.VOTE, dossier, check_guards=False, check_state=False)
    seat = allowed.on_behalf_of if allowed and allowed.on_behalf_of is not None else user
    return next((v for v in dossier.votes if v.user_id == seat.id), None)


@dataclass
class Turnout:
    """What whoever closes the review sees before closing: who has not voted, and what closing now would give."""

    size: int
    voted: int
    missing: list[str]  # full names
    approvals: int
    quorum_met: bool
    recommended: bool
    needed_voters: int
    needed_approvals: int


def turnout(dossier: Dossier) -> Turnout:
    """The same arithmetic the `close_review` guard and effect use, worked out before the step."""
    campaign = dossier.campaign
    cast = {v.user_id for v in dossier.votes}
    size, voted = council_size(campaign), len(dossier.votes)
    approvals = sum(1 for v in dossier.votes if v.choice == VoteChoice.APPROVE)
    return Turnout(
        size=size, voted=voted, missing=[m.full_name for m in council_members(dossier) if m.id not in cast],
        approvals=approvals, quorum_met=guards.meets_share(voted, size, campaign.council_quorum),
        recommended=guards.meets_share(approvals, size, campaign.council_approval),
        needed_voters=_least(size, campaign.council_quorum), needed_approvals=_least(size, campaign.council_approval))


def _least(size: int, share: float) -> int:
    """The smallest count that reaches `share` of `size`."""
    return next((n for n in range(size + 1) if guards.meets_share(n, size, share)), size)


# --- deadlines: due today, due soon, overdue ----------------------------------------------------------------------

@dataclass
class Due:
    on: date
    status: str | None  # overdue | today | soon (within 3 working days) | None
    days: int  # calendar days left (negative: days late), as the page words it


def due(dossier: Dossier, today: date | None = None) -> Due | None:
    """The current stage's last day and how close it is, in Vietnam's days (the calendar's rule for "soon")."""
    day = listing.due_date(dossier)
    if day is None:
        return None
    today = today or listing.local_today()
    return Due(day, listing.due_status(dossier, today), (day - today).days)


# --- the group's meeting, as the `submit_assessment` guards will judge it --------------------------------------------

MEETING_GUARDS = (guards.group_meeting_quorum, guards.group_meeting_approval)


def meeting_problems(dossier: Dossier) -> list:
    """Why the group's meeting would not carry this dossier (too few attended, too few in favour), or []."""
    if dossier.meeting_vote is None:
        return []
    return guards.evaluate(MEETING_GUARDS, guard_context(dossier))
