"""Every request body and query of the API, and the shapes of its answers, as pydantic models: routes parse
input with them (workflow/api/operations.py) and the served OpenAPI document is generated from them
(workflow/api/openapi.py), so what is documented is what is enforced.

Rules for input: integers are real JSON integers (no booleans, floats or strings; query strings take ASCII digits
only) and ids and versions lie in 1..limits.ID_MAX; choices are enums; every string has a length limit from
workflow/limits.py, refuses control characters and lone surrogates and is stripped of surrounding whitespace.
Unknown top-level fields are ignored (API.md: fields may be added); a known field of the wrong type is refused.
A refusal names the field and says why in Vietnamese (workflow/api/inputs.py).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import FileStorage

from states.enums import (
    AttachmentKind,
    Outcome,
    Recommendation,
    State,
    TeamRole,
    Title,
    Trigger,
    VoteChoice,
    VoteMethod,
)
from states.policy import LENDABLE
from workflow import limits
from workflow.api.inputs import vi
from workflow.services.calendar import KINDS as CALENDAR_KINDS
from workflow.services.calendar import MAX_DAYS as CALENDAR_MAX_DAYS
from workflow.services.campaigns import INT_SETTINGS
from workflow.services.listing import LOCAL


def refuse(reason: str) -> PydanticCustomError:
    """A refusal whose message is already the Vietnamese reason shown for the field."""
    return PydanticCustomError("kieumau_invalid", reason)


def refuse_fields(reasons: dict[str | tuple, str]) -> PydanticCustomError:
    """Several fields refused at once by a model's own check: {"attendees": why, "votes_for": why}."""
    return PydanticCustomError("kieumau_fields", "; ".join(reasons.values()), {"fields": reasons})


REQUIRED = "bắt buộc"
NOT_TEXT = "phải là chuỗi ký tự"
NOT_INTEGER = "phải là số nguyên"
NOT_BOOL = "phải là true hoặc false"
NOT_DAY = "ngày không hợp lệ, dùng dạng YYYY-MM-DD"
BAD_CHARACTERS = "chứa ký tự không hợp lệ (ký tự điều khiển hoặc mã UTF-16 lẻ)"

# --- strings ------------------------------------------------------------------------------------------------------

_CONTROLS = r"\u0000-\u001f\u007f-\u009f"  # C0 and C1 control characters (NUL included)
_CONTROLS_BUT_LINES = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"  # keep tab, LF, CR in long texts
_SURROGATES = "\ud800-\udfff"  # only a lone one can reach a Python str (json pairs them up)


def _text_check(max_length: int, *, required: bool, multiline: bool, strip: bool):
    bad = re.compile(f"[{_CONTROLS_BUT_LINES if multiline else _CONTROLS}{_SURROGATES}]")

    def check(value: Any) -> str:
        if value is None and required:
            raise refuse(REQUIRED)
        if not isinstance(value, str):
            raise refuse(NOT_TEXT)
        if bad.search(value):
            raise refuse(BAD_CHARACTERS)
        if len(value) > max_length:
            raise refuse(vi("dài quá %(n)s ký tự", n=max_length))
        if strip:
            value = value.strip()
        if required and not value:
            raise refuse(REQUIRED)
        return value

    return check


def String(max_length: int, *, required: bool = False, multiline: bool = False, strip: bool = True,
           description: str | None = None) -> Any:
    """A string of at most `max_length` characters, without control characters (tab and line breaks allowed
    when `multiline`) or lone surrogates, stripped; `required`: not blank."""
    allowed = f"[^{_CONTROLS_BUT_LINES if multiline else _CONTROLS}]"
    if required:
        visible = f"[^\\s{_CONTROLS_BUT_LINES if multiline else _CONTROLS}]"
        pattern = f"^{allowed}*{visible}{allowed}*$"
    else:
        pattern = f"^{allowed}*$"
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": pattern}
    if required:
        schema["minLength"] = 1
    if description:
        schema["description"] = description
    return Annotated[str, BeforeValidator(_text_check(max_length, required=required, multiline=multiline,
                                                      strip=strip)), WithJsonSchema(schema)]


Name = String(limits.NAME, required=True)
Code = String(limits.CODE, required=True)
Note = String(limits.NOTE, multiline=True)
Comment = String(limits.COMMENT, multiline=True)

_PERSONAL_ID = re.compile(limits.PERSONAL_ID_PATTERN)


def _personal_id(value: Any) -> str:
    if not isinstance(value, str):
        raise refuse(NOT_TEXT)
    value = value.strip()
    if not _PERSONAL_ID.fullmatch(value):
        raise refuse(vi("phải gồm đúng %(n)s chữ số", n=limits.PERSONAL_ID_DIGITS))
    return value


PersonalId = Annotated[str, BeforeValidator(_personal_id),
                       WithJsonSchema({"type": "string", "pattern": limits.PERSONAL_ID_PATTERN,
                                       "description": "số định danh cá nhân (12 chữ số)"})]

# --- numbers ------------------------------------------------------------------------------------------------------


def _strict_int(value: Any) -> int:
    if value is None:
        raise refuse(REQUIRED)
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(NOT_INTEGER)
    return value


def Int(minimum: int, maximum: int) -> Any:
    """A JSON integer in minimum..maximum (no booleans, floats or numeric strings)."""
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(_strict_int)]


Id = Int(1, limits.ID_MAX)
Version = Int(1, limits.ID_MAX)
Count = Int(0, limits.INT_MAX)

_DIGITS = re.compile(r"[0-9]+")


def _query_int_check(maximum: int):
    def check(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if not isinstance(value, str) or not _DIGITS.fullmatch(value):  # "-5", "--5", "²", "١٢", " 5"
            raise refuse(NOT_INTEGER)
        if len(value) > len(str(maximum)):  # never build a huge int from a huge string
            raise refuse(vi("phải ≤ %(n)s", n=maximum))
        return int(value)

    return check


def QueryInt(minimum: int, maximum: int) -> Any:
    """An integer in a query string: ASCII digits only, minimum..maximum."""
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(_query_int_check(maximum))]


QueryId = QueryInt(1, limits.ID_MAX)


def _strict_bool(value: Any) -> bool:
    if value is None:
        raise refuse(REQUIRED)
    if not isinstance(value, bool):
        raise refuse(NOT_BOOL)
    return value


