"""Vietnam's legal calendar: which days are working days, and periods counted as the Civil Code 2015 says.

A working day is a Monday to Friday that is not a public holiday (the `holidays` library knows Vietnam's,
lunar Tết and its observed days included, and the make-up Saturdays of the swaps it lists), unless the admin's
table of announced days (`CalendarDay`) says otherwise: `day_off` for a day the government gave off (extra Tết
days, a bridge day), `working_day` for a make-up working day (a Saturday worked in exchange) — the table wins.

Periods (Civil Code 2015, Art. 147–148): the first day counted is the day after the event; counted in working
days only working days count; counted in calendar days every day counts, but when the last day is not a working
day the period runs to the end of the next working day.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import holidays
from flask import g, has_app_context
from sqlalchemy import select

from models import CalendarDay, User
from states import policy
from states.enums import Action, EventName, Role
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import audit
from workflow.services.errors import Conflict, Forbidden, NotFound
from workflow.services.validate import Fields

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DAY_OFF, WORKING_DAY = "day_off", "working_day"
KINDS = (DAY_OFF, WORKING_DAY)
MAX_DAYS = 366  # the longest period anyone asks the calendar to count
FIRST_YEAR, LAST_YEAR = limits.YEAR_MIN, limits.YEAR_MAX  # the years the calendar answers for
WEEKEND = {5: T("Thứ Bảy"), 6: T("Chủ nhật")}


class Skip(NamedTuple):
    """A day that did not count, and why (a holiday's name, "Chủ nhật", an announced day off)."""

    date: date
    why: str


class Period(NamedTuple):
    ends_on: date  # the last day of the period: it runs to the end of that day, Vietnam's time
    skipped: list[Skip]


def local_date(moment: datetime) -> date:
    """The date in Vietnam at `moment` (00:00 in Vietnam is 17:00 UTC the day before)."""
    return moment.astimezone(VIETNAM).date()


def local_today() -> date:
    return local_date(clock.now())


def vn(day: date) -> str:
    return f"{day:%d/%m/%Y}"


@functools.lru_cache(maxsize=16)
def public_holidays(first_year: int, last_year: int) -> holidays.HolidayBase:
    """Vietnam's public holidays (Vietnamese names) for a range of years, with the make-up weekend days the
    library knows (`weekend_workdays`)."""
    return holidays.country_holidays("VN", years=range(first_year, last_year + 1), language="vi")


class WorkingDays:
    """Answers "is this a working day, and if not why" for a span of dates; the announced days of the span are
    read in one query (and the next span's in one more, should a count run past it)."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, first - timedelta(days=1)
        self.announced: dict[date, CalendarDay] = {}
        self._load(last)

    def _load(self, last: date) -> None:
        start = self.last + timedelta(days=1)
        rows = db.session.scalars(select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= last))
        self.announced.update({row.day: row for row in rows})
        self.last = last

    def why_off(self, day: date) -> str | None:
        """None for a working day; otherwise why the day is off."""
        if day > self.last:
            self._load(max(day, self.last + timedelta(days=60)))
        announced = self.announced.get(day)
        if announced is not None:
            return None if announced.kind == WORKING_DAY else (announced.name or T("ngày nghỉ theo thông báo"))
        return library_day_off(day)


def library_day_off(day: date) -> str | None:
    """Why the day is off by the law alone (weekend, public holiday), ignoring the announced days."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return WEEKEND.get(day.weekday())
    # A December day may be a make-up Saturday for a day off in the next January: load both years.
    known = public_holidays(day.year, min(day.year + 1, LAST_YEAR))
    if day in known.weekend_workdays:
        return None
    name = known.get(day)
    if name:
        return name
    return WEEKEND.get(day.weekday())


def count(start: date, days: int, working: bool) -> Period:
    """`period`, remembered for the rest of the request (or command): a list or a decision over many dossiers
    asks for the same few periods, and each answer costs a query of the admin's calendar."""
    if not has_app_context():
        return period(start, days, working)
    memo = g.setdefault("calendar_counts", {})
    key = (start, days, working)
    if key not in memo:
        memo[key] = period(start, days, working)
    return memo[key]


def forget_counts() -> None:
    """The admin's calendar changed: periods counted before no longer hold."""
    if has_app_context():
        g.pop("calendar_counts", None)


def period(start: date, days: int, working: bool) -> Period:
    """The period of `days` days after the event on `start`: its last day and the days that did not count.

    In working days only working days count (the last day is then always one). In calendar days every day
    counts, and a last day that is not a working day moves to the next working day (Art. 148)."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 0..{MAX_DAYS}")
    # Room for weekends, Tết and a long announced break: one query in practice.
    calendar = WorkingDays(start + timedelta(days=1), start + timedelta(days=days * 2 + 31))
    skipped: list[Skip] = []
    day = start
    if working:
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            why = calendar.why_off(day)
            if why is None:
                counted += 1
            else:
                skipped.append(Skip(day, why))
        return Period(day, skipped)
    day = start + timedelta(days=days)
    if days:
        while (why := calendar.why_off(day)) is not None:
            skipped.append(Skip(day, why))
            day += timedelta(days=1)
    return Period(day, skipped)


def working_days_between(first: date, last: date) -> int:
    """How many working days lie after `first` up to and including `last` (0 when last ≤ first)."""
    if last <= first:
        return 0
    calendar = WorkingDays(first + timedelta(days=1), last)
    return sum(1 for n in range(1, (last - first).days + 1)
               if calendar.why_off(first + timedelta(days=n)) is None)


# --- the year, as the admin page shows it -------------------------------------------------------------------

class YearDay(NamedTuple):
    date: date
    name: str
    announced: CalendarDay | None  # the admin's entry, when the day comes from the table


def year_days(year: int) -> tuple[list[YearDay], list[YearDay]]:
    """The year's public holidays from the law (library), and the days announced in the admin's table."""
    known = public_holidays(year, year)
    law = [YearDay(day, name, None) for day, name in sorted(known.items()) if day.year == year]
    law += [YearDay(day, T("Ngày làm việc bù (đi làm thứ Bảy để nghỉ một ngày khác)"), None)
            for day in sorted(known.weekend_workdays) if day.year == year]
    rows = db.session.scalars(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                        CalendarDay.day <= date(year, 12, 31))
                              .order_by(CalendarDay.day))
    return sorted(law, key=lambda entry: entry.date), [YearDay(row.day, row.name, row) for row in rows]


# --- the admin's table ---------------------------------------------------------------------------------------

def _admin_unit(actor: User):
    """Days off are national: any admin records them; the event sits in the admin's own (highest) unit."""
    units = policy.units_for(actor, Action.ADMINISTER, local_today())
    if not units:
        raise Forbidden(T("Chỉ quản trị mới sửa được lịch ngày nghỉ, ngày làm bù."))
    return min(units, key=lambda unit: (unit.path.count("/"), unit.path))


def add_day(actor: User, payload: Any, now: datetime | None = None) -> CalendarDay:
    """Record a day the government announced: a day off or a make-up working day (admin)."""
    now = now or clock.now()
    unit = _admin_unit(actor)
    fields = Fields(payload)
    day = fields.day("date")
    kind = fields.text("kind", required=True, max_length=20)
    name = fields.text("name", required=True, max_length=limits.NAME)
    if kind and kind not in KINDS:
        fields.error("kind", T("chọn day_off (ngày nghỉ) hoặc working_day (ngày làm việc bù)"))
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        fields.error("date", T("năm phải trong khoảng %(first)s–%(last)s", first=FIRST_YEAR, last=LAST_YEAR))
    fields.done(T("Ngày chưa hợp lệ."))
    existing = db.session.scalars(select(CalendarDay).where(CalendarDay.day == day)).first()
    if existing is not None:
        raise Conflict(T("Ngày %(day)s đã có trong lịch: %(name)s.", day=vn(day), name=existing.name),
                       {"date": T("đã có: %(name)s", name=existing.name)})
    by_law = library_day_off(day)
    if kind == DAY_OFF and by_law is not None:
        fields.error("date", T("ngày %(day)s vốn đã là ngày nghỉ (%(why)s)", day=vn(day), why=by_law))
    if kind == WORKING_DAY and by_law is None:
        fields.error("date", T("ngày %(day)s vốn đã là ngày làm việc", day=vn(day)))
    fields.done(T("Ngày chưa hợp lệ."))
    row = CalendarDay(day=day, kind=kind, name=name, created_by_id=actor.id, created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(stream="calendar", unit_id=unit.id, trigger=EventName.CALENDAR_DAY_ADDED, actor=actor,
                 role=Role.ADMIN, at=now, data={"id": row.id, "date": day, "kind": kind, "name": name})
    return row


def remove_day(actor: User, day_id: int, now: datetime | None = None) -> None:
    """Remove an entry recorded by mistake (admin); the removal is audited."""
    now = now or clock.now()
    unit = _admin_unit(actor)
    row = db.session.get(CalendarDay, day_id) if 0 < day_id <= limits.ID_MAX else None
    if row is None:
        raise NotFound(T("Không có ngày này trong lịch."))
    data = {"id": row.id, "date": row.day, "kind": row.kind, "name": row.name}
    db.session.delete(row)
    db.session.flush()
    audit.record(stream="calendar", unit_id=unit.id, trigger=EventName.CALENDAR_DAY_REMOVED, actor=actor,
                 role=Role.ADMIN, at=now, data=data)

