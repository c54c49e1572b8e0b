"""The dossier's papers for the archive: the Mẫu 01 registration filled in, the ward's inspection minutes, and the
whole dossier (data, both assessments, meeting, objections, tally, decision, history); and the place a paper is
dated at. The papers are Vietnamese only (administrative documents); the page around them is translated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from models import AuditEvent, Campaign, Dossier, GroupMeeting, MeetingVote, Objection, Unit, User
from states.enums import Action, Recommendation, TeamRole, Title, Trigger, UnitKind
from states.labels import EVENT_LABELS, ROLE_LABELS, STATE_LABELS, TITLE_LABELS, TRIGGER_LABELS, VOTE_LABELS
from states.policy import VIETNAM, local_day
from states.text import T
from states.titles import every_household, household
from workflow import clock
from workflow.services import audit, dossier_view, meetings, permissions
from workflow.services.criteria import Score
from workflow.services.documents import in_text, official_date, place_of
from workflow.services.errors import NotFound
from workflow.services.facts import assessment_score, inspection_score
from workflow.services.scope import get_dossier_in_full
from workflow.services.search import fold

BLANK_DATE = "ngày … tháng … năm …"  # a paper not dated yet: the blanks of the printed form


# --- the place and date of a paper (Decree 30/2020: the place without its unit type) -----------------------------

def place_name(unit: Unit | None) -> str:
    """'Phường Tân Dân' → 'Tân Dân': the place a paper is dated at names the ward, not its kind."""
    return place_of(unit.name) if unit is not None else ""


def ward_of(unit: Unit | None) -> Unit | None:
    """The ward a unit lies in (the unit itself when it is one)."""
    while unit is not None and unit.kind != UnitKind.WARD:
        unit = unit.parent
    return unit


def place_and_date(unit: Unit | None, day: date | None) -> str:
    """'Tân Dân, ngày 05 tháng 01 năm 2026' for the ward of `unit`; blanks for a day not known yet."""
    place = place_name(ward_of(unit)) or "…………"
    return f"{place}, {official_date(day) if day is not None else BLANK_DATE}"


def _vi(table: dict, value) -> str:
    """A label in Vietnamese whatever the page's language: the papers are official documents."""
    found = {str(key): text for key, text in table.items()}.get(str(value))
    return found if found else str(value or "")


def title_of(dossier: Dossier) -> str:
    return _vi(TITLE_LABELS, dossier.title)


def _last(events: list[AuditEvent], trigger: str) -> AuditEvent | None:
    return next((e for e in reversed(events) if e.trigger == trigger), None)


def _actor(events: list[AuditEvent], event: AuditEvent) -> str:
    """'Nguyễn Văn A' or 'Nguyễn Văn A (thay mặt Trần Văn B)' for a stand-in."""
    name = dossier_view.full_name(dossier_view.people_of([event]), event)
    behalf = event.data.get("on_behalf_of") if isinstance(event.data, dict) else None
    if behalf:
        name += f" (thay mặt {dossier_view.on_behalf_names([event]).get(behalf, behalf)})"
    return name


# --- Mẫu 01: the registration form -------------------------------------------------------------------------------

# Whom the form is addressed to, per title: a person or household writes to the group's Front work committee and
# campaign committee; a group or an agency to the ward's steering committee.
_ADDRESSEES = {
    Title.MODEL_CITIZEN: ("Ban công tác Mặt trận {unit}", "Ban vận động xây dựng các danh hiệu kiểu mẫu {unit}"),
    Title.MODEL_FAMILY: ("Ban công tác Mặt trận {unit}", "Ban vận động xây dựng các danh hiệu kiểu mẫu {unit}"),
    Title.MODEL_GROUP: ("Ban chỉ đạo xây dựng các danh hiệu kiểu mẫu {ward}",),
    Title.MODEL_AGENCY: ("Ban chỉ đạo xây dựng các danh hiệu kiểu mẫu {ward}",),
    # Decree 86/2023: the group's head and its Front work committee review every household of the group.
    Title.CULTURED_FAMILY: ("Ban công tác Mặt trận {unit}", "Trưởng {unit}"),
}
# Who signs, per title.
_SIGNERS = {
    Title.MODEL_CITIZEN: ("NGƯỜI ĐĂNG KÝ", "(Ký, ghi rõ họ tên)"),
    Title.MODEL_FAMILY: ("NGƯỜI ĐĂNG KÝ", "(Chủ hộ ký, ghi rõ họ tên)"),
    Title.MODEL_GROUP: ("TM. BAN VẬN ĐỘNG\nTRƯỞNG BAN", "(Ký, ghi rõ họ tên)"),
    Title.MODEL_AGENCY: ("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Ký, ghi rõ họ tên, đóng dấu)"),
    Title.CULTURED_FAMILY: ("ĐẠI DIỆN HỘ GIA ĐÌNH", "(Chủ hộ ký, ghi rõ họ tên)"),
}