Flag = Annotated[bool, BeforeValidator(_strict_bool)]

SHARE = "phải là tỉ lệ trong khoảng (0, 1], ví dụ 0.6 cho 60%"


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise refuse(SHARE)
    return float(value)


Share = Annotated[float, BeforeValidator(_share),
                  WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1})]

# --- dates and choices --------------------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(value: Any) -> date:
    if value is None:
        raise refuse(REQUIRED)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value.strip()):
        raise refuse(NOT_DAY)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise refuse(NOT_DAY) from None


Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]


_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
NOT_CLOCK = "giờ không hợp lệ, ghi dạng giờ:phút, ví dụ 19:30"


def _clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    found = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise refuse(NOT_CLOCK)
    return time(int(found[1]), int(found[2]))


ClockTime = Annotated[time, BeforeValidator(_clock), WithJsonSchema(
    {"type": "string", "maxLength": 5, "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
     "description": "HH:MM, Vietnam's time"})]


def _times_in_order(started_at: time | None, ended_at: time | None) -> dict[str, str]:
    if started_at is not None and ended_at is not None and ended_at < started_at:
        return {"ended_at": vi("giờ kết thúc (%(end)s) không thể trước giờ bắt đầu (%(start)s)",
                               end=f"{ended_at:%H:%M}", start=f"{started_at:%H:%M}")}
    return {}


def Choice(values: Any, reason: str | None = None) -> Any:
    """One of `values` (an enum or strings), as a plain string; `reason` replaces the generic refusal."""
    allowed = [str(getattr(v, "value", v)) for v in values]
    refusal = reason or vi("giá trị không hợp lệ: %(values)s", values=", ".join(allowed))

    def check(value: Any) -> str:
        if value is None:
            raise refuse(REQUIRED)
        if not isinstance(value, str) or value not in allowed:
            raise refuse(refusal)
        return value

    return Annotated[str, BeforeValidator(check), WithJsonSchema({"type": "string", "enum": allowed})]


# --- models -------------------------------------------------------------------------------------------------------


class Body(BaseModel):
    """A request body (or query, or form). `refusal` is the 422's message when a field is refused."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    refusal: ClassVar[str] = "Dữ liệu chưa hợp lệ."

    def payload(self) -> dict[str, Any]:
        """What the client sent, parsed and cleaned, as the plain dict the services take (unsent fields absent)."""
        return self.model_dump(exclude_unset=True)


class Part(Body):
    """An object nested in a body. Unknown keys are ignored there too."""


class TokenIn(Body):
    username: String(limits.USERNAME, required=True)
    password: String(limits.PASSWORD, required=True, strip=False)


# campaigns


class CampaignSettingsIn(Part):
    """Only the settings sent change; the others keep their values (defaults on create)."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # a misspelt setting must not pass unnoticed
    group_quorum: Share | None = None
    group_approval: Share | None = None
    council_quorum: Share | None = None
    council_approval: Share | None = None
    notice_days: Int(*INT_SETTINGS["notice_days"]) | None = None
    pass_points: Int(*INT_SETTINGS["pass_points"]) | None = None
    secret_ballot: Flag | None = None
    notice_working_days: Flag | None = None
    decision_days: Int(*INT_SETTINGS["decision_days"]) | None = None
    publication_days: Int(*INT_SETTINGS["publication_days"]) | None = None
    decision_working_days: Flag | None = None
    decision_authority: Literal["chairman", "committee"] | None = None


def _closes_after_opens(value: date | None, info: ValidationInfo) -> date | None:
    opens = info.data.get("registration_opens")
    if value is not None and opens is not None and value < opens:
        raise refuse(vi("không được trước ngày mở đăng ký (%(day)s)", day=f"{opens:%d/%m/%Y}"))
    return value


class CampaignIn(Body):
    refusal: ClassVar[str] = "Đợt thi đua chưa hợp lệ."
    year: Int(limits.YEAR_MIN, limits.YEAR_MAX)
    unit_id: Id
    name: String(limits.NAME, required=True)
    registration_opens: Day
    registration_closes: Day
    assessment_due: Day
    inspection_due: Day
    decision_due: Day
    settings: CampaignSettingsIn | None = None

    _order = field_validator("registration_closes")(_closes_after_opens)


class CampaignPatchIn(Body):
    """Only the fields sent change. `year` and `unit_id` cannot change (the service says so if they differ)."""

    refusal: ClassVar[str] = "Thay đổi đợt thi đua chưa hợp lệ."
    year: Int(limits.YEAR_MIN, limits.YEAR_MAX) | None = None
    unit_id: Id | None = None
    name: String(limits.NAME, required=True) | None = None
    registration_opens: Day | None = None
    registration_closes: Day | None = None
    assessment_due: Day | None = None
    inspection_due: Day | None = None
    decision_due: Day | None = None
    settings: CampaignSettingsIn | None = None

    _order = field_validator("registration_closes")(_closes_after_opens)


# dossiers


class MemberIn(Part):
    name: Name
    personal_id: PersonalId | None = None
    relation: String(limits.RELATION) | None = None


Members = Annotated[list[MemberIn], Field(max_length=limits.MEMBERS_MAX)]


class DossierIn(Body):
    campaign_id: Id
    title: Choice(Title, vi("danh hiệu không hợp lệ: %(titles)s", titles=", ".join(t.value for t in Title)))
    unit_id: Id
    subject_name: Name
    subject_ref: String(limits.REF, required=True)
    subject_address: String(limits.ADDRESS) | None = None
    note: Note | None = None
    members: Members | None = None
    on_behalf: Flag | None = None


class DossierPatchIn(Body):
    version: Version
    subject_name: Name | None = None
    subject_ref: String(limits.REF, required=True) | None = None
    subject_address: String(limits.ADDRESS) | None = None
    note: Note | None = None
    members: Members | None = None


class RenewIn(Body):
    refusal: ClassVar[str] = "Đợt thi đua chưa hợp lệ."
    campaign_id: Id | None = Field(None, description="the later campaign of the same ward, open for registration "
                                                     "today; none: the ward's next one open today")


# the scoresheets: checked against the dossier's criteria set when the route gives it (validation context)


