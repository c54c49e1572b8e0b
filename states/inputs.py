"""The inputs each step carries (its `data`), declared as small schemas next to the table that names them.

A schema refuses a value with a per-field reason; the service turns that into a 422 with `fields`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, ValidationInfo, field_validator

from states.labels import N_
from states.text import Text
from workflow import limits
from workflow.numbers import parse_number

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.DECISION_NUMBER)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.MINUTES)]


class StepInput(BaseModel):
    """Unknown keys are ignored (API.md: fields may be added); known ones must have the right type."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @classmethod
    def parse(cls, data: dict[str, Any], today: date) -> dict[str, Any]:
        """The parsed inputs as a plain dict (only the fields given), or InputRejected naming each bad field."""
        try:
            parsed = cls.model_validate(data, context={"today": today})
        except ValidationError as exc:
            raise InputRejected(field_reasons(exc)) from None
        return parsed.model_dump(exclude_none=True)


class NoInput(StepInput):
    pass


def _not_future(value: date | None, info: ValidationInfo) -> date | None:
    if value is not None and info.context and value > info.context["today"]:
        raise ValueError("future")
    return value


def _paper_number(value: str | None) -> str | None:
    """A number of the ward's register, as printed ("135/QĐ-UBND"), or ValueError."""
    if not value:
        return value
    number = parse_number(value)
    if number is None:
        raise ValueError("number")
    return number.text


class DecisionInput(StepInput):
    """A numbered decision: the one that recognizes, or the one that takes the title back (revoke)."""

    decision_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                       max_length=limits.DECISION_NUMBER)]
    signed_on: date

    _signed_not_future = field_validator("signed_on")(_not_future)
    _number_shape = field_validator("decision_number")(_paper_number)


def is_notice_number(number: str) -> bool:
    """A refusal is a notice (DOMAIN.md v3): its number carries the TB symbol ("12/TB-UBND")."""
    symbol = number.split("/", 1)[1] if "/" in number else ""
    return symbol.strip().upper().startswith("TB")


class OptionalDecisionInput(StepInput):
    """A refusal may cite the notice that tells it (both fields, or neither): a notice's number, "12/TB-UBND"."""

    decision_number: Short | None = None
    signed_on: date | None = None

    _signed_not_future = field_validator("signed_on")(_not_future)

    @field_validator("decision_number")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return _paper_number(value or None)

    def model_post_init(self, _context: Any) -> None:
        if bool(self.decision_number) != bool(self.signed_on):
            missing = "signed_on" if self.decision_number else "decision_number"
            raise InputRejected({missing: Text(N_("bắt buộc khi ghi số quyết định và ngày ký"))})
        if self.decision_number and not is_notice_number(self.decision_number):
            raise InputRejected({"decision_number": Text(N_(
                "không công nhận được báo bằng thông báo: số mang ký hiệu TB, ví dụ 12/TB-UBND"))})


class ReviewInput(StepInput):
    """The secretary may note the council's meeting when closing the review."""

    meeting_date: date | None = None
    minutes: Long | None = None

    _meeting_not_future = field_validator("meeting_date")(_not_future)


class InputRejected(Exception):
    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


MESSAGES = {
    "missing": N_("bắt buộc"),
    "string_too_short": N_("bắt buộc"),
    "string_too_long": N_("dài quá %(n)s ký tự"),
    "string_type": N_("phải là chuỗi ký tự"),
    "date_from_datetime_parsing": N_("ngày không hợp lệ, dùng dạng YYYY-MM-DD"),
    "date_parsing": N_("ngày không hợp lệ, dùng dạng YYYY-MM-DD"),
    "date_type": N_("ngày không hợp lệ, dùng dạng YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("ngày không hợp lệ, dùng dạng YYYY-MM-DD"),
    "value_error": N_("ngày không thể ở tương lai"),
}
FIELD_MESSAGES = {("signed_on", "value_error"): N_("ngày ký không thể ở tương lai"),
                  ("decision_number", "value_error"): N_("số văn bản phải có dạng số/ký hiệu, ví dụ 135/QĐ-UBND"),
                  ("meeting_date", "value_error"): N_("ngày họp không thể ở tương lai")}


def field_reasons(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors as {field: Vietnamese reason}."""
    out: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "data"
        template = FIELD_MESSAGES.get((name, error["type"])) or MESSAGES.get(error["type"], N_("giá trị không hợp lệ"))
        limit = (error.get("ctx") or {}).get("max_length")
        out.setdefault(name, Text(template, n=limit) if "%(n)s" in template else Text(template))
    return out