@dataclass(frozen=True)
class Registration:
    dossier: Dossier
    title: str  # "Gia đình kiểu mẫu"
    year: int
    addressees: tuple[str, ...]
    criteria: str  # the criteria set's name and the document that set it
    place_and_date: str
    signer: tuple[str, str]  # who signs, how
    entered_by: str  # the committee member who typed a paper form in, or ""
    applicant: str  # the person who writes "Tôi tên là": the head of a household, the person, or ""

    @property
    def family(self) -> bool:
        return household(self.dossier.title)

    @property
    def person(self) -> bool:
        return self.dossier.title == Title.MODEL_CITIZEN or self.family

    @property
    def every_household(self) -> bool:
        """A title assessed for every household: the household registers nothing, the group lists it."""
        return every_household(self.dossier.title)


def applicant_name(dossier: Dossier) -> str:
    """Who writes the form: the listed head of a household ('Hộ ông Nguyễn Văn A' → 'Nguyễn Văn A' when none is
    listed), the person herself, or nobody by name for a group or an agency."""
    if dossier.title == Title.MODEL_CITIZEN:
        return dossier.subject_name
    if not household(dossier.title):
        return ""
    head = next((m.name for m in dossier.members if fold(m.relation) == "chu ho"), None)
    if head:
        return head
    for prefix in ("Hộ ông ", "Hộ bà ", "Hộ anh ", "Hộ chị ", "Hộ "):
        if dossier.subject_name.startswith(prefix):
            return dossier.subject_name[len(prefix):].strip() or dossier.subject_name
    return dossier.subject_name


def registration(user: User, dossier_id: int) -> Registration:
    """The registration form as the applicant signed it, from the dossier (its own people and reviewers only)."""
    dossier = get_dossier_in_full(user, dossier_id)
    events = audit.stream_events(f"dossier:{dossier.id}")
    submitted = _last(events, Trigger.SUBMIT)
    # A paper form typed in by the committee was signed when it was entered; a draft is not signed yet.
    signed = local_day(submitted.at) if submitted else \
        local_day(dossier.created_at) if dossier.entered_by_id is not None else None
    ward = ward_of(dossier.unit) or dossier.campaign.unit
    names = {"unit": in_text(dossier.unit.name).replace("Tổ dân phố", "tổ dân phố"), "ward": in_text(ward.name)}
    return Registration(
        dossier=dossier, title=title_of(dossier), year=dossier.campaign.year,
        addressees=tuple(line.format(**names) for line in _ADDRESSEES.get(Title(dossier.title), ())),
        criteria=f"{dossier.criteria_set.name} ({dossier.criteria_set.version})",
        place_and_date=place_and_date(dossier.unit, signed), applicant=applicant_name(dossier),
        signer=_SIGNERS.get(Title(dossier.title), _SIGNERS[Title.MODEL_CITIZEN]),
        entered_by=dossier.entered_by.full_name if dossier.entered_by else "")


# --- the inspection minutes (biên bản kiểm tra) ------------------------------------------------------------------

@dataclass(frozen=True)
class InspectionMinutes:
    dossier: Dossier
    title: str
    ward: Unit | None
    at: datetime  # when the inspector completed the inspection (UTC)
    place_and_date: str
    inspector: str
    role: str
    rows: list[dossier_view.CriterionRow]
    score: Score
    passed: bool  # the recommendation: pass
    comment: str
    head: str = ""  # the team's head (trưởng đoàn), when the team is recorded
    members: tuple[str, ...] = ()
    started_at: time | None = None  # Vietnam's time, as the inspector recorded it
    ended_at: time | None = None

    @property
    def day_text(self) -> str:
        return f"{self.at.astimezone(VIETNAM):%d/%m/%Y}"

    @property
    def start_text(self) -> str:
        """'08 giờ 30 phút, ngày 20/11/2025' as minutes open; blanks for a time not recorded (never the end's)."""
        return f"{_clock_text(self.started_at)}, ngày {self.day_text}"

    @property
    def end_text(self) -> str:
        return f"{_clock_text(self.ended_at)} cùng ngày"


def _clock_text(value: time | None) -> str:
    return f"{value:%H} giờ {value:%M} phút" if value is not None else "…… giờ …… phút"


def inspection_minutes(user: User, dossier_id: int) -> InspectionMinutes:
    """The inspector's verdict per criterion and recommendation, dated and signed by the completing step; NotFound
    before the inspection is completed."""
    dossier = get_dossier_in_full(user, dossier_id)
    events = audit.stream_events(f"dossier:{dossier.id}")
    done = _last(events, Trigger.COMPLETE_INSPECTION)
    if done is None or not dossier.inspection_items:
        raise NotFound(T("Hồ sơ chưa có kết quả kiểm tra."))
    ward = ward_of(dossier.unit) or dossier.campaign.unit
    recommendation = (done.data or {}).get("recommendation") if isinstance(done.data, dict) else None
    team = [p for p in dossier.inspection_team or [] if isinstance(p, dict)]
    return InspectionMinutes(
        dossier=dossier, title=title_of(dossier), ward=ward, at=done.at,
        place_and_date=place_and_date(dossier.unit, local_day(done.at)),
        inspector=_actor(events, done), role=_vi(ROLE_LABELS, done.role),
        rows=dossier_view.criteria_rows(dossier), score=inspection_score(dossier),
        passed=(recommendation or dossier.recommendation) == Recommendation.PASS, comment=done.comment or "",
        head=next((p["name"] for p in team if p.get("role") == TeamRole.HEAD), ""),
        members=tuple(p["name"] for p in team if p.get("role") != TeamRole.HEAD),
        started_at=dossier.inspection_started_at, ended_at=dossier.inspection_ended_at)


