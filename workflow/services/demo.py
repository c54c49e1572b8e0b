"""The demo ward: Tỉnh Thanh Hóa › Phường Tân Dân › TDP-1…TDP-5 and a school, its people, last year's campaign
(decided in December) and this year's as it stands today — registration in January, self-assessments in October,
one review meeting per group before 25 November, notices running now, the council and the chairman in December.

Every dossier lives its year through the same services a page or the API calls, in the order of the calendar:
each step is planned on a date (working days from the legal calendar, Vietnam's time) and taken only when that
moment has passed, so the ward looks the same as a real one would on the day the demo is loaded.
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import count as counter
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Campaign, Dossier, Unit, User
from states.enums import Recommendation, State, Title, Trigger, UnitKind, VoteChoice
from workflow import clock
from workflow.extensions import db
from workflow.services import calendar, decisions, households, meetings, records
from workflow.services.accounts import create_user
from workflow.services.campaigns import create_campaign
from workflow.services.criteria import load_criteria_dir
from workflow.services.dossiers import apply_transition, create_dossier

DEMO_PASSWORD = "demo12345"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

UNITS = [
    ("T-THANHHOA", "Tỉnh Thanh Hóa", UnitKind.PROVINCE, None),
    ("P-TANDAN", "Phường Tân Dân", UnitKind.WARD, "T-THANHHOA"),
    *[(f"TDP-{n}", f"Tổ dân phố {n}", UnitKind.GROUP, "P-TANDAN") for n in range(1, 6)],
    ("CQ-THTANDAN", "Trường Tiểu học Tân Dân", UnitKind.AGENCY, "P-TANDAN"),
]

# username, full name, roles, personal number (số định danh: how the system knows who is a dossier's subject)
USERS = [
    ("admin", "Lê Thị Thanh Huyền", ["admin@P-TANDAN"], None),
    ("applicant1", "Lê Văn Hùng", ["applicant@TDP-1", "applicant@CQ-THTANDAN"], "038085001111"),
    ("applicant2", "Nguyễn Thị Lan", ["applicant@TDP-2"], "038190002222"),
    ("committee1", "Trần Văn Minh", ["group_committee@TDP-1", "group_committee@CQ-THTANDAN"], "038058003301"),
    ("committee2", "Phạm Thị Hoa", ["group_committee@TDP-2"], "038161003302"),
    ("committee3", "Đỗ Văn Tiến", ["group_committee@TDP-3"], "038055003303"),
    ("committee4", "Nguyễn Thị Hồng", ["group_committee@TDP-4"], "038163003304"),
    ("committee5", "Vũ Văn Lâm", ["group_committee@TDP-5"], "038057003305"),
    ("inspector", "Hoàng Văn Nam", ["ward_inspector@P-TANDAN"], None),
    ("council1", "Mai Văn Sơn", ["council_member@P-TANDAN"], None),
    ("council2", "Đỗ Thị Thu", ["council_member@P-TANDAN"], None),
    ("council3", "Vũ Văn Bình", ["council_member@P-TANDAN"], None),
    ("council4", "Lê Thị Mai", ["council_member@P-TANDAN"], None),
    ("council5", "Ngô Văn Tuấn", ["council_member@P-TANDAN"], None),
    ("secretary", "Bùi Thị Hằng", ["council_secretary@P-TANDAN"], None),
    ("chairman", "Nguyễn Văn Thành", ["chairman@P-TANDAN"], None),
    ("vice_chairman", "Lê Văn Đức", ["vice_chairman@P-TANDAN"], None),
    ("auditor", "Đặng Văn Khoa", ["auditor@P-TANDAN"], None),
]

# Each group: its committee, households invited to its review meeting, who came, who chaired, and the month-day
# of its meeting (an evening); the first groups meet early in November, the last one has not met yet.
GROUPS = {
    "TDP-1": ("committee1", 46, 39, "Trần Văn Minh, Tổ trưởng", (11, 4)),
    "TDP-2": ("committee2", 52, 41, "Phạm Thị Hoa, Tổ trưởng", (11, 13)),
    "TDP-3": ("committee3", 38, 30, "Đỗ Văn Tiến, Tổ trưởng", (11, 20)),
    "TDP-4": ("committee4", 41, 33, "Nguyễn Thị Hồng, Tổ trưởng", (11, 24)),
    "TDP-5": ("committee5", 35, 28, "Vũ Văn Lâm, Tổ trưởng", (11, 27)),
    "CQ-THTANDAN": ("committee1", 24, 22, "Lê Thị Ngọc, Hiệu trưởng", (10, 30)),
}


@dataclass
class Plan:
    """One dossier's year: who it is about, how it goes."""

    group: str
    title: Title
    name: str
    ref: str
    fate: str = "recognized"  # how far it is meant to go (the calendar decides how far it has gone)
    score: int = 100  # self-assessment points (points sets); checklist sets pass unless fate says otherwise
    votes_for: int = 0  # at the group's meeting; 0: the share of attendees below
    by: str = ""  # the applicant's username when she registered herself; else the committee typed her paper form
    delay: int = 0  # working days the inspection waits after the notice closes, beyond the usual two
    dossier: Dossier | None = field(default=None, repr=False)
    started_on: date | None = None  # started by the committee for every household (no registration) on this day