@dataclass(frozen=True)
class Scoresheet:
    criteria: dict[str, int | None]  # code → max points (None: pass / fail)
    points: bool  # a points-shaped set
    disqualifiers: frozenset[str]

    @classmethod
    def of(cls, context: dict | None) -> Scoresheet | None:
        dossier = (context or {}).get("dossier")
        if dossier is None:
            return None
        if "scoresheet" not in context:
            s = dossier.criteria_set
            context["scoresheet"] = cls({c.code: c.max_points for c in s.criteria}, s.shape == "points",
                                        frozenset(d.code for d in s.disqualifiers))
        return context["scoresheet"]

    def unknown(self, code: str) -> dict[str, str]:
        if code in self.criteria:
            return {}
        return {"criterion": vi("không có tiêu chí “%(code)s” trong bộ tiêu chí của hồ sơ", code=code)}


def _known_disqualifiers(value: list[str] | None, info: ValidationInfo) -> list[str] | None:
    sheet = Scoresheet.of(info.context)
    if value is not None and sheet is not None and any(code not in sheet.disqualifiers for code in value):
        raise refuse(vi("danh sách mã trường hợp không xét: %(codes)s", codes=", ".join(sorted(sheet.disqualifiers))))
    return value


def _no_repeats(items: list) -> list:
    seen: set[str] = set()
    repeated = {}
    for index, item in enumerate(items):
        if item.criterion in seen:
            repeated[(index, "criterion")] = vi("tiêu chí %(code)s lặp lại", code=item.criterion)
        seen.add(item.criterion)
    if repeated:
        raise refuse_fields(repeated)
    return items


Disqualifiers = Annotated[list[Code], Field(max_length=limits.DISQUALIFIERS_MAX)]


class AssessmentItemIn(Part):
    criterion: Code
    met: Flag | None = None
    points: Count | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _fits_the_set(self, info: ValidationInfo) -> AssessmentItemIn:
        sheet = Scoresheet.of(info.context)
        if sheet is None:
            return self
        problems = sheet.unknown(self.criterion)
        if not problems and self.points is not None:
            top = sheet.criteria[self.criterion]
            if not sheet.points:
                problems["points"] = "bộ tiêu chí này chấm đạt / không đạt, không chấm điểm"
            elif self.points > (top or 0):
                problems["points"] = vi("phải là số nguyên từ 0 đến %(max)s", max=top)
        if problems:
            raise refuse_fields(problems)
        return self


class MeetingIn(Part):
    held_on: Day
    invited: Int(1, limits.MEETING_PEOPLE_MAX)
    attendees: Int(0, limits.MEETING_PEOPLE_MAX)
    votes_for: Int(0, limits.MEETING_PEOPLE_MAX)

    @model_validator(mode="after")
    def _counts_fit(self) -> MeetingIn:
        problems = {}
        if self.attendees > self.invited:
            problems["attendees"] = vi("số dự họp (%(attendees)s) không thể lớn hơn số được mời (%(invited)s)",
                                      attendees=self.attendees, invited=self.invited)
        if self.votes_for > self.attendees:
            problems["votes_for"] = vi("số đồng ý (%(votes)s) không thể lớn hơn số dự họp (%(attendees)s)",
                                      votes=self.votes_for, attendees=self.attendees)
        if problems:
            raise refuse_fields(problems)
        return self


class AssessmentIn(Body):
    refusal: ClassVar[str] = "Kết quả tự đánh giá chưa hợp lệ."
    version: Version
    items: Annotated[list[AssessmentItemIn], Field(max_length=limits.ITEMS_MAX),
                     AfterValidator(_no_repeats)] | None = None
    meeting: MeetingIn | None = None
    disqualifiers: Disqualifiers | None = None

    _known = field_validator("disqualifiers")(_known_disqualifiers)


class InspectionItemIn(Part):
    criterion: Code
    met: Flag
    points: Count | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _fits_the_set(self, info: ValidationInfo) -> InspectionItemIn:
        sheet = Scoresheet.of(info.context)
        problems = sheet.unknown(self.criterion) if sheet is not None else {}
        if problems:
            raise refuse_fields(problems)
        return self


class TeamMemberIn(Part):
    name: Name
    role: Choice(TeamRole, "phải là head (trưởng đoàn) hoặc member (thành viên)")


class InspectionIn(Body):
    refusal: ClassVar[str] = "Kết quả kiểm tra chưa hợp lệ."
    version: Version
    items: Annotated[list[InspectionItemIn], Field(max_length=limits.ITEMS_MAX),
                     AfterValidator(_no_repeats)] | None = None
    recommendation: Choice(Recommendation, "phải là pass hoặc fail") | None = None
    disqualifiers: Disqualifiers | None = None
    team: Annotated[list[TeamMemberIn], Field(max_length=limits.TEAM_MAX)] | None = Field(
        None, description="the steering committee's inspection team (Đoàn kiểm tra): one head and its members")
    started_at: ClockTime | None = None
    ended_at: ClockTime | None = None

    _known = field_validator("disqualifiers")(_known_disqualifiers)

    @model_validator(mode="after")
    def _times_fit(self) -> InspectionIn:
        problems = _times_in_order(self.started_at, self.ended_at)
        if problems:
            raise refuse_fields(problems)
        return self


class VoteIn(Body):
    refusal: ClassVar[str] = "Phiếu không hợp lệ."
    vote: Choice(VoteChoice, "phải là approve, reject hoặc abstain")
    comment: Comment | None = None


class ObjectionIn(Body):
    refusal: ClassVar[str] = "Nội dung phản ánh chưa hợp lệ."
    text: String(limits.OBJECTION, required=True, multiline=True)
    resident_name: String(limits.NAME) | None = Field(
        None, description="the resident who objected on paper or in person, when the committee or inspector writes "
                          "it down for them")


class AnswerIn(Body):
    refusal: ClassVar[str] = "Trả lời phản ánh chưa hợp lệ."
    answer: String(limits.ANSWER, required=True, multiline=True)
    upheld: Flag
    disqualifiers: Disqualifiers | None = None


# a step's `data`: free-form (each trigger's service reads its own keys), but clean and bounded

_DATA_TEXT = _text_check(limits.MINUTES, required=False, multiline=True, strip=False)
JSON_SAFE_INT = 2**53


