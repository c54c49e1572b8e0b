"""Running the ward: units, users and their roles. An admin acts in their unit and below; role changes are
audited on the user's own chain."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select

from models import RoleAssignment, Unit, User
from states.enums import Action, EventName, Role, UnitKind
from states.policy import local_day, role_conflict
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import accounts, audit, permissions
from workflow.services.accounts import create_user
from workflow.services.errors import Conflict, Forbidden, NotFound, ValidationFailed

# Two tiers since 1 July 2025: province › commune / ward › group (or agency). Towns and districts remain only as
# history (units created before the reform); no new one is made under them.
CHILD_KINDS = {UnitKind.PROVINCE: {UnitKind.WARD}, UnitKind.WARD: {UnitKind.GROUP, UnitKind.AGENCY}}


def _admin_over(actor: User, unit: Unit) -> None:
    permissions.require_at(actor, Action.ADMINISTER, unit)


def create_unit(actor: User, code: str, name: str, kind: str, parent_id: int) -> Unit:
    """A new unit under one the admin runs."""
    parent = db.session.get(Unit, parent_id)
    if parent is None:
        raise ValidationFailed(T("Không có đơn vị cấp trên này."), {"parent_id": T("không tồn tại")})
    _admin_over(actor, parent)
    code, name = (code or "").strip().upper(), (name or "").strip()
    errors = {}
    if not code:
        errors["code"] = T("bắt buộc")
    if not name:
        errors["name"] = T("bắt buộc")
    if kind not in CHILD_KINDS.get(UnitKind(parent.kind), set()):
        errors["kind"] = T("loại đơn vị này không thể nằm dưới %(parent)s", parent=parent.name)
    if errors:
        raise ValidationFailed(T("Đơn vị chưa hợp lệ."), errors)
    if db.session.scalars(select(Unit).where(Unit.code == code)).first():
        raise Conflict(T("Mã đơn vị %(code)s đã có.", code=code), {"code": T("đã tồn tại")})
    unit = Unit(code=code, name=name, kind=kind, parent=parent, path="/")
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    return unit


def merge_unit(actor: User, unit_id: int | None, into_id: int | None, effective_on: date | None,
               now: datetime | None = None) -> Unit:
    """Merge a unit into its successor from `effective_on`: the unit ends the day before, names its successor
    and moves under it with everything below, so the successor's people reach its dossiers and their history
    (which is left exactly as it was)."""
    now = now or clock.now()
    unit = db.session.get(Unit, unit_id) if unit_id else None
    into = db.session.get(Unit, into_id) if into_id else None
    errors = {}
    if unit is None:
        errors["unit_id"] = T("không có đơn vị này")
    if into is None:
        errors["into_id"] = T("không có đơn vị này")
    if effective_on is None:
        errors["effective_on"] = T("nhập ngày sáp nhập có hiệu lực")
    elif effective_on.year < 2000:
        errors["effective_on"] = T("ngày không hợp lệ")
    elif effective_on > local_day(now):
        errors["effective_on"] = T("chỉ ghi khi việc sáp nhập đã có hiệu lực (đến hôm nay)")
    if errors:
        raise ValidationFailed(T("Chưa sáp nhập được."), errors)
    _admin_over(actor, unit)
    _admin_over(actor, into)
    if unit.id == into.id:
        errors["into_id"] = T("không thể sáp nhập một đơn vị vào chính nó")
    elif unit.kind != into.kind:
        errors["into_id"] = T("chỉ sáp nhập vào một đơn vị cùng loại")
    elif into.path.startswith(unit.path):
        errors["into_id"] = T("đơn vị nhận nằm trong đơn vị bị sáp nhập")
    if unit.valid_to is not None:
        errors["unit_id"] = T("đơn vị này đã kết thúc ngày %(day)s", day=f"{unit.valid_to:%d/%m/%Y}")
    if into.valid_to is not None and into.valid_to < effective_on:
        errors["into_id"] = T("đơn vị nhận đã kết thúc ngày %(day)s", day=f"{into.valid_to:%d/%m/%Y}")
    if unit.valid_from is not None and effective_on <= unit.valid_from:
        errors["effective_on"] = T("phải sau ngày đơn vị bắt đầu (%(day)s)", day=f"{unit.valid_from:%d/%m/%Y}")
    if errors:
        raise ValidationFailed(T("Chưa sáp nhập được."), errors)
    old_path, new_path = unit.path, f"{into.path}{unit.id}/"
    for below in db.session.scalars(select(Unit).where(Unit.path.like(old_path + "%"))):
        below.path = new_path + below.path[len(old_path):]
    unit.parent, unit.merged_into = into, into
    unit.valid_to = effective_on - timedelta(days=1)
    db.session.flush()
    audit.record(stream=f"unit:{unit.id}", unit_id=into.id, trigger=EventName.UNIT_MERGED, actor=actor, role=Role.ADMIN,
                 at=now, data={"unit": unit.code, "into": into.code, "effective_on": effective_on.isoformat()})
    return unit


def _record_role_change(actor: User, user: User, trigger: str, role: str, unit: Unit, now: datetime) -> None:
    audit.record(stream=f"user:{user.id}", unit_id=unit.id, trigger=trigger, actor=actor, role=Role.ADMIN, at=now,
                 data={"user": user.username, "role": role, "unit": unit.code})


def own_account(actor: User, user: User) -> bool:
    """Separation of duties: nobody changes their own roles, password or lock (the pages hide those forms)."""
    return user.id == actor.id


def add_role(actor: User, user: User, role: str, unit_id: int, now: datetime | None = None) -> RoleAssignment:
    now = now or clock.now()
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise ValidationFailed(T("Không có đơn vị này."), {"unit_id": T("không tồn tại")})
    if role not in set(Role):
        raise ValidationFailed(T("Vai trò không hợp lệ."), {"role": ", ".join(Role)})
    _admin_over(actor, unit)
    if own_account(actor, user):
        raise Forbidden(T("Không ai tự cấp vai trò cho chính mình: việc này phải do một quản trị khác làm."),
                        {"role": T("không tự cấp cho chính mình")})
    if (conflict := role_conflict([a.role for a in user.roles], role)) is not None:
        raise ValidationFailed(T("Không cấp được vai trò này."), {"role": conflict})
    if any(a.role == role and a.unit_id == unit.id for a in user.roles):
        raise Conflict(T("Người dùng đã có vai trò này ở đơn vị này."), {"role": T("đã có")})
    assignment = RoleAssignment(role=role, unit=unit)
    user.roles.append(assignment)
    db.session.flush()
    _record_role_change(actor, user, "role_granted", role, unit, now)
    return assignment


def remove_role(actor: User, user: User, assignment_id: int, now: datetime | None = None) -> None:
    now = now or clock.now()
    assignment = next((a for a in user.roles if a.id == assignment_id), None)
    if assignment is None:
        raise NotFound(T("Không tìm thấy vai trò này."))
    _admin_over(actor, assignment.unit)
    if own_account(actor, user):
        raise Forbidden(T("Không ai tự thu hồi vai trò của chính mình: việc này phải do một quản trị khác làm."))
    role, unit = assignment.role, assignment.unit
    user.roles.remove(assignment)
    db.session.flush()
    _record_role_change(actor, user, "role_revoked", role, unit, now)


def create_user_with_role(actor: User, username: str, password: str, full_name: str, role: str,
                          unit_id: int, *, personal_id: str | None = None, email: str | None = None) -> User:
    """A new account with its first role, which the admin must be able to grant."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise ValidationFailed(T("Không có đơn vị này."), {"unit_id": T("không tồn tại")})
    _admin_over(actor, unit)
    user = create_user(username, password, full_name, [], personal_id=personal_id, email=email)
    add_role(actor, user, role, unit_id)
    return user