def _family(group: str, head: str, ref: str, **kw) -> Plan:
    return Plan(group, Title.MODEL_FAMILY, head, ref, **kw)


def _citizen(group: str, name: str, ref: str, **kw) -> Plan:
    return Plan(group, Title.MODEL_CITIZEN, name, ref, **kw)


# Personal numbers: 038 (Thanh Hóa), then 0 for a man or 1 for a woman born in the 1900s, the year, a serial.
def this_year_plans() -> list[Plan]:
    return [
        # TDP-1 met early (4/11): its dossiers have been through the notice, the inspection and the council.
        _family("TDP-1", "Hộ ông Lê Văn Hùng", "038085001111", score=96, by="applicant1", fate="recognized"),
        _family("TDP-1", "Hộ ông Nguyễn Văn An", "038072104518", score=92, delay=1),
        _family("TDP-1", "Hộ bà Trần Thị Dung", "038168209931", score=89, fate="not_recognized", delay=1),
        _citizen("TDP-1", "Lê Văn Hùng", "038085001111", by="applicant1", fate="draft"),
        _citizen("TDP-1", "Phạm Văn Dũng", "038079310264", delay=5),
        _family("TDP-1", "Hộ ông Hoàng Minh Hải", "038066412087", score=78, fate="weak"),
        Plan("TDP-1", Title.MODEL_GROUP, "Tổ dân phố 1", "TDP-1"),
        # TDP-2 met on 13/11: notices end about now; one was returned to the group after an objection.
        _family("TDP-2", "Hộ bà Nguyễn Thị Lan", "038190002222", score=94, by="applicant2"),
        _family("TDP-2", "Hộ ông Vũ Đình Khánh", "038070515342", score=90, fate="returned"),
        _family("TDP-2", "Hộ ông Đỗ Văn Long", "038063618705", score=88, votes_for=19, fate="few_votes"),
        _citizen("TDP-2", "Bùi Thị Mai", "038175720419"),
        _family("TDP-2", "Hộ bà Ngô Thị Ngọc", "038181822076", fate="registration_rejected"),
        _citizen("TDP-2", "Nguyễn Thị Lan", "038190002222", by="applicant2", fate="withdrawn"),
        # TDP-3 met on 20/11 and TDP-4 on 24/11: on notice now, one with an objection to answer.
        _family("TDP-3", "Hộ ông Đặng Hữu Sơn", "038068923150", score=91),
        _family("TDP-3", "Hộ bà Lê Thị Oanh", "038172025583", score=87, fate="objection"),
        _citizen("TDP-3", "Trịnh Văn Tú", "038088126417"),
        _family("TDP-4", "Hộ ông Mai Xuân Trường", "038061227764", score=93),
        _family("TDP-4", "Hộ bà Lương Thị Yến", "038177328093", score=86),
        _citizen("TDP-4", "Nguyễn Hữu Toàn", "038092429310"),
        # TDP-5 meets on 27/11; one paper form still waits for the committee to accept it.
        _family("TDP-5", "Hộ ông Lê Đình Thắng", "038067530146", score=90),
        _family("TDP-5", "Hộ bà Trịnh Thị Thu", "038174631572", score=85),
        _citizen("TDP-5", "Lương Văn Vinh", "038095732908", fate="registered"),
        # The school met in October: it waits for the chairman's decision.
        Plan("CQ-THTANDAN", Title.MODEL_AGENCY, "Trường Tiểu học Tân Dân", "CQ-THTANDAN"),
    ]