def _clean_data(value: Any) -> dict:
    if not isinstance(value, dict):
        raise refuse("phải là đối tượng")
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if len(key) > limits.CODE:
                    raise refuse(vi("tên trường dài quá %(n)s ký tự", n=limits.CODE))
                _DATA_TEXT(key)
                stack.append(child)
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            _DATA_TEXT(node)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > JSON_SAFE_INT:
            raise refuse("số quá lớn")
    return value


StepData = Annotated[dict[str, Any], BeforeValidator(_clean_data),
                     WithJsonSchema({"type": "object", "description": "the trigger's own inputs, e.g. recognize and "
                                     "revoke: {decision_number, signed_on}; close_review: {meeting_date, minutes}"})]


class DisqualifierIn(Body):
    """Record (`standing: true`) or clear (`standing: false`, with the reason) one disqualifier."""

    refusal: ClassVar[str] = "Trường hợp không xét chưa hợp lệ."
    version: Version
    code: Code
    standing: Flag
    reason: String(limits.COMMENT, multiline=True) | None = None


class DelegationIn(Body):
    refusal: ClassVar[str] = "Ủy quyền chưa hợp lệ."
    to_username: String(limits.USERNAME, required=True)
    role: Choice(sorted(LENDABLE))
    unit_code: String(limits.CODE, required=True)
    starts_on: Day
    ends_on: Day
    reason: String(500, required=True, multiline=True)
    from_username: String(limits.USERNAME) | None = Field(
        None, description="an admin records a delegation for the role's holder")


class TransitionIn(Body):
    refusal: ClassVar[str] = "Thao tác không hợp lệ."
    trigger: Choice(Trigger, "không có thao tác này")
    version: Version
    comment: Comment | None = None
    data: StepData | None = None


def _unique(ids: list[int]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise refuse("mã hồ sơ bị lặp")
    return ids


def _reason_to_refuse(value: str | None, info: ValidationInfo) -> str | None:
    if info.data.get("outcome") == Outcome.REFUSE and not value and not info.data.get("reasons"):
        raise refuse("bắt buộc ghi rõ lý do không công nhận")
    return value


# the group's review meeting and bulk steps


class MeetingVoteIn(Part):
    dossier_id: Id
    votes_for: Int(0, limits.MEETING_PEOPLE_MAX)
    version: Int(0, limits.ID_MAX) | None = Field(
        None, description="the dossier's version when the votes were read; a newer one refuses (409)")


def _each_dossier_once(lines: list) -> list:
    """A list of {dossier_id, …} (meeting votes, batch items) names each dossier once."""
    seen: set[int] = set()
    repeated = {}
    for index, line in enumerate(lines):
        if line.dossier_id in seen:
            repeated[(index, "dossier_id")] = "hồ sơ lặp lại trong danh sách"
        seen.add(line.dossier_id)
    if repeated:
        raise refuse_fields(repeated)
    return lines


class ParticipantIn(Part):
    name: Name
    role: String(limits.PERSON_ROLE) | None = None


class GroupMeetingIn(Body):
    """The group's one meeting of the campaign; `votes` not listed keep their figures."""

    refusal: ClassVar[str] = "Biên bản họp bình xét chưa hợp lệ."
    held_on: Day
    invited: Int(1, limits.MEETING_PEOPLE_MAX)
    attendees: Int(0, limits.MEETING_PEOPLE_MAX)
    chaired_by: String(limits.NAME) | None = None
    note: String(limits.MINUTES, multiline=True) | None = None
    votes: Annotated[list[MeetingVoteIn], Field(max_length=limits.MEETING_VOTES_MAX),
                     AfterValidator(_each_dossier_once)] | None = None
    started_at: ClockTime | None = None
    ended_at: ClockTime | None = None
    place: String(limits.PLACE) | None = None
    secretary: String(limits.NAME) | None = None
    participants: Annotated[list[ParticipantIn], Field(max_length=limits.PARTICIPANTS_MAX)] | None = Field(
        None, description="who attended by name and role (party cell secretary, the Front, mass organisations)")
    vote_method: Choice(VoteMethod, "phải là show_of_hands (giơ tay) hoặc secret_ballot (bỏ phiếu kín)") | None = None
    opinions: String(limits.MINUTES, multiline=True) | None = None

    @model_validator(mode="after")
    def _counts_fit(self) -> GroupMeetingIn:
        problems: dict[str | tuple, str] = dict(_times_in_order(self.started_at, self.ended_at))
        if self.attendees > self.invited:
            problems["attendees"] = vi("số dự họp (%(attendees)s) không thể lớn hơn số được mời (%(invited)s)",
                                      attendees=self.attendees, invited=self.invited)
        for index, line in enumerate(self.votes or []):
            if line.votes_for > self.attendees:
                problems[("votes", index, "votes_for")] = vi(
                    "số đồng ý (%(votes)s) không thể lớn hơn số dự họp (%(attendees)s)", votes=line.votes_for,
                    attendees=self.attendees)
        if problems:
            raise refuse_fields(problems)
        return self


class BatchItemIn(Part):
    dossier_id: Id
    version: Int(0, limits.ID_MAX)


class BatchIn(Body):
    """One trigger for many dossiers: every item moves, or none does."""

    refusal: ClassVar[str] = "Thao tác hàng loạt chưa hợp lệ."
    trigger: Choice(Trigger, "không có thao tác này")
    items: Annotated[list[BatchItemIn], Field(min_length=1, max_length=limits.BATCH_MAX),
                     AfterValidator(_each_dossier_once)]
    comment: Comment | None = None
    data: StepData | None = None


class DecisionIn(Body):
    refusal: ClassVar[str] = "Quyết định chưa hợp lệ."
    number: String(limits.DECISION_NUMBER, required=True)
    signed_on: Day
    outcome: Choice((Outcome.RECOGNIZE, Outcome.REFUSE), "phải là recognize hoặc refuse")
    dossier_ids: Annotated[list[Id], Field(min_length=1, max_length=limits.DOSSIER_IDS_MAX,
                                           json_schema_extra={"uniqueItems": True}), AfterValidator(_unique)]
    reasons: dict[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,9}$")], Comment] | None = Field(
        default=None, description="a refusal (a notice, number with the TB symbol): each dossier's reason, "
                                  "{\"<dossier_id>\": \"…\"}; a dossier without one takes the comment")
    comment: Comment | None = Field(default=None, validate_default=True)

    _reason = field_validator("comment")(_reason_to_refuse)


