"""The group's proposal to the ward (văn bản đề nghị of the group's head, Decree 86/2023 art. 7): one paper per group
and campaign, made from what the system holds — the dossiers the group's meeting passed, each with its votes in
favour, the objections residents made on public notice and how many were upheld, and the notice's result.

Read by the group's committee and the ward's reviewers of that scope (policy row `read_proposal`); anyone else is
told the group does not exist (404). Read as sets: a few queries whatever the group's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select

from models import AuditEvent, Campaign, Dossier, GroupMeeting, MeetingVote, Objection, Unit, User
from states.enums import Action, State, Trigger
from states.labels import STATE_LABELS, TITLE_LABELS
from states.policy import local_day, may_at
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import meetings
from workflow.services.archive import _vi, place_and_date, ward_of
from workflow.services.documents import in_text
from workflow.services.errors import NotFound

LEFT = (State.WITHDRAWN.value, State.REGISTRATION_REJECTED.value)  # no longer proposed, whatever the vote said


@dataclass(frozen=True)
class Item:
    """One line of the summary list (danh sách tổng hợp)."""

    dossier_id: int
    tracking_code: str
    subject_name: str
    title: str
    votes_for: int
    attendees: int
    objections: int
    upheld: int
    state: str

    @property
    def title_label(self) -> str:
        return _vi(TITLE_LABELS, self.title)

    @property
    def state_label(self) -> str:
        return _vi(STATE_LABELS, self.state)


@dataclass(frozen=True)
class Proposal:
    unit: Unit
    campaign: Campaign
    ward: Unit | None
    meeting: GroupMeeting | None
    items: list[Item]
    notice_from: date | None  # the first day the list was posted (Vietnam's date)
    notice_until: date | None  # the last day of the latest notice
    on_notice: int  # of the items, those whose notice still runs
    place_and_date: str

    @property
    def objections(self) -> int:
        return sum(i.objections for i in self.items)

    @property
    def upheld(self) -> int:
        return sum(i.upheld for i in self.items)

    @property
    def ward_text(self) -> str:
        """'phường Tân Dân', as a sentence names it."""
        return in_text(self.ward.name) if self.ward is not None else "phường"

    @property
    def titles(self) -> str:
        """'“Gia đình kiểu mẫu”, “Công dân kiểu mẫu”' in the order first listed."""
        seen = list(dict.fromkeys(i.title_label for i in self.items))
        return ", ".join(f"“{t}”" for t in seen) if seen else "kiểu mẫu"


def proposal_for(actor: User, unit_id: Any, campaign_id: Any) -> Proposal:
    """The group's proposal of the campaign; NotFound outside the reader's scope or the policy row."""
    unit = meetings.group_for(actor, unit_id)
    campaign = meetings.campaign_for(unit, campaign_id)
    now = clock.now()
    if not may_at(actor, Action.READ_PROPOSAL, unit, local_day(now)):
        raise NotFound(T("Không tìm thấy tổ dân phố."))
    meeting = meetings.meeting_of(unit.id, campaign.id)
    items = _items(meeting, campaign) if meeting is not None else []
    ids = [i.dossier_id for i in items]
    notice_from = notice_until = None
    on_notice = 0
    if ids:
        posted = db.session.scalar(select(func.min(AuditEvent.at)).where(
            AuditEvent.dossier_id.in_(ids), AuditEvent.trigger == Trigger.SUBMIT_ASSESSMENT.value))
        notice_from = local_day(posted) if posted is not None else None
        notice_until = db.session.scalar(select(func.max(Dossier.notice_ends_on)).where(Dossier.id.in_(ids)))
        on_notice = sum(1 for i in items if i.state == State.PUBLIC_NOTICE)
    return Proposal(unit=unit, campaign=campaign, ward=ward_of(unit), meeting=meeting, items=items,
                    notice_from=notice_from, notice_until=notice_until, on_notice=on_notice,
                    place_and_date=place_and_date(unit, local_day(now)))


def _items(meeting: GroupMeeting, campaign: Campaign) -> list[Item]:
    """The dossiers the meeting passed (quorum of those invited, approval of those present), by name: one query
    for the dossiers and their votes, one for their objections."""
    rows = db.session.execute(
        select(Dossier.id, Dossier.tracking_code, Dossier.subject_name, Dossier.title, Dossier.state,
               MeetingVote.votes_for)
        .join(MeetingVote, MeetingVote.dossier_id == Dossier.id)
        .where(MeetingVote.meeting_id == meeting.id, Dossier.state.not_in(LEFT))
        .order_by(Dossier.subject_name, Dossier.id)).all()
    passed = [r for r in rows if meetings.outcome(meeting, campaign, r.votes_for).passed]
    counts: dict[int, tuple[int, int]] = {}
    if passed:
        counts = {row[0]: (row[1], row[2]) for row in db.session.execute(
            select(Objection.dossier_id, func.count(Objection.id), func.count(case((Objection.upheld.is_(True), 1))))
            .where(Objection.dossier_id.in_([r.id for r in passed])).group_by(Objection.dossier_id))}
    return [Item(r.id, r.tracking_code, r.subject_name, r.title, r.votes_for, meeting.attendees,
                 *counts.get(r.id, (0, 0)), r.state) for r in passed]