def last_year_plans() -> list[Plan]:
    """Last year's campaign, decided in December: the same households, so next year's streaks have a past."""
    return [
        _family("TDP-1", "Hộ ông Lê Văn Hùng", "038085001111", score=93, by="applicant1"),
        _family("TDP-1", "Hộ ông Nguyễn Văn An", "038072104518", score=90),
        _family("TDP-1", "Hộ bà Trần Thị Dung", "038168209931", score=88),
        _citizen("TDP-1", "Phạm Văn Dũng", "038079310264", fate="not_recognized"),
        _family("TDP-2", "Hộ bà Nguyễn Thị Lan", "038190002222", score=91, by="applicant2"),
        _family("TDP-2", "Hộ ông Vũ Đình Khánh", "038070515342", score=95, fate="revoked"),
        _citizen("TDP-2", "Bùi Thị Mai", "038175720419"),
        _family("TDP-2", "Hộ ông Đỗ Văn Long", "038063618705", fate="registration_rejected"),
    ]


# Decree 86/2023's “Gia đình văn hóa” is assessed for every household, without registration: in March, after the
# registration has closed, these groups' committees start a dossier for each household the records know, in one
# step; how far each goes, in the order the step lists them (by name).
EVERY_HOUSEHOLD = {"TDP-3": (3, 3, ("recognized", "weak")), "TDP-4": (3, 4, ("recognized", "recognized"))}


# --- the calendar --------------------------------------------------------------------------------------------

def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a day in Vietnam, as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=VIETNAM).astimezone(UTC)


def working_on_or_after(day: date) -> date:
    return calendar.count(day - timedelta(days=1), 1, True).ends_on


def working_after(day: date, days: int = 1) -> date:
    return calendar.count(day, days, True).ends_on


class Agenda:
    """Steps in calendar order; each life is a generator that yields when its next step is due, then takes it.
    A step not yet due when the agenda runs is not taken: its dossier waits where it is today."""

    def __init__(self, now: datetime):
        self.now, self.queue, self.order = now, [], counter()

    def add(self, life: Generator[datetime, datetime, None]) -> None:
        self._push(life, next(life, None))

    def _push(self, life, when: datetime | None) -> None:
        if when is not None:
            heapq.heappush(self.queue, (when, next(self.order), life))

    def run(self) -> None:
        while self.queue:
            when, _, life = heapq.heappop(self.queue)
            if when > self.now:
                continue
            with contextlib.suppress(StopIteration):  # that life has taken its last step
                self._push(life, life.send(when))


# --- one campaign's year -------------------------------------------------------------------------------------