def _upload(value: Any) -> FileStorage:
    if value is None:
        raise refuse(REQUIRED)
    if not isinstance(value, FileStorage):
        raise refuse("phải là một tệp (multipart)")
    return value


class AttachmentForm(Body):
    """multipart/form-data: the file and what kind of document it is."""

    model_config = ConfigDict(extra="ignore", frozen=True, arbitrary_types_allowed=True)
    refusal: ClassVar[str] = "Tệp đính kèm chưa hợp lệ."
    file: Annotated[FileStorage, BeforeValidator(_upload),
                    WithJsonSchema({"type": "string", "format": "binary",
                                    "description": "PDF, PNG hoặc JPEG (theo nội dung tệp)"})]
    kind: Choice(AttachmentKind, vi("loại tài liệu không hợp lệ: %(kinds)s",
                                   kinds=", ".join(AttachmentKind))) = AttachmentKind.EVIDENCE.value


# --- queries ------------------------------------------------------------------------------------------------------


def _cursor(value: Any) -> int:
    bad = refuse("cursor không hợp lệ")
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", value):
        raise bad
    try:
        after = base64.urlsafe_b64decode(value.encode() + b"==").decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    if not _DIGITS.fullmatch(after) or len(after) > len(str(limits.ID_MAX)) or int(after) > limits.ID_MAX:
        raise bad
    return int(after)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


Cursor = Annotated[int, BeforeValidator(_cursor),
                   WithJsonSchema({"type": "string", "pattern": "^[A-Za-z0-9_-]{1,16}$",
                                   "description": "next_cursor of the previous page"})]


