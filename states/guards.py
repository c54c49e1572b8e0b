"""Guards: pure predicates over a dossier's facts that return why they refuse (None when satisfied).

A guard never touches the database itself; it asks the `facts` object the service hands it, so the same
guard answers the transition, the "which buttons" question and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from states.labels import N_
from states.text import Text
from states.titles import every_household, registration_window


class Facts(Protocol):
    def criteria_codes(self) -> list[str]: ...
    def assessed_codes(self) -> list[str]: ...
    def inspected_codes(self) -> list[str]: ...
    def disqualifiers(self) -> list[str]: ...
    def meeting(self) -> Any | None: ...
    def live_duplicates(self) -> int: ...
    def open_objections(self) -> int: ...
    def upheld_objections(self) -> int: ...
    def self_score(self) -> Any: ...
    def inspection_score(self) -> Any: ...
    def notice_ends_on(self) -> date | None: ...
    def notice_period(self, posted_on: date) -> Any: ...
    def council_size(self) -> int: ...
    def returned_unrevised(self) -> bool: ...
    def vote_counts(self) -> dict[str, int]: ...
    def decision_for(self, step: Any) -> Any | None: ...
    def enter_certificate(self, year: int) -> int | None: ...


Reason = Text  # a guard's refusal, in words the page can translate
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # the ward's days: 00:00 in Vietnam is 17:00 UTC the day before


def local_date(moment: datetime) -> date:
    return moment.astimezone(VIETNAM).date()


@dataclass
class GuardContext:
    """What a guard (and, during a step, its input parser and effect) sees."""

    dossier: Any
    campaign: Any
    facts: Facts
    now: datetime
    # Set only while a step runs:
    trigger: Any = None
    actor: Any = None
    role: Any = None
    on_behalf_of: Any = None
    comment: str = ""
    data: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    decision: Any = None
    effects: dict = field(default_factory=dict)


Guard = Callable[[GuardContext], str | None]


def meets_share(count: int, total: int, share: float) -> bool:
    """True when count/total reaches share; a hair of tolerance so 2/3 stored as a float still means 2 of 3."""
    if total <= 0:
        return False
    return count / total + 1e-9 >= share


def percent(share: float) -> str:
    return f"{share * 100:.4g}%"


def in_registration_window(ctx: GuardContext) -> str | None:
    """Inside the campaign's registration window; a title assessed for every household (Decree 86/2023) has no
    registration, so its dossiers may enter from the window's opening until the group's assessment deadline."""
    today = local_date(ctx.now)
    opens, closes = registration_window(ctx.campaign, ctx.dossier.title)
    if opens <= today <= closes:
        return None
    if every_household(ctx.dossier.title):
        return Reason(N_("ngoài thời gian lập hồ sơ: danh hiệu này xét cho mọi hộ gia đình, không cần đăng ký, nên "
                         "hồ sơ được lập từ ngày mở đăng ký %(opens)s đến hạn bình xét của tổ %(closes)s; hôm nay "
                         "%(today)s"),
                      opens=f"{opens:%d/%m/%Y}", closes=f"{closes:%d/%m/%Y}", today=f"{today:%d/%m/%Y}")
    return Reason(N_("ngoài thời gian đăng ký: từ %(opens)s đến %(closes)s, hôm nay %(today)s"),
                  opens=f"{opens:%d/%m/%Y}", closes=f"{closes:%d/%m/%Y}", today=f"{today:%d/%m/%Y}")


def required_fields(ctx: GuardContext) -> str | None:
    missing = [name for name in ("subject_name", "subject_ref") if not (getattr(ctx.dossier, name) or "").strip()]
    if missing:
        return Reason(N_("thiếu thông tin bắt buộc: %(fields)s"), fields=", ".join(missing))
    return None


def one_live_dossier(ctx: GuardContext) -> str | None:
    if ctx.facts.live_duplicates():
        return Reason(N_("đối tượng này đã có một hồ sơ khác cho cùng danh hiệu trong đợt thi đua này"))
    return None


def all_criteria_self_assessed(ctx: GuardContext) -> str | None:
    missing = sorted(set(ctx.facts.criteria_codes()) - set(ctx.facts.assessed_codes()))
    if missing:
        total = len(ctx.facts.criteria_codes())
        return Reason(N_("chưa tự đánh giá đủ tiêu chí: %(done)s/%(total)s, còn thiếu %(missing)s"),
                      done=total - len(missing), total=total, missing=", ".join(missing))
    return None


def self_assessment_passes(ctx: GuardContext) -> str | None:
    """The group proposes only dossiers that pass its own self-assessment."""
    if set(ctx.facts.criteria_codes()) - set(ctx.facts.assessed_codes()):
        return None  # reported by all_criteria_self_assessed
    result = ctx.facts.self_score()
    if not result.passed:
        return Reason(N_("kết quả tự đánh giá chưa đạt: %(reasons)s"), reasons="; ".join(result.reasons))
    return None


def no_disqualifier(ctx: GuardContext) -> str | None:
    found = ctx.facts.disqualifiers()
    if found:
        return Reason(N_("có trường hợp không xét: %(codes)s"), codes=", ".join(found))
    return None


def group_meeting_recorded(ctx: GuardContext) -> str | None:
    if ctx.facts.meeting() is None:
        return Reason(N_("chưa ghi biên bản họp bình xét của tổ (ngày họp, số được mời, số dự họp, số đồng ý)"))
    return None


def group_meeting_quorum(ctx: GuardContext) -> str | None:
    meeting = ctx.facts.meeting()
    if meeting is None:
        return None  # reported by group_meeting_recorded
    share = ctx.campaign.group_quorum
    if not meets_share(meeting.attendees, meeting.invited, share):
        return Reason(N_("họp bình xét chưa đủ số người dự: %(attendees)s/%(invited)s người được mời, cần ≥ %(share)s"),
                      attendees=meeting.attendees, invited=meeting.invited, share=percent(share))
    return None


def group_meeting_approval(ctx: GuardContext) -> str | None:
    meeting = ctx.facts.meeting()
    if meeting is None:
        return None
    share = ctx.campaign.group_approval
    if not meets_share(meeting.votes_for, meeting.attendees, share):
        return Reason(N_("chưa đủ số người dự họp đồng ý: %(votes)s/%(attendees)s, cần ≥ %(share)s"),
                      votes=meeting.votes_for, attendees=meeting.attendees, share=percent(share))
    return None


def revised_since_return(ctx: GuardContext) -> str | None:
    """A dossier the ward returned goes back only after the group has worked on it."""
    if ctx.facts.returned_unrevised():
        return Reason(N_("hồ sơ bị phường trả lại chưa được sửa: ghi lại kết quả tự đánh giá hoặc biên bản họp, "
                         "hay đính kèm tài liệu khắc phục, rồi mới gửi lại"))
    return None


def notice_running(ctx: GuardContext) -> str | None:
    """Objections are taken while the notice runs, to the end of its last day in Vietnam."""
    ends_on = ctx.facts.notice_ends_on()
    if ends_on is not None and local_date(ctx.now) > ends_on:
        return Reason(N_("đã hết thời gian niêm yết (đến hết ngày %(ends)s): không nhận thêm ý kiến phản ánh"),
                      ends=f"{ends_on:%d/%m/%Y}")
    return None


def notice_period_over(ctx: GuardContext) -> str | None:
    """The notice runs to the end of its last day in Vietnam's time (fixed when it was posted)."""
    ends_on = ctx.facts.notice_ends_on()
    if ends_on is None:
        return Reason(N_("không tìm thấy thời điểm bắt đầu niêm yết"))
    if local_date(ctx.now) <= ends_on:
        return Reason(N_("chưa hết thời gian niêm yết: niêm yết đến hết ngày %(ends)s (giờ Việt Nam)"),
                      ends=f"{ends_on:%d/%m/%Y}")
    return None