class Year:
    def __init__(self, campaign: Campaign, plans: list[Plan], decision_day: date, numbers: tuple[str, str]):
        self.campaign, self.plans, self.decision_day, self.numbers = campaign, plans, decision_day, numbers
        self.y = campaign.year

    def lives(self, agenda: Agenda, every_household: dict | None = None) -> Iterable[Generator]:
        self.agenda = agenda  # the lives of dossiers started during the year join it
        for n, plan in enumerate(self.plans):
            yield self.dossier_life(plan, n)
        for code, (month, day, fates) in sorted((every_household or {}).items()):
            yield self.every_household(code, date(self.y, month, day), fates)
        for code in sorted({p.group for p in self.plans} | set(every_household or {})):
            yield self.meeting(code)
        yield self.decision()

    def every_household(self, code: str, day: date, fates: tuple[str, ...]) -> Generator[datetime, datetime, None]:
        """The committee starts the group's “Gia đình văn hóa” dossiers in one step (services/households.py); each
        then lives as any registration does from its acceptance on."""
        when = yield at(working_on_or_after(day), 9, 30)
        started = households.start(_user(GROUPS[code][0]), self.campaign.id, _unit(code).id,
                                   Title.CULTURED_FAMILY.value, now=when)
        for k, registered in enumerate(started):
            dossier = db.session.get(Dossier, registered.dossier_id)
            plan = Plan(code, Title.CULTURED_FAMILY, dossier.subject_name, dossier.subject_ref,
                        fate=fates[k % len(fates)], score=80 if fates[k % len(fates)] == "weak" else 100,
                        dossier=dossier, started_on=when.astimezone(VIETNAM).date())
            self.plans.append(plan)
            self.agenda.add(self.dossier_life(plan, len(self.plans)))

    def meeting_day(self, code: str) -> date:
        month, day = GROUPS[code][4]
        return date(self.y, month, day)

    def dossier_life(self, plan: Plan, n: int) -> Generator[datetime, datetime, None]:
        y, group = self.y, GROUPS[plan.group]
        committee = _user(group[0])
        unit = _unit(plan.group)
        if plan.started_on is not None:  # the committee started it for every household: registered already
            registered_on, dossier = plan.started_on, plan.dossier
        else:
            registered_on = working_on_or_after(date(y, 1, 6) + timedelta(days=(n * 3) % 20))
            when = yield at(registered_on, 8 + n % 9, (n * 7) % 60)
            payload = {"campaign_id": self.campaign.id, "title": plan.title.value, "unit_id": unit.id,
                       "subject_name": plan.name, "subject_ref": plan.ref,
                       "subject_address": f"Số {12 + n * 5} đường Tân Dân, {unit.name}, Phường Tân Dân"}
            applicant = _user(plan.by) if plan.by else committee
            if not plan.by:
                payload["on_behalf"] = True  # the resident signed the paper form Mẫu 01; the committee typed it in
            dossier = plan.dossier = create_dossier(applicant, payload, now=when)
            if plan.fate == "draft":
                return
            if plan.by:
                when = yield when + timedelta(minutes=20)
                _step(applicant, dossier, Trigger.SUBMIT, when)
            if plan.fate == "withdrawn":
                when = yield at(working_on_or_after(date(y, 4, 8)), 15, 20)
                _step(applicant, dossier, Trigger.WITHDRAW, when, "Xin rút để tập trung cho hồ sơ gia đình năm nay")
                return
            if plan.fate == "registered":
                return
        when = yield at(working_after(registered_on, 5), 14, 30)
        if plan.fate == "registration_rejected":
            _step(committee, dossier, Trigger.REJECT_REGISTRATION, when,
                  "Hộ mới chuyển đến, chưa đủ 12 tháng cư trú tại tổ dân phố")
            return
        _step(committee, dossier, Trigger.ACCEPT, when)
        meeting_day = self.meeting_day(plan.group)
        when = yield at(working_after(meeting_day - timedelta(days=14), n % 4), 16, 10)
        records.save_assessment(committee, dossier, {"version": dossier.version,
                                                     "items": _items(dossier, plan.score, self_assessed=True)},
                                now=when)
        if plan.fate in ("weak", "few_votes"):
            return
        posted_on = working_after(meeting_day)
        when = yield at(posted_on, 8, 30 + n % 20)
        if dossier.state != State.SELF_ASSESSMENT or dossier.meeting_vote is None:
            return
        _step(committee, dossier, Trigger.SUBMIT_ASSESSMENT, when)
        inspector = _user("inspector")
        if plan.fate in ("returned", "objection"):
            when = yield at(working_after(posted_on, 2), 19, 45)
            heard = ("Ông Trần Văn Bảy (tổ dân phố) phản ánh: hộ để vật liệu xây dựng lấn chiếm vỉa hè nhiều tuần"
                     if plan.fate == "returned" else
                     "Một hộ liền kề phản ánh: hộ chưa tham gia buổi tổng vệ sinh tháng 10 của tổ")
            objection = records.record_objection(inspector, dossier, heard, now=when)
            if plan.fate == "objection":
                return  # the inspector has not answered yet
            when = yield at(working_after(posted_on, 3), 9, 15)
            records.answer_objection(inspector, dossier, objection.id,
                                     "Đã xác minh tại chỗ ngày hôm nay: phản ánh đúng", True, now=when)
            when = yield when + timedelta(minutes=10)
            _step(inspector, dossier, Trigger.RETURN_TO_GROUP, when,
                  "Phản ánh của người dân là đúng: hộ còn để vật liệu xây dựng trên vỉa hè. Đề nghị tổ hướng dẫn "
                  "gia đình khắc phục, rồi bình xét lại.")
            return
        closed_on = working_on_or_after(dossier.notice_ends_on + timedelta(days=1))
        when = yield at(closed_on, 8, 15 + n % 30)
        _step(inspector, dossier, Trigger.CLOSE_NOTICE, when)
        inspected_on = working_after(closed_on, 2 + plan.delay)
        when = yield at(inspected_on, 9 + n % 6, 10)
        failing = plan.fate == "not_recognized"
        records.save_inspection(inspector, dossier, {
            "version": dossier.version, "items": _items(dossier, plan.score - 2, failing=failing),
            "recommendation": (Recommendation.FAIL if failing else Recommendation.PASS).value,
            "team": [{"name": "Lê Văn Đức", "role": "head"}, {"name": "Hoàng Văn Nam", "role": "member"},
                     {"name": "Trịnh Thị Nga", "role": "member"}],
            "started_at": f"{8 + n % 6:02d}:15", "ended_at": f"{9 + n % 6:02d}:00"}, now=when)
        when = yield when + timedelta(minutes=20)
        _step(inspector, dossier, Trigger.COMPLETE_INSPECTION, when)
        voted_on = working_after(inspected_on)
        for k, member in enumerate(_user(f"council{m}") for m in range(1, 6)):
            when = yield at(voted_on, 14, 5 + 7 * k)
            choice = (VoteChoice.REJECT if failing else VoteChoice.APPROVE) if k != (n % 5) else VoteChoice.ABSTAIN
            records.cast_vote(member, dossier, choice.value, "", now=when)
        closed_review = working_after(voted_on, 2)  # the secretary closes after the council's meeting
        when = yield at(closed_review, 15, n % 50)
        _step(_user("secretary"), dossier, Trigger.CLOSE_REVIEW, when, "",
              {"meeting_date": voted_on.isoformat(),
               "minutes": "Hội đồng họp tại trụ sở UBND phường, 5/5 thành viên có mặt."})
        if plan.fate == "revoked":
            when = yield at(working_after(self.decision_day, 57), 10)
            if dossier.state == State.RECOGNIZED:
                _step(_user("chairman"), dossier, Trigger.REVOKE, when,
                      "Thành viên gia đình bị xử phạt vi phạm hành chính về trật tự công cộng sau khi công nhận",
                      {"decision_number": "12/QĐ-UBND", "signed_on": when.astimezone(VIETNAM).date().isoformat()})

    def meeting(self, code: str) -> Generator[datetime, datetime, None]:
        """The group's one review meeting of the year, an evening: it votes on every dossier ready for it."""
        committee, invited, attendees, chair, _ = GROUPS[code]
        day = self.meeting_day(code)
        when = yield at(day, 21, 0)  # typed in after the meeting
        votes = [{"dossier_id": p.dossier.id, "votes_for": p.votes_for or attendees - (len(p.name) % 5)}
                 for p in self.plans if p.group == code and p.dossier is not None
                 and p.dossier.state == State.SELF_ASSESSMENT and p.fate != "weak"]
        if votes:
            meetings.record_meeting(_user(committee), _unit(code).id, self.campaign.id, {
                "held_on": day.isoformat(), "invited": invited, "attendees": attendees, "chaired_by": chair,
                "note": f"Họp bình xét tại nhà văn hóa {_unit(code).name} lúc 19 giờ 30.", "votes": votes,
                "started_at": "19:30", "ended_at": "20:45", "place": f"Nhà văn hóa {_unit(code).name}",
                "secretary": "Đinh Thị Yến", "vote_method": "show_of_hands",
                "participants": [{"name": "Nguyễn Văn Quang", "role": "Bí thư chi bộ"},
                                 {"name": "Trịnh Thị Nga", "role": "Trưởng ban công tác Mặt trận"},
                                 {"name": "Phan Văn Hải", "role": "Chi hội trưởng Hội Cựu chiến binh"},
                                 {"name": "Lý Thị Hạnh", "role": "Chi hội trưởng Hội Liên hiệp Phụ nữ"}],
                "opinions": "Các hộ dự họp thống nhất với danh sách đề nghị; không có ý kiến khác."},
                now=when)

    def decision(self) -> Generator[datetime, datetime, None]:
        """The chairman signs one decision for those the council recommended, and one refusal for the rest."""
        when = yield at(self.decision_day, 15, 0)
        waiting = [p.dossier for p in self.plans if p.dossier is not None
                   and p.dossier.state == State.AWAITING_DECISION]
        chairman = _user("chairman")
        recommended = sorted(d.id for d in waiting if d.council_recommended)
        signed = None
        if recommended:
            signed = decisions.record_decision(chairman, {
                "number": self.numbers[0], "signed_on": self.decision_day.isoformat(), "outcome": "recognize",
                "dossier_ids": recommended, "comment": ""}, now=when)
        refused = sorted(d.id for d in waiting if not d.council_recommended)
        if refused:
            decisions.record_decision(chairman, {
                "number": self.numbers[1], "signed_on": self.decision_day.isoformat(), "outcome": "refuse",
                "dossier_ids": refused,
                "comment": "Kết quả kiểm tra chưa đạt, Hội đồng Thi đua – Khen thưởng không đề nghị công nhận"},
                now=when + timedelta(minutes=10))
        if signed is not None:  # the list of those recognized is posted at the ward's office three working days on
            posted = working_after(self.decision_day, 3)
            when = yield at(posted, 8, 30)
            from workflow.services import publication

            publication.publish(chairman, signed.id, posted, now=when)