class Query(Body):
    """A query string: empty parameters count as not sent."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value != ""}
        return data


class PageQuery(Query):
    refusal: ClassVar[str] = "Tham số danh sách chưa hợp lệ."
    limit: QueryInt(1, limits.LIMIT_MAX) = limits.LIMIT_DEFAULT
    cursor: Cursor | None = None


OVERDUE = ("true", "false", "1", "0")


class DossierQuery(PageQuery):
    refusal: ClassVar[str] = "Bộ lọc chưa hợp lệ."
    state: Choice(State, "trạng thái không hợp lệ") | None = None
    title: Choice(Title, "danh hiệu không hợp lệ") | None = None
    unit_id: QueryId | None = None
    campaign_id: QueryId | None = None
    q: String(limits.QUERY, description="tên, số định danh hoặc mã hồ sơ (không dấu cũng được)") | None = None
    overdue: Choice(OVERDUE, "true hoặc false") | None = None
    format: Choice(("json", "csv", "xlsx"), "json, csv hoặc xlsx") = "json"

    def filters(self) -> dict[str, Any]:
        """The filters as listing.dossier_query reads them."""
        return self.model_dump(exclude_none=True, exclude={"limit", "cursor", "format"})


def _moment_check(end: bool):
    """Like listing._moment: YYYY-MM-DD is a whole local day; otherwise ISO 8601 (UTC when no offset)."""

    def check(value: Any) -> str:
        bad = refuse("thời điểm không hợp lệ (YYYY-MM-DD hoặc ISO 8601)")
        if not isinstance(value, str) or not value.isascii() or len(value) > 40:
            raise bad
        try:
            if len(value) == 10:
                moment = datetime.combine(date.fromisoformat(value), time.max if end else time.min, tzinfo=LOCAL)
            else:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            moment.astimezone(UTC)  # year 1 or 9999 across midnight UTC: out of range
        except (ValueError, OverflowError):
            raise bad from None
        return value

    return check


def Moment(end: bool) -> Any:
    return Annotated[str, BeforeValidator(_moment_check(end)),
                     WithJsonSchema({"type": "string", "maxLength": 40,
                                     "description": "YYYY-MM-DD (ngày theo giờ Việt Nam) hoặc ISO 8601"})]


class AuditQuery(PageQuery):
    refusal: ClassVar[str] = "Bộ lọc chưa hợp lệ."
    since: Moment(end=False) | None = None
    until: Moment(end=True) | None = None
    actor: String(limits.USERNAME) | None = None
    trigger: String(40, description="a trigger or an event name (assessment_saved, vote_cast, ...)") | None = None
    unit_id: QueryId | None = None
    dossier_id: QueryId | None = None
    tracking_code: String(limits.TRACKING_CODE, description="a dossier's tracking code (KM…), any case") | None = None
    person: String(limits.NAME, description="part of a person's full name, accents and case ignored: the actor "
                                            "or the dossier's subject") | None = None
    format: Choice(("json", "csv", "xlsx"), "json, csv hoặc xlsx") = "json"

    def filters(self) -> dict[str, Any]:
        """The filters as listing.audit_query reads them."""
        return self.model_dump(exclude_none=True, exclude={"limit", "cursor", "format"})


class NoticeQuery(PageQuery):
    refusal: ClassVar[str] = "Tham số chưa hợp lệ."
    unit_code: String(limits.CODE, required=True, description="the residential group's code, e.g. TDP-1")


class CalendarQuery(Query):
    refusal: ClassVar[str] = "Tham số lịch chưa hợp lệ."
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
    start: Day = Field(alias="from", description="the day of the event (YYYY-MM-DD); counting starts the day after")
    days: QueryInt(1, CALENDAR_MAX_DAYS)
    working: Choice(OVERDUE, "true hoặc false") = "false"

    @field_validator("start")
    @classmethod
    def _in_years(cls, value: date) -> date:
        if not limits.YEAR_MIN <= value.year <= limits.YEAR_MAX:
            raise refuse(vi("năm phải trong khoảng %(first)s–%(last)s", first=limits.YEAR_MIN, last=limits.YEAR_MAX))
        return value

    def count_args(self) -> tuple[date, int, bool]:
        return self.start, self.days, self.working in ("true", "1")


class CalendarDayIn(Body):
    refusal: ClassVar[str] = "Ngày chưa hợp lệ."
    date: Day
    kind: Choice(CALENDAR_KINDS, "day_off (ngày nghỉ) hoặc working_day (ngày làm việc bù)")
    name: Name


# --- answers (documentation; routes build them in serialize.py, tests check they match) -----------------------------


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(Out):
    code: str = Field(description="snake_case, fixed (API.md)")
    message: str = Field(description="human text (Vietnamese)")
    fields: dict[str, str] = Field(description="field → why")


class Error(Out):
    error: ErrorDetail


class TokenOut(Out):
    token: str
    expires_at: datetime


class TokenItemOut(Out):
    id: int
    created_at: datetime
    expires_at: datetime
    current: bool  # the token this request was sent with


class TokenList(Out):
    items: list[TokenItemOut]


class RoleOut(Out):
    role: str
    unit_id: int
    unit_code: str


class MeOut(Out):
    username: str
    full_name: str
    personal_id: str | None
    email: str | None
    roles: list[RoleOut]


class UnitOut(Out):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    valid_from: date | None = Field(description="first day the unit exists (none: before the records began)")
    valid_to: date | None = Field(description="last day the unit exists (none: it still does)")
    merged_into_id: int | None = Field(description="its successor, when it was merged")


class CampaignSettingsOut(Out):
    group_quorum: float
    group_approval: float
    notice_days: int
    council_quorum: float
    council_approval: float
    pass_points: int
    secret_ballot: bool
    notice_working_days: bool = Field(description="the notice counts working days (else calendar days)")
    decision_days: int = Field(description="days to decide a complete dossier (working days when "
                                           "decision_working_days, else calendar days)")
    publication_days: int = Field(description="calendar days to publish those recognized after the decision")
    decision_working_days: bool = Field(description="the chairman's days count working days (else calendar days)")
    decision_authority: Literal["chairman", "committee"] = Field(
        description="chairman: signed CHỦ TỊCH (his own power); committee: TM. ỦY BAN NHÂN DÂN")


class CampaignOut(Out):
    id: int
    year: int
    unit_id: int
    name: str
    registration_opens: date
    registration_closes: date
    assessment_due: date
    inspection_due: date
    decision_due: date
    settings: CampaignSettingsOut


class CriterionOut(Out):
    code: str
    name: str
    mandatory: bool
    max_points: int | None
    standard: str | None


class StandardOut(Out):
    code: str
    name: str
    max_points: int


class DisqualifierOut(Out):
    code: str
    name: str


class CriteriaSetOut(Out):
    code: str
    version: str
    name: str
    shape: str = Field(description="checklist | points")
    pass_points: int | None
    standards: list[StandardOut]
    criteria: list[CriterionOut]
    disqualifiers: list[DisqualifierOut]


class TitleOut(Out):
    code: str
    name: str
    subject_kind: str
    registration: Literal["volunteer", "every_household"] = Field(
        description="volunteer: households or people register in the campaign's window; every_household: every "
                    "household of a group is assessed without registration (Decree 86/2023), the group's committee "
                    "starts the dossiers (registration import or on_behalf) until the assessment deadline")
    criteria_set: CriteriaSetOut | None


class CriteriaSetRef(Out):
    code: str
    version: str


class BlockedTrigger(Out):
    trigger: str
    reasons: list[str]


class MemberOut(Out):
    name: str
    personal_id: str | None
    relation: str


class DossierListItemOut(Out):
    id: int
    tracking_code: str
    title: str
    campaign_id: int
    unit_id: int
    subject_name: str
    subject_ref: str
    state: str
    version: int
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    due_on: date | None = Field(description="the current stage's deadline (Vietnam's date); null when none")
    notice_ends_on: date | None = Field(description="in public_notice, the notice's last day (Vietnam's date)")


class TeamMemberOut(Out):
    name: str
    role: str = Field(description="head | member")


class InspectionOut(Out):
    team: list[TeamMemberOut]
    started_at: str | None = Field(description="HH:MM, Vietnam's time")
    ended_at: str | None = Field(description="HH:MM, Vietnam's time")


class DossierOut(DossierListItemOut):
    subject_address: str
    note: str
    state_label: str
    criteria_set: CriteriaSetRef
    recommendation: str | None
    council_recommended: bool | None
    disqualifiers: list[str]
    decision_id: int | None
    certificate_number: int | None = Field(description="Số vào sổ: the certificate's number in the ward's register "
                                                       "of the year of its decision, in the order issued")
    revoked_by_decision_id: int | None = Field(description="the decision that revoked the title (outcome revoke)")
    members: list[MemberOut]
    entered_by: str | None = Field(description="the committee member who typed a paper registration in")
    inspection: InspectionOut | None = Field(None, description="the ward's inspection team and times, once recorded")
    available_triggers: list[str] = Field(description="what this caller may fire now")
    blocked_triggers: list[BlockedTrigger] = Field(description="what this caller could fire but a rule refuses")


class VoteOut(Out):
    dossier_id: int
    vote: str
    comment: str
    cast_at: datetime


class ObjectionOut(Out):
    id: int
    text: str
    filed_at: datetime
    resident_name: str | None = None


class AnswerOut(Out):
    id: int
    answer: str
    upheld: bool


class AttachmentOut(Out):
    id: int
    dossier_id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str


class DecisionOut(Out):
    id: int
    number: str
    signed_on: date
    outcome: str
    comment: str
    dossier_ids: list[int]
    signed_by: str
    on_behalf_of: str | None = Field(description="the chairman, when the vice chairman signed for him (KT. CHỦ TỊCH)")


class MeetingVoteOut(Out):
    dossier_id: int
    votes_for: int


class PersonOut(Out):
    name: str
    role: str | None


class GroupMeetingOut(Out):
    id: int
    unit_id: int
    campaign_id: int
    held_on: date
    invited: int
    attendees: int
    chaired_by: str
    note: str
    votes: list[MeetingVoteOut]
    started_at: str | None = Field(description="HH:MM, Vietnam's time")
    ended_at: str | None = Field(description="HH:MM, Vietnam's time")
    place: str | None
    secretary: str | None
    participants: list[PersonOut]
    vote_method: str | None = Field(description="show_of_hands | secret_ballot")
    opinions: str | None


class ProposalItemOut(Out):
    dossier_id: int
    subject_name: str
    title: str
    votes_for: int
    attendees: int
    objections: int = Field(description="objections residents made on public notice")
    upheld: int = Field(description="of them, those found right")
    state: str


class ProposalOut(Out):
    unit_id: int
    campaign_id: int
    meeting_id: int | None = Field(description="the group's review meeting; null when not recorded yet")
    items: list[ProposalItemOut] = Field(description="the dossiers the meeting passed (the summary list)")


class MovedOut(Out):
    dossier_id: int
    state: str
    version: int


class BatchOut(Out):
    moved: list[MovedOut] = Field(description="every listed dossier, in its new state")


class DelegationOut(Out):
    id: int
    from_username: str
    to_username: str
    role: str
    unit_code: str
    starts_on: date
    ends_on: date
    reason: str
    ended_at: datetime | None


class EventOut(Out):
    id: int
    seq: int
    stream: str
    dossier_id: int | None
    trigger: str
    name: str = Field(description="<stream kind>:<trigger>")
    from_state: str | None
    to_state: str | None
    actor: str | None
    role: str | None
    at: datetime
    comment: str
    data: dict[str, Any]
    prev_hash: str
    hash: str
    on_behalf_of: str | None = Field(None, description="whose role a stand-in used (delegation)")


class HistoryEventOut(EventOut):
    """A history event; a secret ballot's vote hides who and why (actor null)."""


