"""Running the ward: units, users and their roles. An admin acts in their unit and below; role changes are
audited on the user's own chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models import RoleAssignment, Unit, User
from states.enums import Action, Role, UnitKind
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import audit, permissions
from workflow.services.accounts import create_user
from workflow.services.errors import Conflict, NotFound, ValidationFailed

CHILD_KINDS = {UnitKind.PROVINCE: {UnitKind.TOWN}, UnitKind.TOWN: {UnitKind.WARD},
               UnitKind.WARD: {UnitKind.GROUP, UnitKind.AGENCY}}


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


def _record_role_change(actor: User, user: User, trigger: str, role: str, unit: Unit, now: datetime) -> None:
    audit.record(stream=f"user:{user.id}", unit_id=unit.id, trigger=trigger, actor=actor, role=Role.ADMIN, at=now,
                 data={"user": user.username, "role": role, "unit": unit.code})


def add_role(actor: User, user: User, role: str, unit_id: int, now: datetime | None = None) -> RoleAssignment:
    now = now or clock.now()
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise ValidationFailed(T("Không có đơn vị này."), {"unit_id": T("không tồn tại")})
    if role not in set(Role):
        raise ValidationFailed(T("Vai trò không hợp lệ."), {"role": ", ".join(Role)})
    _admin_over(actor, unit)
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
    if assignment.user_id == actor.id and assignment.role == Role.ADMIN:
        raise Conflict(T("Không tự bỏ vai trò quản trị của chính mình."))
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
