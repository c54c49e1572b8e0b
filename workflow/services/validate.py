"""Small field parsers that collect Vietnamese messages per field instead of failing on the first."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from states.text import T
from workflow import limits
from workflow.services.errors import ValidationFailed

INTEGER = re.compile(r"-?[0-9]{1,18}")
CLOCK = re.compile(r"([01]?[0-9]|2[0-3])[:hH]([0-5][0-9])")
INT_MAX = limits.INT_MAX


def has_surrogate(text: str) -> bool:
    """A lone UTF-16 surrogate ("\\ud800" in JSON) is not a character any database can store."""
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


class Fields:
    """Collects per-field errors; `done()` raises ValidationFailed when any were found."""

    def __init__(self, payload: Any):
        self.payload = payload if isinstance(payload, dict) else {}
        self.errors: dict[str, str] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, *, required: bool = False, max_length: int = 300, default: str = "") -> str:
        value = self.payload.get(name, default)
        if value is None:
            value = default
        if not isinstance(value, str):
            self.error(name, T("phải là chuỗi ký tự"))
            return default
        value = value.replace("\x00", "").strip()
        if has_surrogate(value):
            self.error(name, T("chứa ký tự không hợp lệ"))
            return default
        if required and not value:
            self.error(name, T("bắt buộc"))
        elif len(value) > max_length:
            self.error(name, T("dài quá %(n)s ký tự", n=max_length))
        return value

    def integer(self, name: str, *, required: bool = True, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        value = self.payload.get(name)
        if value is None or value == "":
            if required:
                self.error(name, T("bắt buộc"))
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and INTEGER.fullmatch(value.strip()):
                value = int(value.strip())
            else:
                self.error(name, T("phải là số nguyên"))
                return None
        maximum = INT_MAX if maximum is None else maximum
        if minimum is not None and value < minimum:
            self.error(name, T("phải ≥ %(n)s", n=minimum))
            return None
        if value > maximum or value < -INT_MAX:
            self.error(name, T("phải ≤ %(n)s", n=maximum))
            return None
        return value

    def share(self, name: str, *, required: bool = True) -> float | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                self.error(name, T("bắt buộc"))
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            self.error(name, T("phải là tỉ lệ trong khoảng (0, 1], ví dụ 0.6 cho 60%"))
            return None
        return float(value)

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.payload.get(name)
        if value is None or value == "":
            if required:
                self.error(name, T("bắt buộc"))
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.error(name, T("ngày không hợp lệ, dùng dạng YYYY-MM-DD"))
            return None

    def clock_time(self, name: str, *, required: bool = False) -> time | None:
        """A time of day as HH:MM (Vietnam's time, as the minutes say it); "08h30" is read too."""
        value = self.payload.get(name)
        if value is None or value == "":
            if required:
                self.error(name, T("bắt buộc"))
            return None
        if isinstance(value, time):
            return value.replace(second=0, microsecond=0)
        found = CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
        if found is None:
            self.error(name, T("giờ không hợp lệ, ghi dạng giờ:phút, ví dụ 19:30"))
            return None
        return time(int(found[1]), int(found[2]))

    def choice(self, name: str, choices: Any, message: str, *, required: bool = False) -> str | None:
        value = self.payload.get(name)
        if value is None or value == "":
            if required:
                self.error(name, T("bắt buộc"))
            return None
        if not isinstance(value, str) or value not in {str(c) for c in choices}:
            self.error(name, message)
            return None
        return value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                self.error(name, T("bắt buộc"))
            return None
        if not isinstance(value, bool):
            self.error(name, T("phải là true hoặc false"))
            return None
        return value

    def done(self, message: str = T("Dữ liệu chưa hợp lệ.")) -> None:
        if self.errors:
            raise ValidationFailed(message, self.errors)


def require_version(version: Any) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= INT_MAX:
        raise ValidationFailed(T("Thiếu số phiên bản (version) của hồ sơ."), {"version": T("bắt buộc, là số nguyên")})
    return version
