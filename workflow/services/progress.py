"""Public progress of a ward's campaign (công khai tiến độ giải quyết hồ sơ, issue 9): how many dossiers are at each
step, how many of those are past the step's deadline, and for the steps already taken, how many were taken by their
deadline — counts only, never a name, a code or a score, as one-stop shops publish their dossiers' progress.

A step's deadline is the one the dossier list and the work lists use (listing.DUE_FIELD: the campaign's date for
the stage; awaiting the decision, also `decision_days` working days after the dossier became complete). The draft
is the resident's own, not the ward's handling: a dossier never registered is not counted at all, and a step the
resident ended by withdrawing is not counted as one the ward took.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from models import AuditEvent, Campaign, Dossier
from states.enums import State
from workflow import clock
from workflow.extensions import db
from workflow.services import calendar
from workflow.services.listing import DUE_FIELD

# The ward's steps, in the order a dossier takes them.
STEPS = [s for s in DUE_FIELD if s != State.DRAFT]
# How dossiers end, in the order a resident reads them.
ENDINGS = [State.RECOGNIZED, State.NOT_RECOGNIZED, State.REVOKED, State.WITHDRAWN, State.REGISTRATION_REJECTED]


def share(part: int, whole: int) -> float | None:
    """part / whole (a page rounds it down); None when nothing was counted."""
    return part / whole if whole else None


@dataclass
class Step:
    """One step of the ward's handling."""

    state: State
    now: int = 0  # dossiers at this step today
    now_late: int = 0  # of them, past the step's deadline
    done: int = 0  # times a dossier left this step
    done_on_time: int = 0  # of them, by the step's deadline

    @property
    def on_time(self) -> float | None:
        return share(self.done_on_time, self.done)

    def json(self) -> dict:
        return {"state": self.state.value, "now": self.now, "now_late": self.now_late, "done": self.done,
                "done_on_time": self.done_on_time, "on_time": self.on_time}


@dataclass
class Progress:
    campaign: Campaign
    today: date
    total: int = 0
    steps: list[Step] = field(default_factory=list)
    endings: dict[State, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return sum(s.done for s in self.steps)

    @property
    def done_on_time(self) -> int:
        return sum(s.done_on_time for s in self.steps)

    @property
    def on_time(self) -> float | None:
        """Of every step taken so far, the share taken by its deadline."""
        return share(self.done_on_time, self.done)

    @property
    def in_hand(self) -> int:
        return sum(s.now for s in self.steps)

    @property
    def late_now(self) -> int:
        return sum(s.now_late for s in self.steps)


def deadline(campaign: Campaign, state: State, entered_on: date, counted: dict[date, date] | None = None) -> date:
    """The last day of `state` for a dossier that entered it on `entered_on` (Vietnam's dates); `counted` keeps
    the working-day counts already made (one calendar query per day, not per dossier)."""
    day = getattr(campaign, DUE_FIELD[state])
    if state == State.AWAITING_DECISION and campaign.decision_days:
        counted = {} if counted is None else counted
        if entered_on not in counted:
            counted[entered_on] = calendar.count(entered_on, campaign.decision_days, True).ends_on
        day = min(day, counted[entered_on])
    return day


def progress(campaign: Campaign, now: datetime | None = None) -> Progress:
    """The counts for every dossier of `campaign` (its ward and every group under it)."""
    now = now or clock.now()
    today = calendar.local_date(now)
    result = Progress(campaign, today)
    steps = {s: Step(s) for s in STEPS}
    # Each stay at a step, from the history's state changes: entered at, left at (None: still there).
    stays: dict[int, list[tuple[State, datetime]]] = defaultdict(list)
    rows = db.session.execute(
        select(AuditEvent.dossier_id, AuditEvent.to_state, AuditEvent.at)
        .join(Dossier, Dossier.id == AuditEvent.dossier_id)
        .where(Dossier.campaign_id == campaign.id, AuditEvent.to_state.is_not(None))
        .order_by(AuditEvent.dossier_id, AuditEvent.seq))
    for dossier_id, to_state, at in rows:
        stays[dossier_id].append((State(to_state), at))
    counted: dict[date, date] = {}
    endings = dict.fromkeys(ENDINGS, 0)
    for history in stays.values():
        if not any(state in steps for state, _at in history):
            continue  # never registered: a draft, or withdrawn from its draft
        result.total += 1
        if history[-1][0] in endings:
            endings[history[-1][0]] += 1
        for (state, entered), following in zip(history, [*history[1:], None], strict=True):
            if state not in steps:
                continue
            last_day = deadline(campaign, state, calendar.local_date(entered), counted)
            step = steps[state]
            if following is None:
                step.now += 1
                step.now_late += last_day < today
            elif following[0] != State.WITHDRAWN:  # the resident ended it: no step of the ward's
                step.done += 1
                step.done_on_time += calendar.local_date(following[1]) <= last_day
    result.steps = [steps[s] for s in STEPS]
    result.endings = endings
    return result


def campaigns() -> list[Campaign]:
    """Every campaign with at least one dossier past its draft, newest first (a ward's progress is public from its
    first registration)."""
    having = select(Dossier.campaign_id).where(Dossier.state != State.DRAFT.value).distinct()
    found = db.session.scalars(select(Campaign).where(Campaign.id.in_(having)))
    return sorted(found, key=lambda c: (-c.year, c.unit.name, c.id))
