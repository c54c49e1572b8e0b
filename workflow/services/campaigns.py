"""Campaigns: one per ward and year, with windows, deadlines and the numbers the guards use."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from models import Campaign, Unit, User
from models.campaigns import DECISION_AUTHORITIES, DEFAULT_SETTINGS
from states.enums import Action, EventName, Role, UnitKind
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import audit, calendar, permissions
from workflow.services.documents import DEFAULT_GROUNDS, FORMER_GROUNDS
from workflow.services.errors import Conflict, ValidationFailed
from workflow.services.validate import Fields

DATE_FIELDS = ("registration_opens", "registration_closes", "assessment_due", "inspection_due", "decision_due")
SHARE_SETTINGS = ("group_quorum", "group_approval", "council_quorum", "council_approval")
INT_SETTINGS = {"notice_days": (1, 90), "pass_points": (1, 100), "decision_days": (1, 90),
                "publication_days": (1, 90)}
BOOL_SETTINGS = ("secret_ballot", "notice_working_days", "decision_working_days")
CHOICE_SETTINGS = {"decision_authority": DECISION_AUTHORITIES}
GROUNDS_MAX_LINES, GROUNDS_LINE_MAX = 12, 500


def _grounds(fields: Fields) -> str:
    """The decision's Căn cứ as the admin wrote them: one per line, blank lines dropped; empty means the
    standard grounds (workflow/services/documents.py)."""
    text = fields.text("grounds", max_length=GROUNDS_MAX_LINES * (GROUNDS_LINE_MAX + 2))
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if len(lines) > GROUNDS_MAX_LINES:
        fields.error("grounds", T("nhiều nhất %(n)s căn cứ", n=GROUNDS_MAX_LINES))
    elif any(len(line) > GROUNDS_LINE_MAX for line in lines):
        fields.error("grounds", T("mỗi căn cứ dài nhất %(n)s ký tự", n=GROUNDS_LINE_MAX))
    if tuple(lines) == DEFAULT_GROUNDS or tuple(lines) in FORMER_GROUNDS:
        return ""  # the standard grounds as the form showed them: kept as "standard", so a corrected law follows
    return "\n".join(lines)


def _parse_settings(raw: Any, fields: Fields, *, partial: bool) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        fields.error("settings", T("phải là một đối tượng"))
        return {}
    unknown = set(raw) - set(DEFAULT_SETTINGS)
    if unknown:
        fields.error("settings", T("không có tham số: %(names)s", names=", ".join(sorted(unknown))))
    sub = Fields(raw)
    out: dict[str, Any] = {}
    for key in SHARE_SETTINGS:
        if key in raw:
            out[key] = sub.share(key)
    for key, (low, high) in INT_SETTINGS.items():
        if key in raw:
            out[key] = sub.integer(key, minimum=low, maximum=high)
    for key in BOOL_SETTINGS:
        if key in raw:
            out[key] = sub.boolean(key, required=True)
    for key, choices in CHOICE_SETTINGS.items():
        if key in raw:
            if raw[key] in choices:
                out[key] = raw[key]
            else:
                sub.error(key, T("phải là một trong: %(choices)s", choices=", ".join(choices)))
    for key, message in sub.errors.items():
        fields.error(f"settings.{key}", message)
    return out


def _check_order(values: dict[str, Any], settings: dict[str, Any], fields: Fields) -> None:
    """The stages follow one another, and a list posted on the meeting deadline ends its notice before the
    inspection deadline. Each wrong date is named beside its field."""
    vn = calendar.vn
    for key in DATE_FIELDS:
        day = values.get(key)
        if day and not calendar.FIRST_YEAR <= day.year <= calendar.LAST_YEAR:
            fields.error(key, T("năm phải trong khoảng %(first)s–%(last)s", first=calendar.FIRST_YEAR,
                                last=calendar.LAST_YEAR))
            values = {**values, key: None}
    opens, closes = values.get("registration_opens"), values.get("registration_closes")
    meeting, inspection, decision = (values.get("assessment_due"), values.get("inspection_due"),
                                     values.get("decision_due"))
    if opens and closes and closes < opens:
        fields.error("registration_closes", T("không được trước ngày mở đăng ký (%(day)s)", day=vn(opens)))
    if closes and meeting and meeting < closes:
        fields.error("assessment_due", T("không được trước ngày đóng đăng ký (%(day)s)", day=vn(closes)))
    days, working = settings.get("notice_days"), settings.get("notice_working_days")
    if meeting and inspection and isinstance(days, int) and isinstance(working, bool):
        ends_on = calendar.count(meeting, days, working).ends_on
        if inspection <= ends_on:
            unit = T("ngày làm việc") if working else T("ngày")
            fields.error("inspection_due", T(
                "phải sau ngày hết niêm yết: danh sách gửi lên phường ngày %(meeting)s niêm yết %(days)s %(unit)s, "
                "đến hết ngày %(ends)s; chọn từ ngày %(first)s trở đi", meeting=vn(meeting), days=days, unit=unit,
                ends=vn(ends_on), first=vn(ends_on + timedelta(days=1))))
    if inspection and decision and decision < inspection:
        fields.error("decision_due", T("không được trước hạn phường kiểm tra (%(day)s)", day=vn(inspection)))


def _admin_over(actor: User, unit: Unit) -> None:
    permissions.require_at(actor, Action.ADMINISTER, unit)


def create_campaign(actor: User, payload: Any, now: datetime | None = None) -> Campaign:
    """A new campaign for a ward and year (admin)."""
    now = now or clock.now()
    fields = Fields(payload)
    year = fields.integer("year", minimum=2000, maximum=2100)
    unit_id = fields.integer("unit_id")
    name = fields.text("name", required=True, max_length=200)
    values = {key: fields.day(key) for key in DATE_FIELDS}
    settings = _parse_settings(fields.payload.get("settings"), fields, partial=False)
    grounds = _grounds(fields)
    _check_order(values, {**DEFAULT_SETTINGS, **settings}, fields)
    fields.done(T("Đợt thi đua chưa hợp lệ."))
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.kind != UnitKind.WARD:
        raise ValidationFailed(T("Đợt thi đua thuộc một phường (xã, thị trấn)."), {"unit_id": T("không phải phường")})
    _admin_over(actor, unit)
    if db.session.scalars(select(Campaign).where(Campaign.unit_id == unit.id, Campaign.year == year)).first():
        raise Conflict(T("Phường đã có đợt thi đua năm %(year)s.", year=year), {"year": T("đã có")})
    campaign = Campaign(year=year, unit_id=unit.id, name=name, grounds=grounds, created_at=now, **values,
                        **{**DEFAULT_SETTINGS, **settings})
    db.session.add(campaign)
    db.session.flush()
    audit.record(stream=f"campaign:{campaign.id}", campaign_id=campaign.id, unit_id=unit.id,
                 trigger=EventName.CAMPAIGN_CREATED, actor=actor, role=Role.ADMIN, at=now,
                 data={"year": year, "name": name, **values, "settings": campaign.settings})
    return campaign


def update_campaign(actor: User, campaign: Campaign, payload: Any, now: datetime | None = None) -> Campaign:
    """Change only the fields sent; settings are merged key by key. The change is audited."""
    now = now or clock.now()
    _admin_over(actor, campaign.unit)
    fields = Fields(payload)
    changes: dict[str, Any] = {}
    if "name" in fields.payload:
        changes["name"] = fields.text("name", required=True, max_length=200)
    for key in DATE_FIELDS:
        if key in fields.payload:
            changes[key] = fields.day(key)
    if "grounds" in fields.payload:
        changes["grounds"] = _grounds(fields)
    changes.update(_parse_settings(fields.payload.get("settings"), fields, partial=True))
    for key in ("year", "unit_id"):
        if key in fields.payload and fields.payload[key] != getattr(campaign, key):
            fields.error(key, T("không đổi được; hãy tạo đợt thi đua mới"))
    merged = {key: changes.get(key, getattr(campaign, key)) for key in (*DATE_FIELDS, *DEFAULT_SETTINGS)}
    _check_order(merged, merged, fields)
    fields.done(T("Thay đổi đợt thi đua chưa hợp lệ."))
    diff = {key: {"from": getattr(campaign, key), "to": value}
            for key, value in changes.items() if getattr(campaign, key) != value}
    for key, change in diff.items():
        setattr(campaign, key, change["to"])
    db.session.flush()  # the campaign's open dossiers' deadlines follow its dates (services.deadlines)
    audit.record(stream=f"campaign:{campaign.id}", campaign_id=campaign.id, unit_id=campaign.unit_id,
                 trigger=EventName.CAMPAIGN_UPDATED, actor=actor, role=Role.ADMIN, at=now, data={"changes": diff})
    return campaign