# --- the whole dossier for the archive ---------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    move: str  # "Đăng ký → Tự đánh giá" or ""
    who: str
    role: str
    comment: str
    internal: str  # "actor · seq 3 · 1a2b3c…" for SEE_INTERNAL, else ""


@dataclass(frozen=True)
class Meeting:
    meeting: GroupMeeting
    votes_for: int
    outcome: meetings.Outcome


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int]  # Vietnamese label → count
    size: int
    voters: list[tuple[str, str, str]]  # (name, choice, comment), only where SEE_VOTERS allows
    secret: bool
    recommended: bool | None


@dataclass(frozen=True)
class DossierPrint:
    dossier: Dossier
    ward: Unit | None
    campaign: Campaign
    title: str
    state: str
    place_and_date: str  # the day it is printed
    rows: list[dossier_view.CriterionRow]
    self_score: Score | None
    inspection_score: Score | None
    inspection: InspectionMinutes | None
    meeting: Meeting | None
    objections: list[Objection]
    tally: Tally | None
    history: list[HistoryLine]
    internal: bool
    chain_intact: bool | None  # SEE_INTERNAL only


def _meeting(dossier: Dossier) -> Meeting | None:
    vote: MeetingVote | None = dossier.meeting_vote
    if vote is None:
        return None
    return Meeting(vote.meeting, vote.votes_for, meetings.outcome(vote.meeting, dossier.campaign, vote.votes_for))


def _tally(user: User, dossier: Dossier) -> Tally | None:
    if not dossier_view.tally_shown(dossier):
        return None
    seen = dossier_view.tally(user, dossier)
    return Tally({_vi(VOTE_LABELS, k): n for k, n in seen.counts.items()}, seen.size,
                 [(v.user.full_name, _vi(VOTE_LABELS, v.choice), v.comment) for v in seen.votes]
                 if seen.names_visible else [], dossier.campaign.secret_ballot, dossier.council_recommended)


def history(user: User, dossier: Dossier, events: list[AuditEvent], internal: bool) -> list[HistoryLine]:
    """The dossier's events as its page shows them: full names, a secret vote's voter hidden (but one's own),
    internals only for SEE_INTERNAL."""
    people = dossier_view.people_of(events)
    behalf_names = dossier_view.on_behalf_names(events)
    names_visible = dossier_view.voters_visible(user, dossier)
    lines = []
    for e in events:
        hidden = dossier_view.is_secret_vote(e, names_visible) and e.actor_id != user.id
        behalf = e.data.get("on_behalf_of") if isinstance(e.data, dict) else None
        who = "Thành viên Hội đồng" if hidden else dossier_view.full_name(people, e)
        if behalf and not hidden:
            who += f", thay mặt {behalf_names.get(behalf, behalf)}"
        what = _vi(EVENT_LABELS, e.trigger) if e.trigger in EVENT_LABELS else _vi(TRIGGER_LABELS, e.trigger)
        move = f"{_vi(STATE_LABELS, e.from_state)} → {_vi(STATE_LABELS, e.to_state)}" \
            if e.from_state and e.to_state else ""
        lines.append(HistoryLine(e.at, what, move, who, "" if hidden else _vi(ROLE_LABELS, e.role),
                                 "" if hidden else (e.comment or ""),
                                 f"{e.actor} · seq {e.seq} · {e.hash[:12]}…" if internal else ""))
    return lines


def dossier_print(user: User, dossier_id: int) -> DossierPrint:
    """Everything the dossier holds, for the paper archive, as its page shows it to this user."""
    dossier = get_dossier_in_full(user, dossier_id)
    events = audit.stream_events(f"dossier:{dossier.id}")
    internal = permissions.allows(user, Action.SEE_INTERNAL, dossier)
    try:
        inspection = inspection_minutes(user, dossier.id)
    except NotFound:
        inspection = None
    return DossierPrint(
        dossier=dossier, ward=ward_of(dossier.unit) or dossier.campaign.unit, campaign=dossier.campaign,
        title=title_of(dossier), state=_vi(STATE_LABELS, dossier.state),
        place_and_date=place_and_date(dossier.unit, local_day(clock.now())),
        rows=dossier_view.criteria_rows(dossier),
        self_score=assessment_score(dossier) if dossier.assessment_items else None,
        inspection_score=inspection_score(dossier) if dossier.inspection_items else None,
        inspection=inspection, meeting=_meeting(dossier),
        objections=sorted(dossier.objections, key=lambda o: o.filed_at), tally=_tally(user, dossier),
        history=history(user, dossier, events, internal), internal=internal,
        chain_intact=not audit.check_chain(events) if internal else None)