# --- accounts: reset, deactivate, reactivate, tokens -----------------------------------------------------------

TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand


def _admin_over_user(actor: User, user: User) -> None:
    """An admin acts on an account he administers every role of (an account with no role: any admin)."""
    if own_account(actor, user):
        raise Forbidden(T("Không tự làm việc này với tài khoản của chính mình: hãy nhờ một quản trị khác (đổi mật "
                          "khẩu của mình ở trang Tài khoản)."))
    if user.roles:
        for assignment in user.roles:
            _admin_over(actor, assignment.unit)
    else:
        permissions.require_somewhere(actor, Action.ADMINISTER)


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))


def reset_password(actor: User, user: User, now: datetime | None = None) -> str:
    """A temporary password, shown once to the admin; the user must change it at the next sign-in, and every session
    and API token of the account ends now. The password is never recorded."""
    now = now or clock.now()
    _admin_over_user(actor, user)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.end_sessions()
    accounts.revoke_all_tokens(user)
    accounts.record_account_event(actor, user, "password_reset", now, Role.ADMIN)
    return password


def deactivate(actor: User, user: User, now: datetime | None = None) -> User:
    """The account can no longer sign in; its sessions and API tokens stop working at once."""
    now = now or clock.now()
    _admin_over_user(actor, user)
    if not user.active:
        raise Conflict(T("Tài khoản này đã bị khóa."))
    user.active = False
    user.end_sessions()
    accounts.revoke_all_tokens(user)
    accounts.record_account_event(actor, user, "user_deactivated", now, Role.ADMIN)
    return user


def reactivate(actor: User, user: User, now: datetime | None = None) -> User:
    """The account may sign in again (with its password; no session or token from before comes back)."""
    now = now or clock.now()
    _admin_over_user(actor, user)
    if user.active:
        raise Conflict(T("Tài khoản này đang hoạt động."))
    user.active = True
    accounts.record_account_event(actor, user, "user_reactivated", now, Role.ADMIN)
    return user


def revoke_token(actor: User, user: User, token_id: int, now: datetime | None = None) -> None:
    """An admin ends one of an account's API tokens."""
    _admin_over_user(actor, user)
    accounts.revoke_token_of(actor, user, token_id, now, Role.ADMIN)
