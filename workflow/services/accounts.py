"""Users, roles, sign-in throttling and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import ApiToken, LoginFailure, RoleAssignment, Unit, User
from states.enums import Role
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services.errors import Conflict, TooManyAttempts, ValidationFailed


def parse_role(spec: str) -> tuple[Role, Unit]:
    """`role@UNIT_CODE` → (role, unit)."""
    role_name, _, unit_code = spec.partition("@")
    try:
        role = Role(role_name.strip())
    except ValueError:
        raise ValidationFailed(T("Vai trò không hợp lệ: %(role)s", role=role_name), {"role": ", ".join(Role)}) from None
    unit = db.session.scalars(select(Unit).where(Unit.code == unit_code.strip())).first()
    if unit is None:
        raise ValidationFailed(T("Không có đơn vị mã %(code)s", code=unit_code), {"role": T("đơn vị không tồn tại")})
    return role, unit


def create_user(username: str, password: str, full_name: str, roles: list[str], *, personal_id: str | None = None,
                email: str | None = None) -> User:
    username = (username or "").strip()
    personal_id = (personal_id or "").strip() or None
    email = (email or "").strip() or None
    errors = {}
    if personal_id and not (len(personal_id) == 12 and personal_id.isascii() and personal_id.isdigit()):
        errors["personal_id"] = T("số định danh cá nhân gồm đúng 12 chữ số")
    elif personal_id and db.session.scalars(select(User).where(User.personal_id == personal_id)).first():
        errors["personal_id"] = T("đã có người dùng mang số định danh này")
    if email and (len(email) > 254 or "@" not in email):
        errors["email"] = T("địa chỉ email không hợp lệ")
    if not username or len(username) > 80:
        errors["username"] = T("bắt buộc, tối đa 80 ký tự")
    if len(password or "") < 8:
        errors["password"] = T("ít nhất 8 ký tự")
    if not (full_name or "").strip():
        errors["full_name"] = T("bắt buộc")
    if errors:
        raise ValidationFailed(T("Thông tin người dùng chưa hợp lệ."), errors)
    if db.session.scalars(select(User).where(User.username == username)).first():
        raise Conflict(T("Tên đăng nhập %(username)s đã có.", username=username), {"username": T("đã tồn tại")})
    user = User(username=username, full_name=full_name.strip(), personal_id=personal_id, email=email)
    user.set_password(password)
    for spec in roles:
        role, unit = parse_role(spec)
        user.roles.append(RoleAssignment(role=role.value, unit=unit))
    db.session.add(user)
    db.session.flush()
    return user


def _recent_failures(column, value: str, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(LoginFailure.id)).where(column == value, LoginFailure.at >= since)
    ) or 0


def check_throttle(username: str, address: str, config: dict) -> None:
    """Refuse sign-in while a username or an address has failed too often lately."""
    since = clock.now() - timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    if (_recent_failures(LoginFailure.username, username, since) >= config["LOGIN_MAX_FAILURES_PER_USER"]
            or _recent_failures(LoginFailure.address, address, since) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        raise TooManyAttempts(
            T("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.",
              minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
        )


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalars(select(User).where(User.username == (username or "").strip())).first()
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def record_failure(username: str, address: str) -> None:
    db.session.add(LoginFailure(username=(username or "")[:80], address=address[:64], at=clock.now()))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, hours: int) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = clock.now() + timedelta(hours=hours)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), created_at=clock.now(),
                            expires_at=expires_at))
    return token, expires_at


def user_for_token(token: str) -> User | None:
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row.user


def revoke_token(token: str) -> bool:
    """Sign a bearer token out for good (its row is deleted, so it answers 401 from now on); False when it was
    not a live token."""
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None:
        return False
    db.session.delete(row)
    return True