def _items(dossier: Dossier, score: int, *, self_assessed: bool = False, failing: bool = False) -> list[dict]:
    """Every criterion scored: on a points set, `score` of 100 with the missing points spread one by one; on a
    checklist, all met — or the first criterion failed when the result must fail."""
    criteria = list(dossier.criteria_set.criteria)
    points = dossier.criteria_set.shape == "points"
    if not points:
        fail_first = failing or (self_assessed and score < 85)
        return [{"criterion": c.code, "met": not (fail_first and i == 0),
                 "note": "Chưa đạt" if fail_first and i == 0 else "Đạt"} for i, c in enumerate(criteria)]
    given = {c.code: c.max_points for c in criteria}
    missing = max(0, 100 - score)
    while missing:
        for c in criteria:
            if missing and given[c.code] > (c.max_points + 1) // 2:
                given[c.code] -= 1
                missing -= 1
    if failing:  # the inspection finds the first standard below half its points
        first = criteria[0].standard_id
        for c in criteria:
            if c.standard_id == first:
                given[c.code] = 0
    return [{"criterion": c.code, "points": given[c.code], "met": given[c.code] == c.max_points,
             "note": "Đạt" if given[c.code] == c.max_points else "Còn thiếu sót nhỏ"} for c in criteria]


# --- loading -------------------------------------------------------------------------------------------------

