"""What the dossier page shows beyond the row: the five-stage tracker, criteria side by side, the tally."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models import AuditEvent, Dossier, User
from states.enums import Action, EventName, State, VoteChoice
from workflow.services import permissions
from workflow.services.facts import council_size

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