def objections_answered(ctx: GuardContext) -> str | None:
    open_count = ctx.facts.open_objections()
    if open_count:
        return Reason(N_("còn %(count)s ý kiến phản ánh chưa được trả lời"), count=open_count)
    return None


def no_upheld_objection(ctx: GuardContext) -> str | None:
    upheld = ctx.facts.upheld_objections()
    if upheld:
        return Reason(N_("có %(count)s ý kiến phản ánh được kết luận là đúng: trả hồ sơ về tổ hoặc ghi trường hợp "
                         "không xét"), count=upheld)
    return None


def all_criteria_inspected(ctx: GuardContext) -> str | None:
    codes = ctx.facts.criteria_codes()
    missing = sorted(set(codes) - set(ctx.facts.inspected_codes()))
    if missing:
        return Reason(N_("chưa có kết luận kiểm tra cho mọi tiêu chí: %(done)s/%(total)s, còn thiếu %(missing)s"),
                      done=len(codes) - len(missing), total=len(codes), missing=", ".join(missing))
    return None


def recommendation_given(ctx: GuardContext) -> str | None:
    if not ctx.dossier.recommendation:
        return Reason(N_("chưa có kiến nghị của đoàn kiểm tra (đạt / không đạt)"))
    return None


def pass_is_supported(ctx: GuardContext) -> str | None:
    """A `pass` recommendation needs the inspection itself to pass and no disqualifier standing."""
    if ctx.dossier.recommendation != "pass":
        return None
    if set(ctx.facts.criteria_codes()) - set(ctx.facts.inspected_codes()):
        return None  # reported by all_criteria_inspected
    result = ctx.facts.inspection_score()
    if not result.passed:
        return Reason(N_("kiến nghị “đạt” nhưng kết quả kiểm tra chưa đạt: %(reasons)s"),
                      reasons="; ".join(result.reasons))
    return no_disqualifier(ctx)


def council_quorum(ctx: GuardContext) -> str | None:
    size = ctx.facts.council_size()
    counts = ctx.facts.vote_counts()
    voted = sum(counts.values())
    share = ctx.campaign.council_quorum
    if not meets_share(voted, size, share):
        return Reason(N_("Hội đồng chưa đủ số thành viên bỏ phiếu: %(voted)s/%(size)s, cần ≥ %(share)s"),
                      voted=voted, size=size, share=percent(share))
    return None


def council_recommended(ctx: GuardContext) -> str | None:
    if ctx.dossier.council_recommended is not True:
        return Reason(N_("Hội đồng Thi đua – Khen thưởng không đề nghị công nhận hồ sơ này"))
    return None


def evaluate(guards: tuple[Guard, ...], ctx: GuardContext) -> list[str]:
    """Every reason the guards give, in table order."""
    return [reason for guard in guards if (reason := guard(ctx))]
