"""Public progress of a ward's campaign (công khai tiến độ giải quyết hồ sơ, issue 9): how many dossiers are at each
step, how many of those are past the step's deadline, and for the steps already taken, how many were taken by their
deadline — counts only, never a name, a code or a score, as one-stop shops publish their dossiers' progress.

A step's deadline is the one the dossier list and the work lists use (listing.DUE_FIELD: the campaign's date for
the stage; awaiting the decision, also `decision_days` days — working days if the campaign says so — after the
dossier became complete). The draft is the resident's own, not the ward's handling: a dossier never registered is
not counted at all, and a step the resident ended by withdrawing is not counted as one the ward took.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement

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


def deadline(campaign: Campaign, state: State, entered_on: date | None,
             counted: dict[date, date] | None = None) -> date:
    """The last day of `state` for a dossier that entered it on `entered_on` (Vietnam's dates; only awaiting the
    decision does the day matter); `counted` keeps the working-day counts already made (one calendar query per
    day, not per dossier)."""
    day = getattr(campaign, DUE_FIELD[state])
    if state == State.AWAITING_DECISION and campaign.decision_days and entered_on is not None:
        counted = {} if counted is None else counted
        if entered_on not in counted:
            counted[entered_on] = calendar.count(entered_on, campaign.decision_days,
                                                 campaign.decision_working_days).ends_on
        day = min(day, counted[entered_on])
    return day


class local_day(FunctionElement):
    """The day in Vietnam of a stored (naive UTC) moment, computed by the database: seven hours later, as Vietnam
    has kept UTC+7, with no summer time, since 1975 (an offset is far cheaper per row than a zone's rules)."""

    type = Date()
    inherit_cache = True


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


@compiles(local_day)
def _local_day_postgresql(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} + INTERVAL '7 hours' AS DATE)"


# How a stay at a step ended: not yet, by the resident's withdrawal, or by a step of the ward's (or the group's).
NOW, WITHDRAWN, LEFT = "now", "withdrawn", "left"


def _stays(campaign: Campaign):
    """Every stay of the campaign's dossiers at a state, counted by what decides its figures: the state, the day it
    began (only awaiting the decision, whose deadline counts from it), how and on which day it ended, and whether
    the dossier was ever in the ward's hands — one aggregate in the database, so the work done here grows with the
    campaign's days, never with its dossiers."""
    # One window for the three (the whole history of each dossier, in its order): one sort of the events.
    by_dossier = {"partition_by": AuditEvent.dossier_id, "order_by": (AuditEvent.seq, AuditEvent.id),
                  "rows": (None, None)}
    history = (
        select(AuditEvent.to_state.label("state"), AuditEvent.at.label("entered"),
               func.lead(AuditEvent.to_state).over(**by_dossier).label("next_state"),
               func.lead(AuditEvent.at).over(**by_dossier).label("left"),
               func.max(case((AuditEvent.to_state.in_([s.value for s in STEPS]), 1), else_=0))
               .over(**by_dossier).label("registered"))
        .join(Dossier, Dossier.id == AuditEvent.dossier_id)
        .where(Dossier.campaign_id == campaign.id, AuditEvent.to_state.is_not(None))
        .subquery())
    stays = (
        select(history.c.state,
               case((history.c.state == State.AWAITING_DECISION.value, local_day(history.c.entered)),
                    else_=None).label("entered_on"),
               case((history.c.next_state.is_(None), NOW), (history.c.next_state == State.WITHDRAWN.value, WITHDRAWN),
                    else_=LEFT).label("ended"),
               local_day(history.c.left).label("left_on"))
        # A dossier never registered (a draft, or withdrawn from its draft) is not counted at all; of the others,
        # the steps and the state each is in now.
        .where(history.c.registered == 1,
               or_(history.c.state.in_([s.value for s in STEPS]), history.c.next_state.is_(None)))
        .subquery())
    return db.session.execute(
        select(stays.c.state, stays.c.entered_on, stays.c.ended, stays.c.left_on, func.count())
        .group_by(stays.c.state, stays.c.entered_on, stays.c.ended, stays.c.left_on))


def progress(campaign: Campaign, now: datetime | None = None) -> Progress:
    """The counts for every dossier of `campaign` (its ward and every group under it)."""
    now = now or clock.now()
    today = calendar.local_date(now)
    result = Progress(campaign, today)
    steps = {s: Step(s) for s in STEPS}
    endings = dict.fromkeys(ENDINGS, 0)
    counted: dict[date, date] = {}
    for state_value, entered_on, ended, left_on, n in _stays(campaign):
        state = State(state_value)
        if ended == NOW:  # each registered dossier has one stay that has not ended: where it is now
            result.total += n
            if state in endings:
                endings[state] += n
        if state not in steps:
            continue
        last_day = deadline(campaign, state, _day(entered_on), counted)
        step = steps[state]
        if ended == NOW:
            step.now += n
            step.now_late += n if last_day < today else 0
        elif ended == LEFT:  # a withdrawal is the resident's ending: no step of the ward's
            step.done += n
            step.done_on_time += n if _day(left_on) <= last_day else 0
    result.steps = [steps[s] for s in STEPS]
    result.endings = endings
    return result


def _day(value: date | str | None) -> date | None:
    """A day as the database gave it (SQLite may hand back its text when the column's type is lost)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def campaigns() -> list[Campaign]:
    """Every campaign with at least one dossier past its draft, newest first (a ward's progress is public from its
    first registration)."""
    past_draft = select(Dossier.id).where(Dossier.campaign_id == Campaign.id,
                                          Dossier.state != State.DRAFT.value).exists()
    found = db.session.scalars(select(Campaign).options(joinedload(Campaign.unit)).where(past_draft))
    return sorted(found, key=lambda c: (-c.year, c.unit.name, c.id))
