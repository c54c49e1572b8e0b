"""The group's one review meeting of a campaign (họp bình xét): when it was held, how many were invited and came,
who chaired it, the minutes' text, and how many of those present voted in favour of each proposed dossier. It is
every voted dossier's meeting for the `submit_assessment` guards (states/guards.py reads `dossier.meeting_vote`).

Recording it is the group committee's (policy row `meeting`, over the group), and every dossier whose meeting data
it sets must also allow `assessment` to the recorder: only dossiers in self-assessment get votes, and nobody
records votes on their own family's dossier. Each such dossier gets one `meeting_recorded` event and its version
moves, as any other data step; what the group's page or PUT records is also chained on the meeting's own stream
(`meeting:<id>`: figures, chair, minutes' text). The per-dossier assessment's `meeting` (the API's older shape)
goes through the same rules, its own event carrying the meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from models import Campaign, Dossier, GroupMeeting, MeetingVote, Unit, User
from states.enums import Action, EventName, State, UnitKind, VoteMethod
from states.guards import meets_share
from states.labels import STATE_LABELS
from states.policy import Verdict, local_day
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import audit, permissions
from workflow.services.dossiers import record_step, touch
from workflow.services.errors import Conflict, NotFound, ServiceError, VersionConflict
from workflow.services.permissions import ERRORS
from workflow.services.scope import reviewer_paths
from workflow.services.validate import Fields

FIGURES = ("held_on", "invited", "attendees")  # what the guards read: changing one changes every voted dossier
GROUP_KINDS = (UnitKind.GROUP.value, UnitKind.AGENCY.value)


MINUTES = ("chaired_by", "note", "started_at", "ended_at", "place", "secretary", "participants", "vote_method",
           "opinions")  # the minutes' own record: no dossier's guard reads them


@dataclass
class Figures:
    held_on: date
    invited: int
    attendees: int
    chaired_by: str = ""
    note: str = ""
    started_at: time | None = None
    ended_at: time | None = None
    place: str | None = None
    secretary: str | None = None
    participants: list[dict] | None = None
    vote_method: str | None = None
    opinions: str | None = None


@dataclass
class VoteLine:
    """One dossier's votes in favour as sent: `key` names its place in the request for the field errors."""

    dossier_id: int
    votes_for: int
    version: int | None = None
    key: str = ""


# --- finding -------------------------------------------------------------------------------------------------


def group_for(actor: User, unit_id: Any) -> Unit:
    """A residential group (or agency) under the actor's reviewer roles; NotFound otherwise (no existence leak)."""
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) and 0 < unit_id <= limits.ID_MAX else None
    if unit is None or unit.kind not in GROUP_KINDS or not any(unit.path.startswith(p) for p in reviewer_paths(actor)):
        raise NotFound(T("Không tìm thấy tổ dân phố."))
    return unit


def campaign_for(unit: Unit, campaign_id: Any) -> Campaign:
    """The campaign of the group's ward; NotFound for another ward's (or none)."""
    campaign = (db.session.get(Campaign, campaign_id)
                if isinstance(campaign_id, int) and 0 < campaign_id <= limits.ID_MAX else None)
    if campaign is None or not unit.path.startswith(campaign.unit.path):
        raise NotFound(T("Không tìm thấy đợt thi đua của tổ."))
    return campaign


def meeting_of(unit_id: int, campaign_id: int) -> GroupMeeting | None:
    """The group's one review meeting of the campaign, if recorded."""
    return db.session.scalar(select(GroupMeeting).where(GroupMeeting.unit_id == unit_id,
                                                        GroupMeeting.campaign_id == campaign_id))


def meeting_for(actor: User, meeting_id: int) -> GroupMeeting:
    """A recorded meeting of a group in the actor's scope; NotFound otherwise."""
    meeting = db.session.get(GroupMeeting, meeting_id) if 0 < meeting_id <= limits.ID_MAX else None
    if meeting is None or not any(meeting.unit.path.startswith(p) for p in reviewer_paths(actor)):
        raise NotFound(T("Không tìm thấy biên bản họp bình xét."))
    return meeting


