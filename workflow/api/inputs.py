"""Reading what a client sent: the JSON body (UTF-8, an object, bounded nesting), the query string and the
multipart form, each validated by a schema of workflow/api/schemas.py; pydantic's refusals become the API's
`422 validation_failed` with Vietnamese reasons per field, keyed the way the services key them
(`items[3].points`, `meeting.invited`)."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request
from pydantic import BaseModel, ValidationError

from workflow import limits
from workflow.services.errors import BadRequest, ValidationFailed

JSON_TYPES = ("application/json",)


def vi(template: str, **params) -> str:
    """A message of the API: Vietnamese, as API.md says. The pages never show these, so they stay out of the
    translation catalog (a service's message keeps its own translatable Text)."""
    return template % params if params else template


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python accepts them, JSON does not


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise ValueError("number out of range")
    return value


def _depth_ok(data: Any, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return False
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


def json_body() -> dict:
    """The request's JSON object, or 400 bad_request for anything else (wrong content type, empty body, bytes
    that are not UTF-8 JSON, a top-level array or scalar, nesting deeper than limits.JSON_DEPTH)."""
    if request.mimetype not in JSON_TYPES:
        raise BadRequest("Nội dung yêu cầu phải là JSON (Content-Type: application/json).")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413 too_large
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Nội dung yêu cầu không phải JSON hợp lệ.") from None
    except RecursionError:
        raise BadRequest("Nội dung JSON lồng nhau quá sâu.") from None
    if not isinstance(data, dict):
        raise BadRequest("Nội dung yêu cầu phải là một đối tượng JSON.")
    if not _depth_ok(data, limits.JSON_DEPTH):
        raise BadRequest("Nội dung JSON lồng nhau quá sâu.")
    return data


def query_args() -> dict[str, str]:
    """The query string, one value per name (the first)."""
    return request.args.to_dict()


def form_fields() -> dict[str, str]:
    return request.form.to_dict()


def validate(model: type[BaseModel], data: Any, *, context: dict | None = None) -> BaseModel:
    """`data` parsed by `model`, or ValidationFailed naming every bad field."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        raise ValidationFailed(getattr(model, "refusal", None) or "Dữ liệu chưa hợp lệ.",
                               field_reasons(error)) from None


# --- pydantic's errors, in Vietnamese ---------------------------------------------------------------------------

BOOL = "phải là true hoặc false"
INTEGER = "phải là số nguyên"
OBJECT = "phải là đối tượng JSON"
LIST = "phải là danh sách"
DAY = "ngày không hợp lệ, dùng dạng YYYY-MM-DD"

SIMPLE = {
    "missing": "bắt buộc",
    "string_type": "phải là chuỗi ký tự",
    "int_type": INTEGER, "int_parsing": INTEGER, "int_from_float": INTEGER,
    "float_type": "phải là số", "float_parsing": "phải là số",
    "bool_type": BOOL, "bool_parsing": BOOL,
    "dict_type": OBJECT, "model_type": OBJECT, "model_attributes_type": OBJECT,
    "list_type": LIST, "tuple_type": LIST, "set_type": LIST,
    "date_type": DAY, "date_parsing": DAY, "date_from_datetime_parsing": DAY, "date_from_datetime_inexact": DAY,
    "extra_forbidden": "không có tham số này",
}


def _reason(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in SIMPLE:
        return SIMPLE[kind]
    if kind == "string_too_long":
        return vi("dài quá %(n)s ký tự", n=ctx["max_length"])
    if kind == "string_too_short":
        return "bắt buộc" if ctx["min_length"] <= 1 else vi("ít nhất %(n)s ký tự", n=ctx["min_length"])
    if kind == "too_long":
        return vi("nhiều nhất %(n)s phần tử", n=ctx["max_length"])
    if kind == "too_short":
        return vi("ít nhất %(n)s phần tử", n=ctx["min_length"])
    if kind == "greater_than_equal":
        return vi("phải ≥ %(n)s", n=ctx["ge"])
    if kind == "greater_than":
        return vi("phải > %(n)s", n=ctx["gt"])
    if kind == "less_than_equal":
        return vi("phải ≤ %(n)s", n=ctx["le"])
    if kind == "less_than":
        return vi("phải < %(n)s", n=ctx["lt"])
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind.startswith("kieumau_"):  # ours (schemas.refuse): the message is already the Vietnamese reason
        return error["msg"]
    return "giá trị không hợp lệ"


def field_name(loc: tuple) -> str:
    """('items', 3, 'points') → 'items[3].points'."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def field_reasons(error: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in error.errors(include_url=False):
        ctx = item.get("ctx") or {}
        if item["type"] == "kieumau_fields":  # several fields refused at once by a model's own check
            for name, reason in ctx["fields"].items():
                out.setdefault(field_name((*item["loc"], *(name if isinstance(name, tuple) else (name,)))), reason)
            continue
        out.setdefault(field_name(item["loc"]) or "body", _reason(item))
    return out