def _unit(code: str) -> Unit:
    return db.session.scalars(select(Unit).where(Unit.code == code)).one()


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _step(actor: User, dossier: Dossier, trigger: Trigger, when: datetime, comment: str = "",
          data: dict | None = None) -> None:
    apply_transition(actor, dossier, trigger, dossier.version, comment, data or {}, now=when)


def create_units() -> None:
    for code, name, kind, parent_code in UNITS:
        parent = _unit(parent_code) if parent_code else None
        unit = Unit(code=code, name=name, kind=kind.value, parent=parent)
        db.session.add(unit)
        db.session.flush()
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    _unit("P-TANDAN").valid_from = date(2025, 7, 1)  # the two-tier reform: the ward answers to the province
    db.session.flush()


def demo_campaign(year: int) -> Campaign:
    """The ward's campaign of `year`, created by its admin at New Year (so the creation is audited)."""
    return create_campaign(_user("admin"), {
        "year": year, "unit_id": _unit("P-TANDAN").id, "name": f"Phong trào xây dựng danh hiệu kiểu mẫu năm {year}",
        "registration_opens": working_on_or_after(date(year, 1, 5)).isoformat(),
        "registration_closes": date(year, 1, 31).isoformat(),
        # "trước ngày 25/11" (Decree 86/2023): the 24th is the groups' last day
        "assessment_due": date(year, 11, 24).isoformat(), "inspection_due": date(year, 12, 11).isoformat(),
        "decision_due": date(year, 12, 25).isoformat(),
    }, now=at(date(year, 1, 2), 9))


