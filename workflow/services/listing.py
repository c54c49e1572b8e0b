"""The filters the API, the pages and the exports share: dossiers in scope and audit events in scope."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, literal, or_, select

from models import AuditEvent, Dossier, Unit, User
from states.enums import Action, State, Title
from states.policy import roles_for
from states.text import T
from workflow import limits
from workflow.extensions import db
from workflow.services import bulk, calendar, deadlines
from workflow.services.deadlines import DUE_FIELD  # noqa: F401 (where the bench and progress read it)
from workflow.services.errors import Forbidden
from workflow.services.facts import DossierFacts
from workflow.services.scope import dossiers_under, reviewer_paths, unit_filter, visible_dossiers
from workflow.services.search import fold
from workflow.services.validate import Fields

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
AUDIT_ROLES = set(roles_for(Action.READ_AUDIT))  # who reads the audit log: the policy's row
SOON_WORKING_DAYS = 3  # "due soon": within this many working days

def local_today() -> date:
    return calendar.local_today()


def due_date(dossier: Dossier) -> date | None:
    """The last day (Vietnam's date) of the current stage, as stored when the state changed (`deadlines`)."""
    if dossier.due_on is not None or State(dossier.state) not in DUE_FIELD:
        return dossier.due_on
    return deadlines.compute(dossier.state, dossier.campaign, dossier.state_changed_at,
                             dossier.title)  # not flushed yet


def notice_ends_on(dossier: Dossier) -> date | None:
    """On public notice, the notice's last day (Vietnam's date); None in any other state."""
    return DossierFacts(dossier).notice_ends_on()


def due_at(dossier: Dossier) -> datetime | None:
    """The end of the due day in the ward's time zone, as UTC."""
    day = due_date(dossier)
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL).astimezone(UTC)


def is_overdue(dossier: Dossier) -> bool:
    day = due_date(dossier)
    return day is not None and day < local_today()


def soon_until(today: date | None = None) -> date:
    """The last day that still counts as "due soon" from `today`: 3 working days on."""
    return calendar.count(today or local_today(), SOON_WORKING_DAYS, True).ends_on


def due_status(dossier: Dossier, today: date | None = None, soon: date | None = None) -> str | None:
    """"overdue" (its day has passed), "today", "soon" (within 3 working days) or None, in Vietnam's days.
    A list computes `soon = soon_until(today)` once and passes both (one calendar query per page)."""
    day = due_date(dossier)
    if day is None:
        return None
    today = today or local_today()
    if day < today:
        return "overdue"
    if day == today:
        return "today"
    if day <= (soon or soon_until(today)):
        return "soon"
    return None


def overdue_condition(today: date):
    """Its stage's last day has passed (the stored deadline; an index per ward serves it)."""
    return Dossier.due_on < today


def _dossiers_in_unit(query: Select, unit_id: int) -> Select:
    unit = db.session.get(Unit, unit_id)
    return query.where(*dossiers_under([unit])) if unit else query.where(False)


def dossier_query(user: User, args: Mapping[str, str]) -> Select:
    """Dossiers in the user's scope narrowed by state, title, unit (and below), campaign, text and overdue."""
    fields = Fields(dict(args))
    query = visible_dossiers(user)
    state, title = args.get("state") or "", args.get("title") or ""
    if state and state not in set(State):
        fields.error("state", T("trạng thái không hợp lệ"))
    if title and title not in set(Title):
        fields.error("title", T("danh hiệu không hợp lệ"))
    unit_id = fields.integer("unit_id", required=False)
    campaign_id = fields.integer("campaign_id", required=False)
    overdue = args.get("overdue") or ""
    if overdue not in ("", "true", "false", "1", "0", "on"):
        fields.error("overdue", T("true hoặc false"))
    fields.done(T("Bộ lọc chưa hợp lệ."))
    if state:
        query = query.where(Dossier.state == state)
    if title:
        query = query.where(Dossier.title == title)
    if unit_id is not None:
        query = _dossiers_in_unit(query, unit_id)
    if campaign_id is not None:
        query = query.where(Dossier.campaign_id == campaign_id)
    text = (args.get("q") or "").strip()
    if TRACKING_CODE_SHAPE.fullmatch(text.upper()):
        query = query.where(Dossier.tracking_code == text.upper())  # the unique index answers, no text scan
    elif text:
        query = query.where(Dossier.search_text.contains(fold(text), autoescape=True))
    if overdue in ("true", "1", "on"):
        query = query.where(overdue_condition(local_today()))
    return query