class HistoryOut(Out):
    events: list[HistoryEventOut]
    chain_valid: bool


class BrokenLink(Out):
    dossier_id: int | None
    stream: str
    seq: int | None = Field(description="where in the chain; null for a problem of a whole chain or of the seals")
    reason: str
    explanation: str | None = Field(None, description="the reason in words (Vietnamese)")


class SealOut(Out):
    id: int
    at: datetime
    events: int = Field(description="events covered")
    streams: int = Field(description="hash chains covered")
    last_event_id: int = Field(description="every event with an id up to this one is covered")
    root: str = Field(description="Merkle root over every chain's (stream, length, last hash): publish it")
    hash: str = Field(description="this seal's own hash, chained to the previous seal's")
    prev_hash: str
    sealed_by: str


class LatestVerificationOut(Out):
    checked_at: datetime
    valid: bool = Field(description="the whole audit held (every chain, the seals, every dossier's history)")
    events: int
    dossiers: int
    seal_id: int | None
    problems: list[BrokenLink] = Field(description="the problems it kept that lie in the caller's scope")


class VerifyOut(Out):
    valid: bool | None = Field(description="every chain in the caller's scope held at the latest verification; "
                                           "null before `flask audit-verify` first ran")
    dossiers_checked: int | None = Field(description="dossiers that verification checked (all of them); null "
                                                     "before the first")
    events_checked: int | None = Field(description="events that verification checked (all of them); null before "
                                                   "the first")
    broken: list[BrokenLink] = Field(description="what that verification found broken in the caller's scope")
    checked_at: datetime | None = Field(description="when `flask audit-verify` last checked everything (outside "
                                                    "any request), against the latest seal; null before the first "
                                                    "time")
    events: int | None = Field(description="events that whole verification checked")
    latest: LatestVerificationOut | None = Field(description="that whole verification (every chain, the seals, "
                                                             "dossiers without history)")
    seal: SealOut | None = Field(description="the latest seal")


class TrackStep(Out):
    state: str
    at: datetime


class TrackOut(Out):
    tracking_code: str
    title: str
    state: str
    state_label: str
    steps: list[TrackStep]


class NoticeOut(Out):
    """A dossier on public notice: only what the law makes public (no personal number, address, score or comment)."""

    tracking_code: str
    title: str
    title_label: str
    subject_name: str
    notice_ends_on: date | None = Field(description="the notice's last day (Vietnam's date), objections until then")
    unit_code: str
    unit_name: str


class SkippedDayOut(Out):
    date: date
    why: str = Field(description="why the day did not count: Thứ Bảy, Chủ nhật, a holiday's or announced day's name")


class CalendarOut(Out):
    from_: date = Field(alias="from")
    days: int
    working: bool
    ends_on: date = Field(description="the period's last day; it runs to the end of that day, Vietnam's time")
    skipped: list[SkippedDayOut]


class CalendarDayOut(Out):
    id: int
    date: date
    kind: str = Field(description="day_off | working_day")
    name: str


class Page(Out):
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class UnitPage(Page):
    items: list[UnitOut]


class CampaignPage(Page):
    items: list[CampaignOut]


class TitlePage(Page):
    items: list[TitleOut]


class DossierPage(Page):
    items: list[DossierListItemOut]
    total: int = Field(description="dossiers matching the filters, counted up to 10,001: exact when `total_exact`, "
                                   "else a lower bound (more than 10,000)")
    total_exact: bool = Field(description="false when the count stopped at its limit")


class EventPage(Page):
    items: list[EventOut]


class SealPage(Page):
    items: list[SealOut]


class StatsQuery(Query):
    refusal: ClassVar[str] = "Bộ lọc chưa hợp lệ."
    campaign_id: QueryId | None = None
    unit_id: QueryId | None = None
    title: Choice(Title, "danh hiệu không hợp lệ") | None = None


class ResultLine(Out):
    total: int
    recognized: int = Field(description="recognized (a title revoked later still counts: it was recognized)")
    refused: int = Field(description="not recognized by the chairman's decision")
    pass_rate: float | None = Field(description="recognized ÷ decided; null before any decision")


class UnitLine(ResultLine):
    unit_id: int
    unit_name: str


class YearLine(ResultLine):
    year: int


class StageDays(Out):
    avg: float = Field(description="days on average (an unfinished stay counts up to now)")
    max: float = Field(description="the slowest dossier's days")
    count: int = Field(description="stays counted")


class WeakCriterion(Out):
    code: str
    name: str
    failing: int = Field(description="households whose latest self-assessment does not meet it")


class WeakGroup(Out):
    unit_id: int
    unit_name: str
    households: int = Field(description="dossiers of the group in self-assessment")
    criteria: list[WeakCriterion]


class StatsOut(Out):
    as_of: str | None = Field(description="when a province's figures were computed by `flask stats-refresh` (UTC); "
                                          "null: counted for this request")
    pending: bool = Field(description="a province's figures not computed yet: every figure is 0 until the job runs")
    by_ward: bool = Field(description="by_unit lists wards (a scope of several wards), not groups")
    total: int
    by_state: dict[str, int] = Field(description="dossiers per state")
    by_title: dict[str, ResultLine]
    by_unit: list[UnitLine]
    by_year: list[YearLine] = Field(description="year on year, the other filters kept")
    recognized: int
    refused: int
    withdrawn: int
    overdue: int
    days_in_stage: dict[str, StageDays]
    weak_criteria: list[WeakGroup] = Field(description="per group, the criteria most households still fail")