def announce_tet_2027(now: datetime) -> None:
    """Tết Đinh Mùi 2027 as the government announced it (05–11/02), where the `holidays` library counts 04–10/02:
    the admin's table of announced days corrects it."""
    admin = _user("admin")
    for day, kind, name in ((date(2027, 2, 4), calendar.WORKING_DAY, "Làm việc bình thường (Tết 2027 nghỉ từ 05/02)"),
                            (date(2027, 2, 11), calendar.DAY_OFF, "Nghỉ Tết Nguyên đán Đinh Mùi 2027")):
        off_by_law = calendar.library_day_off(day) is not None
        if off_by_law == (kind == calendar.WORKING_DAY):  # only where the library differs from the announcement
            calendar.add_day(admin, {"date": day.isoformat(), "kind": kind, "name": name}, now=now)


def load_demo(criteria_dir: str) -> bool:
    """Create the demo ward and its dossiers; False (and nothing done) when it is already there."""
    load_criteria_dir(criteria_dir)
    if db.session.scalars(select(Unit).where(Unit.code == "P-TANDAN")).first() is not None:
        return False
    create_units()
    for username, full_name, roles, personal_id in USERS:
        create_user(username, DEMO_PASSWORD, full_name, roles, personal_id=personal_id, check_strength=False)
    now = clock.now()
    this_year = now.astimezone(VIETNAM).year
    announce_tet_2027(now)
    agenda = Agenda(now)
    for year, plans, day, numbers, every_household in (
            (this_year - 1, last_year_plans(), working_on_or_after(date(this_year - 1, 12, 18)),
             ("312/QĐ-UBND", "41/TB-UBND"), None),
            (this_year, this_year_plans(), working_on_or_after(date(this_year, 12, 17)),
             ("298/QĐ-UBND", "37/TB-UBND"), EVERY_HOUSEHOLD)):
        for life in Year(demo_campaign(year), plans, day, numbers).lives(agenda, every_household):
            agenda.add(life)
    agenda.run()
    return True
