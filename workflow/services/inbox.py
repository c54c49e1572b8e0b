"""One's own messages (the in-app inbox) and where else they go (email, SMS, Zalo)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select, update

from models import Notification, User
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services.errors import NotFound, ValidationFailed
from workflow.services.notify import CHANNELS

PHONE = re.compile(r"^0\d{9,10}$")  # a Vietnamese mobile number as people write it: 0912345678
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def messages(user: User, unread_only: bool = False, limit: int = limits.LIMIT_DEFAULT,
             before_id: int | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user: User, notification_id: int, now: datetime | None = None) -> Notification:
    """Someone else's message is as unknown as a missing one (404)."""
    found = db.session.get(Notification, notification_id) if 0 < notification_id <= limits.ID_MAX else None
    if found is None or found.user_id != user.id:
        raise NotFound(T("Không tìm thấy tin nhắn."))
    if found.read_at is None:
        found.read_at = now or clock.now()
    return found


def mark_all_read(user: User, now: datetime | None = None) -> int:
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=now or clock.now()))
    return result.rowcount or 0


def save_channels(user: User, channels: list[str], email: str, phone: str) -> None:
    """Where her messages go besides the inbox; a channel needs its address."""
    email, phone = (email or "").strip(), re.sub(r"[\s.\-]", "", phone or "")
    errors = {}
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        errors["channels"] = T("không có kênh: %(names)s", names=", ".join(unknown))
    if email and (len(email) > 254 or not EMAIL.match(email)):
        errors["email"] = T("địa chỉ email chưa đúng")
    elif "email" in channels and not email:
        errors["email"] = T("nhập địa chỉ email để nhận tin qua email")
    if phone and not PHONE.match(phone):
        errors["phone"] = T("số điện thoại gồm 10–11 chữ số, bắt đầu bằng 0")
    elif ("sms" in channels or "zalo" in channels) and not phone:
        errors["phone"] = T("nhập số điện thoại để nhận tin nhắn SMS hoặc Zalo")
    if errors:
        raise ValidationFailed(T("Chưa lưu được cách nhận tin."), errors)
    user.channels = [c for c in CHANNELS if c in channels]
    user.email, user.phone = email or None, phone or None
