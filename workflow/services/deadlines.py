"""Each dossier's deadline for its current stage, stored on the row (`dossiers.due_on`) when its state changes, so
"overdue" and "due soon" are indexed SQL conditions over the caller's scope instead of a count per dossier.

The stored day is the campaign's date for the stage; awaiting the chairman's decision, the earlier of that and
`decision_days` days (calendar days unless the campaign counts working days) after the dossier became complete. It
is set by one `before_flush` hook whenever a
dossier is created or its state (or campaign) changes, and recomputed for a whole campaign when the campaign's
dates or `decision_days` change, or for every dossier awaiting a decision when the admin's calendar changes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import Session

from models import CalendarDay, Campaign, Dossier
from states.enums import State
from states.titles import EVERY_HOUSEHOLD_TITLES, every_household
from workflow.extensions import db
from workflow.services import calendar

# Which campaign date a dossier in each state is due by.
DUE_FIELD = {
    State.DRAFT: "registration_closes",
    State.REGISTERED: "assessment_due",
    State.SELF_ASSESSMENT: "assessment_due",
    State.PUBLIC_NOTICE: "inspection_due",
    State.WARD_INSPECTION: "inspection_due",
    State.COUNCIL_REVIEW: "decision_due",
    State.AWAITING_DECISION: "decision_due",
}
# What a campaign change can move: its dates and the chairman's days (their number, and how they are counted).
CAMPAIGN_FIELDS = frozenset(DUE_FIELD.values()) | {"decision_days", "decision_working_days"}


def due_field(state: str, title: str | None = None) -> str | None:
    """The campaign date a dossier of `title` in `state` is due by: a draft of a title assessed for every household
    may be sent until the assessment deadline (states/titles.registration_window), not the registration's close."""
    if State(state) == State.DRAFT and title is not None and every_household(title):
        return "assessment_due"
    return DUE_FIELD.get(State(state))


def compute(state: str, campaign: Campaign, state_changed_at: datetime | None,
            title: str | None = None) -> date | None:
    """The last day (Vietnam's date) of the stage `state` in `campaign`, entered at `state_changed_at`."""
    field = due_field(state, title)
    if field is None:
        return None
    deadline = getattr(campaign, field)
    if state == State.AWAITING_DECISION and campaign.decision_days and state_changed_at is not None:
        complete_on = calendar.local_date(state_changed_at)
        counted = calendar.count(complete_on, campaign.decision_days, campaign.decision_working_days)
        deadline = min(deadline, counted.ends_on)
    return deadline


def _changed(session: Session, obj, names) -> bool:
    if obj in session.new:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _store_deadlines(session: Session, _context, _instances) -> None:
    if any(isinstance(obj, CalendarDay) for obj in (*session.new, *session.dirty, *session.deleted)):
        calendar.forget_counts()  # the admin's calendar changed in this transaction
        session.info["deadlines_calendar"] = True
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Dossier) and _changed(session, obj, ("state", "campaign_id", "state_changed_at")):
            campaign = obj.campaign or session.get(Campaign, obj.campaign_id)
            obj.ward_id = campaign.unit_id  # a campaign is always a ward's
            obj.due_on = compute(obj.state, campaign, obj.state_changed_at, obj.title)
        elif isinstance(obj, Campaign) and obj not in session.new and _changed(session, obj, CAMPAIGN_FIELDS):
            session.info.setdefault("deadlines_campaigns", set()).add(obj.id)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_moved_deadlines(session: Session, _context) -> None:
    """A campaign's dates (or the calendar) changed: its open dossiers' stored deadlines follow, in the same
    transaction, whichever code changed them."""
    campaign_ids = session.info.pop("deadlines_campaigns", set())
    for campaign_id in sorted(campaign_ids):
        refresh_campaign(session.get(Campaign, campaign_id), session)
    if session.info.pop("deadlines_calendar", False):
        refresh_after_calendar_change(session)


def refresh_campaign(campaign: Campaign, session: Session | None = None) -> int:
    """Recompute the stored deadline of the campaign's open dossiers: one UPDATE per state (drafts: and per title
    assessed for every household), and one statement for those awaiting the decision (grouped by completion day).
    Returns how many rows were written."""
    session = session or db.session
    table = Dossier.__table__
    written = 0
    for state in DUE_FIELD:
        if state == State.AWAITING_DECISION and campaign.decision_days:
            continue
        where = [table.c.campaign_id == campaign.id, table.c.state == state.value]
        if state == State.DRAFT:  # a draft of a title assessed for every household is due later (due_field)
            for title in EVERY_HOUSEHOLD_TITLES:
                written += session.connection().execute(
                    update(table).where(*where, table.c.title == title.value)
                    .values(due_on=getattr(campaign, due_field(state, title)))).rowcount or 0
            where.append(table.c.title.not_in([title.value for title in EVERY_HOUSEHOLD_TITLES]))
        written += session.connection().execute(
            update(table).where(*where).values(due_on=getattr(campaign, DUE_FIELD[state]))).rowcount or 0
    if campaign.decision_days:
        waiting = select(table.c.id, table.c.state_changed_at, table.c.campaign_id).where(
            table.c.campaign_id == campaign.id, table.c.state == State.AWAITING_DECISION.value)
        written += _refresh_awaiting(session, waiting, {campaign.id: campaign})
    _expire(session, lambda dossier: dossier.campaign_id == campaign.id)
    return written


def refresh_after_calendar_change(session: Session | None = None) -> int:
    """Days counted in working days moved: recompute every dossier awaiting a decision (grouped by day)."""
    session = session or db.session
    calendar.forget_counts()
    campaigns = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.decision_days > 0))}
    if not campaigns:
        return 0
    table = Dossier.__table__
    written = _refresh_awaiting(session, select(table.c.id, table.c.state_changed_at, table.c.campaign_id).where(
        table.c.campaign_id.in_(campaigns), table.c.state == State.AWAITING_DECISION.value), campaigns)
    _expire(session, lambda dossier: dossier.state == State.AWAITING_DECISION.value)
    return written


def _refresh_awaiting(session: Session, query, campaigns: dict[int, Campaign]) -> int:
    by_day: dict[tuple[int, date], list[int]] = defaultdict(list)
    for row in session.connection().execute(query):
        by_day[(row.campaign_id, calendar.local_date(row.state_changed_at))].append(row.id)
    params = []
    for (campaign_id, day), ids in by_day.items():
        campaign = campaigns[campaign_id]
        counted = calendar.count(day, campaign.decision_days, campaign.decision_working_days)
        due = min(campaign.decision_due, counted.ends_on)
        params += [{"dossier_id": dossier_id, "due": due} for dossier_id in ids]
    if params:
        table = Dossier.__table__
        session.connection().execute(
            update(table).where(table.c.id == bindparam("dossier_id")).values(due_on=bindparam("due")), params)
    return len(params)


def _expire(session: Session, which) -> None:
    """Dossiers already loaded read their new deadline from the database next time."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Dossier) and which(obj):
            session.expire(obj, ["due_on"])