def audit_paths(user: User) -> list[str]:
    paths = reviewer_paths(user, AUDIT_ROLES)
    if not paths:
        raise Forbidden(T("Chỉ kiểm tra viên, Chủ tịch hoặc quản trị mới xem được nhật ký."))
    return paths


def _moment(fields: Fields, raw: str | None, name: str, end: bool) -> datetime | None:
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day, time.max if end else time.min, tzinfo=LOCAL).astimezone(UTC)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: a moment before year 1 once moved to UTC
        fields.error(name, T("thời điểm không hợp lệ (YYYY-MM-DD hoặc ISO 8601)"))
        return None


def _events_under(paths: list[str]):
    """Events of the units under `paths`, as a list of unit ids read first: the log's newest-first walk then
    filters each entry of its index (which carries the unit) against the list, reading no other row of the
    province's history."""
    units = select(Unit.id).where(unit_filter(Unit.path, paths))
    ids = list(db.session.scalars(units))
    if bulk.on_postgresql() or len(ids) <= bulk.IN_MAX:
        return bulk.among(AuditEvent.unit_id, ids)
    return AuditEvent.unit_id.in_(units)


def audit_query(user: User, args: Mapping[str, str]) -> Select:
    """Audit events in the scope of the user's auditor, chairman or admin roles, with the log's filters."""
    paths = audit_paths(user)
    query = select(AuditEvent).where(_events_under(paths))
    fields = Fields(dict(args))
    since = _moment(fields, args.get("since"), "since", False)
    until = _moment(fields, args.get("until"), "until", True)
    unit_id = fields.integer("unit_id", required=False)
    dossier_id = fields.integer("dossier_id", required=False)
    tracking_code = fields.text("tracking_code", max_length=limits.TRACKING_CODE).upper()
    if tracking_code and not TRACKING_CODE.fullmatch(tracking_code):
        fields.error("tracking_code", T("mã hồ sơ chỉ gồm chữ cái và chữ số, ví dụ KM7Q2X9A"))
    person = fold(fields.text("person", max_length=limits.NAME))
    fields.done(T("Bộ lọc chưa hợp lệ."))
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at <= until)
    if (args.get("actor") or "").strip():
        query = query.where(AuditEvent.actor == args["actor"].strip())
    if (args.get("trigger") or "").strip():
        query = query.where(AuditEvent.trigger == args["trigger"].strip())
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        query = query.where(_events_under([unit.path]) if unit else false())
    if dossier_id is not None:
        query = query.where(AuditEvent.dossier_id == dossier_id)
    if tracking_code:
        query = query.where(AuditEvent.dossier_id.in_(select(Dossier.id).where(Dossier.tracking_code == tracking_code)))
    if person:
        query = query.where(_person_condition(person, paths))
    return query


TRACKING_CODE = re.compile(r"[A-Z0-9]+")
TRACKING_CODE_SHAPE = re.compile(r"KM[A-Z0-9]{8}")  # as new_tracking_code makes them


def _person_condition(person: str, paths: list[str]):
    """Events whose actor's full name, or whose dossier's subject name, matches what was typed (folded): each word
    at the start of one of the name's words, in SQL — actors through their folded `search_name`, subjects through
    the dossier's folded `search_text` (trigram indexes on PostgreSQL)."""
    words = person.split()
    spaced_name = literal(" ") + User.search_name
    actors = select(User.id).where(*[User.search_name.contains(w, autoescape=True) for w in words],
                                   *[spaced_name.contains(" " + w, autoescape=True) for w in words])
    units = db.session.scalars(select(Unit).where(Unit.path.in_(paths))).all()
    spaced = literal(" ") + Dossier.search_text
    subjects = select(Dossier.id).where(or_(*dossiers_under(units)) if units else false(),
                                        *[Dossier.search_text.contains(w, autoescape=True) for w in words],
                                        *[spaced.contains(" " + w, autoescape=True) for w in words])
    return or_(AuditEvent.actor_id.in_(actors), AuditEvent.dossier_id.in_(subjects))
