"""Delegations: a reviewer lends one of their roles to a named stand-in for a date range (the chairman to his
deputy, who then signs "KT. CHỦ TỊCH"). While it runs, the stand-in acts with that role and every event
records both people."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from models import Delegation, RoleAssignment, Unit, User
from states import policy
from states.enums import Action, EventName, UnitKind
from states.policy import LENDABLE, local_day
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import audit, permissions
from workflow.services.errors import Forbidden, NotFound, ValidationFailed
from workflow.services.listing import local_today
from workflow.services.validate import Fields

LONGEST = timedelta(days=366)


def grant(actor: User, payload: Any, now: datetime | None = None) -> Delegation:
    """Lend `role` at `unit_code` to `to_username` from `starts_on` to `ends_on` (inclusive). The holder of the
    role lends their own; an admin of the unit may record it for them (`from_username`)."""
    now = now or clock.now()
    fields = Fields(payload)
    to_name = fields.text("to_username", required=True, max_length=80)
    from_name = fields.text("from_username", max_length=80)
    role = fields.text("role", required=True, max_length=30)
    unit_code = fields.text("unit_code", required=True, max_length=50)
    starts_on, ends_on = fields.day("starts_on"), fields.day("ends_on")
    reason = fields.text("reason", required=True, max_length=500)
    if role and role not in {r.value for r in LENDABLE}:
        fields.error("role", T("chỉ ủy quyền vai trò xử lý hồ sơ: %(roles)s", roles=", ".join(sorted(LENDABLE))))
    if starts_on and ends_on and ends_on < starts_on:
        fields.error("ends_on", T("phải từ ngày bắt đầu trở đi"))
    elif starts_on and ends_on and ends_on - starts_on > LONGEST:
        fields.error("ends_on", T("ủy quyền tối đa một năm"))
    elif ends_on and ends_on < local_today():
        fields.error("ends_on", T("đã qua"))
    fields.done(T("Ủy quyền chưa hợp lệ."))
    unit = db.session.scalars(select(Unit).where(Unit.code == unit_code)).first()
    stand_in = db.session.scalars(select(User).where(User.username == to_name, User.active.is_(True))).first()
    giver = actor
    if from_name and from_name != actor.username:
        giver = db.session.scalars(select(User).where(User.username == from_name)).first()
        if giver is None:
            fields.error("from_username", T("không có người dùng này"))
    if unit is None:
        fields.error("unit_code", T("không có đơn vị này"))
    if stand_in is None:
        fields.error("to_username", T("không có người dùng này"))
    elif stand_in.id == giver.id if giver else False:
        fields.error("to_username", T("không tự ủy quyền cho chính mình"))
    fields.done(T("Ủy quyền chưa hợp lệ."))
    if not any(a.role == role and a.unit_id == unit.id for a in giver.roles):
        fields.error("role", T("%(user)s không giữ vai trò này ở đơn vị này", user=giver.full_name))
        fields.done(T("Ủy quyền chưa hợp lệ."))
    if giver.id == actor.id:
        permissions.require_at(actor, Action.DELEGATE, unit, now)
    else:
        permissions.require_at(actor, Action.ADMINISTER, unit, now)
    delegation = Delegation(from_user=giver, to_user=stand_in, role=role, unit=unit, starts_on=starts_on,
                            ends_on=ends_on, reason=reason, created_by_id=actor.id, created_at=now)
    db.session.add(delegation)
    db.session.flush()
    db.session.expire(stand_in, ["delegations_received"])  # the stand-in acts with it from now on
    _record(actor, delegation, EventName.DELEGATION_GRANTED, now)
    return delegation


def end(actor: User, delegation_id: int, now: datetime | None = None) -> Delegation:
    """End a delegation early (its giver, or an admin of its unit)."""
    now = now or clock.now()
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound(T("Không tìm thấy ủy quyền."))
    if actor.id != delegation.from_user_id and not policy.may_at(actor, Action.ADMINISTER, delegation.unit,
                                                                 local_day(now)):
        if actor.id != delegation.to_user_id:
            raise NotFound(T("Không tìm thấy ủy quyền."))  # no existence leak
        raise Forbidden(T("Chỉ người ủy quyền (hoặc quản trị) mới kết thúc ủy quyền."))
    if delegation.ended_at is not None:
        raise ValidationFailed(T("Ủy quyền này đã kết thúc."), {"id": T("đã kết thúc")})
    delegation.ended_at = now
    db.session.flush()
    db.session.expire(delegation.to_user, ["delegations_received"])
    _record(actor, delegation, EventName.DELEGATION_ENDED, now)
    return delegation


def _record(actor: User, delegation: Delegation, trigger: EventName, now: datetime) -> None:
    audit.record(stream=f"user:{delegation.from_user_id}", unit_id=delegation.unit_id, trigger=trigger, actor=actor,
                 role=delegation.role, at=now,
                 data={"delegation_id": delegation.id, "from": delegation.from_user.username,
                       "to": delegation.to_user.username, "role": delegation.role, "unit": delegation.unit.code,
                       "starts_on": delegation.starts_on, "ends_on": delegation.ends_on, "reason": delegation.reason})


def mine(user: User) -> list[Delegation]:
    """Delegations the user gave or received, newest first."""
    return list(db.session.scalars(select(Delegation).where(
        or_(Delegation.from_user_id == user.id, Delegation.to_user_id == user.id)).order_by(Delegation.id.desc())))


def lendable_roles(user: User) -> list[tuple[str, str]]:
    """(role, unit code) pairs the user holds and may lend."""
    return sorted({(a.role, a.unit.code) for a in user.roles if a.role in {r.value for r in LENDABLE}})


def candidates(user: User) -> list[User]:
    """Who may stand in: the active people of the units where the user holds a role to lend (and above them in
    the same ward), the user excepted — a ward official picks a name, not a username."""
    wards = {_ward_of(a.unit).path for a in user.roles if a.role in {r.value for r in LENDABLE}}
    if not wards:
        return []
    in_ward = select(RoleAssignment.user_id).join(Unit).where(or_(*[Unit.path.like(w + "%") for w in wards]))
    return list(db.session.scalars(select(User).where(User.id.in_(in_ward), User.id != user.id,
                                                      User.active.is_(True)).order_by(User.full_name)))


def _ward_of(unit: Unit) -> Unit:
    """The ward (or commune) a unit belongs to: itself, or its nearest ancestor of that kind."""
    found = unit
    while found.kind not in (UnitKind.WARD, UnitKind.PROVINCE) and found.parent is not None:
        found = found.parent
    return found


def status(delegation: Delegation, today: date | None = None) -> str:
    today = today or local_today()
    if delegation.ended_at is not None or delegation.ends_on < today:
        return "ended"
    return "running" if delegation.starts_on <= today else "future"
