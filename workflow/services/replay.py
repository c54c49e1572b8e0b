"""Replaying the audit: each dossier's state, council votes, group-meeting figures, disqualifiers and decision as
its events say they are, against what the tables hold. A table changed behind the application's back (a state
set by hand, a vote edited or deleted) shows here even though every chain is intact."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from models import AuditEvent, Dossier, GroupMeeting, MeetingVote, User, Vote
from states.enums import EventName
from workflow.extensions import db

BATCH = 500
MEETING_FIGURES = ("held_on", "invited", "attendees")


@dataclass
class Rebuilt:
    """One dossier as its events tell it. A field stays `None` when no event ever set it."""

    state: str | None = None
    votes: dict[int, str] = field(default_factory=dict)  # seat (user id) -> choice
    votes_seen: bool = False
    votes_for: int | None = None
    disqualifiers: list[str] | None = None
    decision_id: int | None = None
    decision_seen: bool = False


@dataclass
class Difference:
    dossier_id: int | None
    tracking_code: str
    what: str
    stored: Any
    replayed: Any
    meeting_id: int | None = None

    def describe(self) -> str:
        where = f"hồ sơ {self.dossier_id} ({self.tracking_code})" if self.dossier_id else f"cuộc họp {self.meeting_id}"
        return f"{where}: {self.what} lưu là {self.stored!r}, theo nhật ký là {self.replayed!r}"


def rebuild(events: list[AuditEvent], seat_of: dict[str, int]) -> Rebuilt:
    """Fold one dossier's events (oldest first) into what its tables should hold."""
    state = Rebuilt()
    for event in events:
        data = event.data or {}
        if event.to_state:
            state.state = event.to_state
        if event.trigger == EventName.VOTE_CAST:
            seat = seat_of.get(data.get("on_behalf_of", ""), event.actor_id)
            state.votes[seat] = data.get("vote")
            state.votes_seen = True
        if "cleared_votes" in data:
            state.votes.clear()
            state.votes_seen = True
        if event.trigger == EventName.MEETING_RECORDED and "votes_for" in data:
            state.votes_for = data["votes_for"]
        if event.trigger == EventName.ASSESSMENT_SAVED and isinstance(data.get("meeting"), dict):
            state.votes_for = data["meeting"].get("votes_for")
        if "disqualifiers" in data and isinstance(data["disqualifiers"], list):
            state.disqualifiers = sorted(data["disqualifiers"])
        if event.trigger in (EventName.DISQUALIFIER_RECORDED, EventName.DISQUALIFIER_CLEARED) \
                and isinstance(data.get("standing"), list):
            state.disqualifiers = sorted(data["standing"])
        if "decision_id" in data:
            state.decision_id, state.decision_seen = data["decision_id"], True
    return state


def _compare(dossier: Dossier, rebuilt: Rebuilt, votes: dict[int, str], votes_for: int | None
             ) -> Iterator[Difference]:
    def diff(what: str, stored: Any, replayed: Any) -> Difference:
        return Difference(dossier.id, dossier.tracking_code, what, stored, replayed)

    if rebuilt.state is not None and dossier.state != rebuilt.state:
        yield diff("trạng thái", dossier.state, rebuilt.state)
    if (rebuilt.votes_seen or votes) and votes != rebuilt.votes:
        yield diff("phiếu của Hội đồng", _plain_votes(votes), _plain_votes(rebuilt.votes))
    if rebuilt.votes_for is not None and votes_for != rebuilt.votes_for:
        yield diff("số người dự họp đồng ý", votes_for, rebuilt.votes_for)
    stored_found = sorted(dossier.disqualifiers_found or [])
    if (rebuilt.disqualifiers or []) != stored_found and (rebuilt.disqualifiers is not None or stored_found):
        yield diff("trường hợp không xét", stored_found, rebuilt.disqualifiers or [])
    if (rebuilt.decision_seen or dossier.decision_id is not None) and dossier.decision_id != rebuilt.decision_id:
        yield diff("quyết định", dossier.decision_id, rebuilt.decision_id)


def _plain_votes(votes: dict[int, str]) -> dict[int, str]:
    return dict(sorted(votes.items()))


def replay() -> list[Difference]:
    """Every difference between the tables and the events, dossier by dossier (a batch of ids at a time),
    then each group meeting's figures against the latest event that recorded them."""
    seat_of = dict(db.session.execute(select(User.username, User.id)).all())
    differences: list[Difference] = []
    last_id = 0
    while True:
        dossiers = db.session.scalars(select(Dossier).where(Dossier.id > last_id).order_by(Dossier.id)
                                      .limit(BATCH)).all()
        if not dossiers:
            break
        ids = [d.id for d in dossiers]
        last_id = ids[-1]
        events: dict[int, list[AuditEvent]] = {i: [] for i in ids}
        for event in db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id.in_(ids))
                                        .order_by(AuditEvent.dossier_id, AuditEvent.seq)):
            if event.stream == f"dossier:{event.dossier_id}":
                events[event.dossier_id].append(event)
        votes: dict[int, dict[int, str]] = {i: {} for i in ids}
        for dossier_id, user_id, choice in db.session.execute(
                select(Vote.dossier_id, Vote.user_id, Vote.choice).where(Vote.dossier_id.in_(ids))):
            votes[dossier_id][user_id] = choice
        votes_for = dict(db.session.execute(select(MeetingVote.dossier_id, MeetingVote.votes_for)
                                            .where(MeetingVote.dossier_id.in_(ids))).all())
        for dossier in dossiers:
            rebuilt = rebuild(events[dossier.id], seat_of)
            differences.extend(_compare(dossier, rebuilt, votes[dossier.id], votes_for.get(dossier.id)))
    differences.extend(_meetings())
    return differences


def _meetings() -> Iterator[Difference]:
    """A meeting's date and head counts as the latest event that wrote them says: its own minutes' chain, or a
    dossier's assessment that carried the meeting (the API's older shape writes only that)."""
    for meeting in db.session.scalars(select(GroupMeeting).order_by(GroupMeeting.id)):
        latest = db.session.scalars(
            select(AuditEvent).where(AuditEvent.stream == f"meeting:{meeting.id}").order_by(AuditEvent.id.desc())
            .limit(1)).first()
        carried = db.session.scalars(
            select(AuditEvent).join(MeetingVote, MeetingVote.dossier_id == AuditEvent.dossier_id)
            .where(MeetingVote.meeting_id == meeting.id,
                   AuditEvent.trigger.in_([EventName.ASSESSMENT_SAVED, EventName.MEETING_RECORDED]))
            .order_by(AuditEvent.id.desc()).limit(20)).all()
        for event in carried:
            figures = event.data.get("meeting") if event.trigger == EventName.ASSESSMENT_SAVED else event.data
            if isinstance(figures, dict) and "invited" in figures and (latest is None or event.id > latest.id):
                latest = event
                break
        if latest is None:
            continue
        figures = latest.data.get("meeting") if latest.trigger == EventName.ASSESSMENT_SAVED else latest.data
        stored = {"held_on": meeting.held_on.isoformat() if meeting.held_on else None,
                  "invited": meeting.invited, "attendees": meeting.attendees}
        replayed = {name: (figures or {}).get(name) for name in MEETING_FIGURES}
        if stored != replayed:
            yield Difference(None, "", "số liệu cuộc họp", stored, replayed, meeting_id=meeting.id)