def group_dossiers(unit: Unit, campaign: Campaign) -> list[Dossier]:
    """The group's dossiers of the campaign a meeting can vote on or has voted on: those in self-assessment and
    every one holding votes of this meeting, by subject name."""
    meeting = meeting_of(unit.id, campaign.id)
    voted = select(MeetingVote.dossier_id).where(MeetingVote.meeting_id == (meeting.id if meeting else -1))
    query = (select(Dossier).where(Dossier.unit_id == unit.id, Dossier.campaign_id == campaign.id)
             .where((Dossier.state == State.SELF_ASSESSMENT.value) | Dossier.id.in_(voted))
             .order_by(Dossier.subject_name, Dossier.id)
             # what each row reads (score, votes, policy), loaded in a few queries rather than per dossier
             .options(selectinload(Dossier.assessment_items), selectinload(Dossier.meeting_vote),
                      selectinload(Dossier.votes), selectinload(Dossier.members)))
    return list(db.session.scalars(query))


@dataclass
class Outcome:
    """A dossier's result at the meeting, as the guards count it: quorum of those invited, approval of those
    present (the campaign's shares)."""

    votes_for: int | None
    attendees: int
    invited: int
    quorum_share: float
    approval_share: float

    @property
    def quorum(self) -> bool:
        return meets_share(self.attendees, self.invited, self.quorum_share)

    @property
    def approval_percent(self) -> float | None:
        if self.votes_for is None or self.attendees <= 0:
            return None
        return self.votes_for / self.attendees * 100

    @property
    def attendance_percent(self) -> float:
        return self.attendees / self.invited * 100 if self.invited > 0 else 0.0

    @property
    def approved(self) -> bool:
        return self.votes_for is not None and meets_share(self.votes_for, self.attendees, self.approval_share)

    @property
    def passed(self) -> bool:
        return self.quorum and self.approved


def outcome(meeting: GroupMeeting, campaign: Campaign, votes_for: int | None) -> Outcome:
    return Outcome(votes_for, meeting.attendees, meeting.invited, campaign.group_quorum, campaign.group_approval)


# --- recording -----------------------------------------------------------------------------------------------


def parse_figures(fields: Fields, now: datetime, campaign: Campaign, *, prefix: str = "") -> Figures | None:
    """The meeting's own fields, each refused with its reason (held_on within the campaign and not in the ward's
    future, attendees ≤ invited)."""
    held_on = fields.day("held_on")
    invited = fields.integer("invited", minimum=1, maximum=limits.MEETING_PEOPLE_MAX)
    attendees = fields.integer("attendees", minimum=0, maximum=limits.MEETING_PEOPLE_MAX)
    chaired_by = fields.text("chaired_by", max_length=limits.NAME)
    note = fields.text("note", max_length=limits.MINUTES)
    if held_on is not None and held_on > local_day(now):
        fields.error("held_on", T("ngày họp không thể ở tương lai"))
    elif held_on is not None and held_on < campaign.registration_opens:
        fields.error("held_on", T("ngày họp phải trong đợt thi đua (từ ngày %(day)s)",
                                  day=f"{campaign.registration_opens:%d/%m/%Y}"))
    if invited is not None and attendees is not None and attendees > invited:
        fields.error("attendees", T("số dự họp (%(attendees)s) không thể lớn hơn số được mời (%(invited)s)",
                                    attendees=attendees, invited=invited))
    started_at, ended_at = fields.clock_time("started_at"), fields.clock_time("ended_at")
    if started_at is not None and ended_at is not None and ended_at < started_at:
        fields.error("ended_at", T("giờ kết thúc (%(end)s) không thể trước giờ bắt đầu (%(start)s)",
                                   end=f"{ended_at:%H:%M}", start=f"{started_at:%H:%M}"))
    place = fields.text("place", max_length=limits.PLACE)
    secretary = fields.text("secretary", max_length=limits.NAME)
    participants = parse_people(fields, "participants", fields.payload.get("participants"),
                                limits.PARTICIPANTS_MAX)
    vote_method = fields.choice("vote_method", VoteMethod, T("chọn giơ tay biểu quyết hoặc bỏ phiếu kín"))
    opinions = fields.text("opinions", max_length=limits.MINUTES)
    if None in (held_on, invited, attendees):
        return None
    return Figures(held_on, invited, attendees, chaired_by, note, started_at, ended_at, place or None,
                   secretary or None, participants or None, vote_method, opinions or None)


