from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.users import User


class Notification(Base):
    """One message to one person: a row of their inbox. Written in the same transaction as the step it tells of,
    so a step that rolled back tells nobody anything."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30), comment="NoticeKind value: step, work, returned, reminder")
    text: Mapped[str] = mapped_column(String(600), comment="short Vietnamese text, as sent")
    link: Mapped[str] = mapped_column(String(300), default="", comment="the page it points to (a path)")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"), comment="the step it tells of")
    dedupe_key: Mapped[str | None] = mapped_column(String(100), comment="one reminder per person and day")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="notification", cascade="all, delete-orphan")


class Delivery(Base):
    """The outbox: one row per message and channel (email, sms, zalo), sent by `flask send-outbox` with retries.
    A worker claims rows before sending, so two workers never send the same one."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10), comment="email | sms | zalo")
    address: Mapped[str] = mapped_column(String(254), comment="the e-mail address or phone number at writing")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True, comment="pending | sent | failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(40), comment="the worker sending it now")
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")