class ImportQuery(Query):
    refusal: ClassVar[str] = "Tham số chưa hợp lệ."
    campaign_id: QueryId = Field(description="the campaign the residents register for")
    unit_id: QueryId = Field(description="the residential group whose list it is")
    dry_run: Choice(OVERDUE, "true hoặc false") = "true"


class ImportForm(Body):
    """multipart/form-data: the registration list (XLSX, the template's columns)."""

    model_config = ConfigDict(extra="ignore", frozen=True, arbitrary_types_allowed=True)
    refusal: ClassVar[str] = "Tệp chưa hợp lệ."
    file: Annotated[FileStorage, BeforeValidator(_upload),
                    WithJsonSchema({"type": "string", "format": "binary",
                                    "description": "XLSX: STT, Họ và tên / Tên hộ, Số định danh cá nhân, Địa chỉ, "
                                                   "Danh hiệu đăng ký"})]


class ImportRowOut(Out):
    row: int = Field(description="the spreadsheet's row number (the header is row 1)")
    status: str = Field(description="create | duplicate | error")
    reason: str = Field(description="why not, in Vietnamese; empty for create")
    dossier_id: int | None = Field(description="the dossier created (dry_run=false)")


class ImportOut(Out):
    rows: list[ImportRowOut]
    created: int


class InboxQuery(PageQuery):
    refusal: ClassVar[str] = "Tham số chưa hợp lệ."
    unread: Choice(OVERDUE, "true hoặc false") | None = None


class InboxOut(Out):
    id: int
    at: datetime = Field(description="when it was written (UTC)")
    dossier_id: int | None = Field(description="the dossier it is about, if any")
    kind: str = Field(description="step (your dossier changed), returned (a dossier came back to your group), "
                                  "work (dossiers wait for you), reminder (deadlines)")
    text: str = Field(description="the message, in Vietnamese")
    read: bool


class InboxPage(Page):
    items: list[InboxOut] = Field(description="newest first")


class NoticePage(Page):
    items: list[NoticeOut]


# --- streaks (issue 8) ---------------------------------------------------------------------------------------------

class StreakQuery(Query):
    refusal: ClassVar[str] = "Bộ lọc chưa hợp lệ."
    unit_id: QueryId | None = None


class StreakOut(Out):
    subject_ref: str = Field(description="the subject's reference as on its latest dossier")
    subject_name: str = Field(description="the subject's name on its latest recognized dossier")
    title: str = Field(description="Title value")
    years: list[int] = Field(description="the years recognized by a signed decision (revoked ones left out)")
    consecutive: int = Field(description="years in a row ending at the latest recognized year")
    eligible: bool = Field(description="enough years in a row for a Giấy khen (settings STREAK_YEARS, "
                                       "STREAK_YEARS_GROUP for a residential group)")


class StreakPage(Page):
    items: list[StreakOut]


class CertificateOut(Out):
    """The public check of a certificate's code (its QR code opens the page of the same path without /api/v1):
    only what the public list shows, never a personal number, an address or the reason of a revocation."""

    certificate_code: str
    title: str = Field(description="Title value")
    subject_name: str
    year: int = Field(description="the campaign's year the title is for")
    unit_name: str = Field(description="the residential group (or agency) of the dossier")
    decision_number: str | None
    signed_on: date | None = Field(description="the recognizing decision's signing day")
    status: str = Field(description="valid: the title stands; revoked: it was withdrawn",
                        json_schema_extra={"enum": ["valid", "revoked"]})
    revoked_on: date | None = Field(description="the day the title was revoked (its revocation decision's signing "
                                                "day); null while valid")
    certificate_number: int | None = Field(description="Số vào sổ: the certificate's number in the ward's register "
                                                       "of the year, in the order issued")
    revoked_by: str | None = Field(description="the number of the decision that revoked it; null while valid")


# --- the public check of a signed paper (issue 16) ---------------------------------------------------------------

class VerifyPdfForm(Body):
    """multipart/form-data: the PDF to check (read in memory, never kept)."""

    model_config = ConfigDict(extra="ignore", frozen=True, arbitrary_types_allowed=True)
    refusal: ClassVar[str] = "Tệp chưa hợp lệ."
    file: Annotated[FileStorage, BeforeValidator(_upload),
                    WithJsonSchema({"type": "string", "format": "binary",
                                    "description": "PDF, tối đa VERIFY_PDF_MAX_BYTES (10 MB)"})]


class VerifyPdfOut(Out):
    """Who signed the PDF and whether it is still the file that was signed. The chain is checked only against the
    certificates the file carries (no network): `chain_valid` is not trust in a government CA; read `issuer`."""

    signed: bool = Field(description="the file carries a digital signature (PAdES / PDF signature)")
    intact: bool = Field(description="the signature covers the whole file and no byte of it changed since")
    signer: str | None = Field(description="the signing certificate's subject CN; null when unsigned")
    issuer: str | None = Field(description="the CN of who issued the signing certificate; null when unsigned")
    signed_at: datetime | None = Field(description="the signing time the signer wrote (UTC); null when unsigned")
    chain_valid: bool = Field(description="the certificate chain checks out against the certificates embedded in "
                                          "the file at the signing time")


# --- the public list of those recognized (issue 8) ----------------------------------------------------------------

class RecognizedQuery(Query):
    refusal: ClassVar[str] = "Tham số chưa hợp lệ."
    campaign_id: QueryId = Field(description="the campaign (one ward's year)")


class RecognizedOut(Out):
    """One line of the public list: only what the law makes public (no personal number, address or score)."""

    subject_name: str
    title: str = Field(description="Title value")
    unit_name: str = Field(description="the residential group (or agency) of the dossier")
    decision_number: str
    signed_on: date = Field(description="the decision's signing day")
    certificate_code: str | None = Field(description="the certificate's code; its verification page is "
                                                     "/public/certificates/{certificate_code}")


class RecognizedPage(Page):
    items: list[RecognizedOut] = Field(description="by title, then group, then name; the whole list at once")