def parse_people(fields: Fields, name: str, raw: Any, most: int, roles: Any = None) -> list[dict]:
    """A list of people [{name, role}]: each named; `roles`, when given, the only roles allowed (else free text)."""
    if raw is None or raw == []:
        return []
    if not isinstance(raw, list) or len(raw) > most:
        fields.error(name, T("danh sách tối đa %(n)s người {name, role}", n=most))
        return []
    people = []
    for index, item in enumerate(raw):
        key = f"{name}[{index}]"
        if not isinstance(item, dict):
            fields.error(key, T("phải là đối tượng {name, role}"))
            continue
        sub = Fields(item)
        person = sub.text("name", required=True, max_length=limits.NAME)
        if roles is None:
            role = sub.text("role", max_length=limits.PERSON_ROLE)
        else:
            role = sub.choice("role", roles, T("phải là %(roles)s", roles=" hoặc ".join(str(r) for r in roles)),
                              required=True)
        for part, message in sub.errors.items():
            fields.error(f"{key}.{part}", T("người thứ %(n)s: %(why)s", n=index + 1, why=message))
        if not sub.errors:
            people.append({"name": person, "role": role})
    return people


def parse_votes(fields: Fields, raw: Any, attendees: int | None) -> list[VoteLine]:
    """`votes`: [{dossier_id, votes_for, version?}], each dossier once, votes_for ≤ attendees."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > limits.MEETING_VOTES_MAX:
        fields.error("votes", T("danh sách tối đa %(n)s hồ sơ {dossier_id, votes_for}", n=limits.MEETING_VOTES_MAX))
        return []
    lines: list[VoteLine] = []
    seen: set[int] = set()
    for index, item in enumerate(raw):
        key = f"votes[{index}]"
        sub = Fields(item)
        if not isinstance(item, dict):
            fields.error(key, T("phải là đối tượng {dossier_id, votes_for}"))
            continue
        dossier_id = sub.integer("dossier_id", minimum=1, maximum=limits.ID_MAX)
        votes_for = sub.integer("votes_for", minimum=0, maximum=limits.MEETING_PEOPLE_MAX)
        version = sub.integer("version", required=False, minimum=0, maximum=limits.ID_MAX)
        if dossier_id is not None and dossier_id in seen:
            sub.error("dossier_id", T("hồ sơ lặp lại trong danh sách"))
        if votes_for is not None and attendees is not None and votes_for > attendees:
            sub.error("votes_for", T("số đồng ý (%(votes)s) không thể lớn hơn số dự họp (%(attendees)s)",
                                     votes=votes_for, attendees=attendees))
        for name, message in sub.errors.items():
            fields.error(f"{key}.{name}", message)
        if dossier_id is not None:
            seen.add(dossier_id)
        if not sub.errors:
            lines.append(VoteLine(dossier_id, votes_for, version, key))
    return lines


def record_meeting(actor: User, unit_id: Any, campaign_id: Any, payload: Any,
                   now: datetime | None = None) -> GroupMeeting:
    """Record (or correct) the group's review meeting of the campaign and the votes in favour of the listed
    dossiers; dossiers not listed keep theirs."""
    now = now or clock.now()
    unit = group_for(actor, unit_id)
    campaign = campaign_for(unit, campaign_id)
    permissions.require_at(actor, Action.MEETING, unit, now)
    fields = Fields(payload)
    figures = parse_figures(fields, now, campaign)
    votes = parse_votes(fields, fields.payload.get("votes"), figures.attendees if figures else None)
    fields.done(T("Biên bản họp bình xét chưa hợp lệ."))
    return apply_meeting(actor, unit, campaign, figures, votes, now)


def _label(dossier: Dossier) -> str:
    return f"{dossier.tracking_code} ({dossier.subject_name})"


def _add(fields: Fields, name: str, message: str) -> None:
    """Name every refusal of a field, not only the first."""
    fields.errors[name] = T("%(first)s; %(then)s", first=fields.errors[name], then=message) \
        if name in fields.errors else message


def apply_meeting(actor: User, unit: Unit, campaign: Campaign, figures: Figures, votes: list[VoteLine],
                  now: datetime, *, quiet: int | None = None) -> GroupMeeting:
    """Write the meeting and the votes, after asking the policy about every dossier whose meeting data change: the
    listed ones whose votes change, and, when the date or the head counts change, every dossier already voted on.
    Every refusal is named (`fields`), and then nothing is written. `quiet`: the dossier whose own step (the
    per-dossier assessment) writes its event and checks its version."""
    allowed_at = permissions.require_at(actor, Action.MEETING, unit, now)
    meeting = meeting_of(unit.id, campaign.id)
    figures_changed = meeting is None or any(getattr(meeting, k) != getattr(figures, k) for k in FIGURES)
    existing = {v.dossier_id: v for v in meeting.votes} if meeting is not None else {}

    listed = {line.dossier_id: line for line in votes}
    found = {d.id: d for d in db.session.scalars(select(Dossier).where(Dossier.id.in_(list(listed))))}
    fields = Fields({})
    for line in votes:
        dossier = found.get(line.dossier_id)
        if dossier is None or dossier.unit_id != unit.id or dossier.campaign_id != campaign.id:
            fields.error(f"{line.key}.dossier_id", T("không có hồ sơ này trong %(unit)s, %(campaign)s",
                                                     unit=unit.name, campaign=campaign.name))
    for dossier_id, vote in existing.items():
        if dossier_id not in listed and vote.votes_for > figures.attendees:
            fields.error("attendees", T("ít hơn số đồng ý đã ghi cho hồ sơ %(dossier)s (%(votes)s)",
                                        dossier=_label(vote.dossier), votes=vote.votes_for))
    fields.done(T("Biên bản họp bình xét chưa hợp lệ."))

    changed = {i for i, line in listed.items()
               if figures_changed or i not in existing or existing[i].votes_for != line.votes_for}
    carried = set(existing) - set(listed) if figures_changed else set()  # their figures change under them
    affected = sorted(changed | carried)
    dossiers = {**found, **{i: existing[i].dossier for i in carried}}

    blocked: list[type[ServiceError]] = []  # the first refusal's kind gives the answer's status and code
    verdicts: dict[int, Verdict] = {}
    for dossier_id in affected:  # one lock order for every writer
        audit.lock_stream(dossier_id)
    for dossier_id in affected:
        dossier = dossiers[dossier_id]
        line = listed.get(dossier_id)
        verdict = verdicts[dossier_id] = permissions.verdict(actor, Action.ASSESSMENT, dossier, now)
        if not verdict and line is None and dossier.state in (State.WITHDRAWN, State.REGISTRATION_REJECTED):
            continue  # it left the campaign: the meeting's figures no longer bind it
        if not verdict and line is None:  # its figures would change under it
            if verdict.status == 409:  # sent on with these figures: its minutes are history now
                why = T("không sửa được: hồ sơ %(dossier)s đã được bình xét theo số liệu này và đang ở bước "
                        "“%(state)s”", dossier=_label(dossier), state=STATE_LABELS[State(dossier.state)])
            else:
                why = T("không sửa được vì hồ sơ %(dossier)s: %(reason)s", dossier=_label(dossier),
                        reason="; ".join(verdict.reasons))
            for name in FIGURES:
                if getattr(meeting, name) != getattr(figures, name):
                    _add(fields, name, why)
            blocked.append(Conflict if verdict.status == 409 else ERRORS[verdict.status])
        elif not verdict:
            _add(fields, f"{line.key}.dossier_id", T("%(dossier)s: %(reason)s", dossier=_label(dossier),
                                                     reason="; ".join(verdict.reasons)))
            blocked.append(ERRORS[verdict.status])
        elif line is not None and line.version is not None and line.version != dossier.version:
            _add(fields, f"{line.key}.version", T("hồ sơ %(dossier)s vừa được người khác thay đổi; tải lại trang",
                                                  dossier=_label(dossier)))
            blocked.append(VersionConflict)
    if blocked:
        raise blocked[0](T("Biên bản họp bình xét chưa ghi được, không hồ sơ nào thay đổi."), fields.errors)

    if meeting is None:
        meeting = GroupMeeting(unit_id=unit.id, campaign_id=campaign.id)
        db.session.add(meeting)
    before = {name: getattr(meeting, name) for name in (*FIGURES, *MINUTES)}
    for name in before:
        setattr(meeting, name, getattr(figures, name))
    meeting.recorded_by_id, meeting.updated_at = actor.id, now
    try:
        db.session.flush()
    except IntegrityError:  # another committee member created the group's meeting at the same moment
        raise Conflict(T("Biên bản họp của tổ vừa được người khác ghi. Vui lòng tải lại trang.")) from None

    for dossier_id in affected:
        dossier = dossiers[dossier_id]
        vote = existing.get(dossier_id)
        votes_for = listed[dossier_id].votes_for if dossier_id in listed else vote.votes_for
        if vote is None:
            dossier.meeting_vote = vote = MeetingVote(meeting=meeting, votes_for=votes_for)
        vote.votes_for = votes_for
        if dossier_id == quiet:
            continue
        flag_modified(dossier, "updated_at")  # the version moves even when the clock has not
        touch(dossier, now)
        record_step(dossier, EventName.MEETING_RECORDED, actor, verdicts[dossier_id], now,
                    {"meeting_id": meeting.id, "held_on": figures.held_on, "invited": figures.invited,
                     "attendees": figures.attendees, "chaired_by": figures.chaired_by, "votes_for": votes_for})
    db.session.flush()
    after = {name: getattr(meeting, name) for name in before}
    if quiet is None and (before != after or affected):  # the group's page or PUT: the minutes' own history
        audit.record(stream=f"meeting:{meeting.id}", unit_id=unit.id, trigger=EventName.MEETING_RECORDED,
                     actor=actor, role=allowed_at.role, at=now,
                     data={"campaign_id": campaign.id, **{k: _plain(v) for k, v in after.items()},
                           "votes": [{"dossier_id": i, "votes_for": dossiers[i].meeting_vote.votes_for}
                                     for i in affected]})
    return meeting


def _plain(value: Any) -> Any:
    """A value as the audit's JSON holds it: a time as "HH:MM"."""
    return f"{value:%H:%M}" if isinstance(value, time) else value


def record_for_dossier(actor: User, dossier: Dossier, figures: Figures, votes_for: int, now: datetime) -> None:
    """The per-dossier assessment's `meeting` (the API's older shape): the group's meeting with this dossier's
    votes, through the same rules; the assessment's own event carries it. The chair and minutes stay."""
    meeting = meeting_of(dossier.unit_id, dossier.campaign_id)
    if meeting is not None:
        for name in MINUTES:
            setattr(figures, name, getattr(meeting, name))
    apply_meeting(actor, dossier.unit, dossier.campaign, figures, [VoteLine(dossier.id, votes_for, None, "meeting")],
                  now, quiet=dossier.id)

