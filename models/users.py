from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import Base, UTCDateTime, utcnow
from models.units import Unit


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(
        String(200), default="", server_default="",
        comment="full_name folded (lower case, no diacritics, đ → d), set at every write: the audit log's person "
                "filter finds actors through it in SQL")
    personal_id: Mapped[str | None] = mapped_column(
        String(12), unique=True, comment="số định danh cá nhân (12 digits): how the system knows a subject"
    )
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(15), comment="for SMS and Zalo messages")
    channel_list: Mapped[str] = mapped_column(
        "channels", String(40), default="email", comment="where messages go besides the inbox: email,sms,zalo"
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(
        Integer, default=1, server_default="1",
        comment="carried in the session cookie; raised at sign-out, a password change or reset and deactivation, "
                "so every cookie issued before stops working")
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(),
        comment="an admin set a temporary password: every page leads to the change-password page until changed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    delegations_received: Mapped[list[Delegation]] = relationship(
        foreign_keys="Delegation.to_user_id", lazy="selectin", viewonly=True
    )

    @property
    def channels(self) -> list[str]:
        return [c for c in (self.channel_list or "").split(",") if c]

    @channels.setter
    def channels(self, value: list[str]) -> None:
        self.channel_list = ",".join(value)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # werkzeug's scrypt

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version (workflow/auth's loader refuses
        a cookie whose version is no longer the user's)."""
        return f"{self.id}:{self.session_version or 1}"

    def end_sessions(self) -> None:
        """Every session cookie issued so far stops working at its next request."""
        self.session_version = (self.session_version or 1) + 1


# "Admin" beside "admin" is one name: signing in matches regardless of case (names are ASCII, so SQLite's lower()
# and PostgreSQL's agree).
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class RoleAssignment(Base):
    """`role@unit`: the role's powers reach this unit and every unit below it."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30), comment="Role value")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))

    user: Mapped[User] = relationship(back_populates="roles")
    unit: Mapped[Unit] = relationship(lazy="joined")


class Delegation(Base):
    """A role holder's powers lent to a named stand-in for a date range (both people are recorded on each step)."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, comment="the role holder")
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, comment="the stand-in")
    role: Mapped[str] = mapped_column(String(30), comment="Role value delegated")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    starts_on: Mapped[date] = mapped_column(Date, comment="first day, Vietnam's date")
    ends_on: Mapped[date] = mapped_column(Date, comment="last day, inclusive")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="ended early")

    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id], lazy="joined")
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id], lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")

    def runs_on(self, day: date) -> bool:
        return self.ended_at is None and self.starts_on <= day <= self.ends_on


class ApiToken(Base):
    """A bearer token, stored as its SHA-256 only."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """One failed sign-in, counted per (username, address) pair and per username to throttle guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_address_at", "username", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)  # as sign-in reads it (normalise_username)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
