"""Who sees what: a role held at a unit reaches that unit and every unit below it."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from models import Dossier, Unit, User
from states.enums import Role
from states.text import T
from workflow.extensions import db
from workflow.services.errors import NotFound


def role_units(user: User, role: Role) -> list[Unit]:
    return [assignment.unit for assignment in user.roles if assignment.role == role]


def holds_role_over(user: User, role: Role, unit: Unit) -> bool:
    return any(held.reaches(unit) for held in role_units(user, role))


def reviewer_paths(user: User, roles: set[Role] | None = None) -> list[str]:
    """Unit paths reached by the user's non-applicant roles (or only by `roles`)."""
    wanted = roles or (set(Role) - {Role.APPLICANT})
    return sorted({a.unit.path for a in user.roles if a.role in wanted})


def unit_filter(column, paths: list[str]):
    """A SQL condition: the unit whose path is in `column` lies in one of `paths`."""
    if not paths:
        return None
    return or_(*[column.like(path + "%") for path in paths])


def visible_dossiers(user: User) -> Select:
    """Dossiers the user may see: their own (created or subject), and all those under their reviewer roles."""
    conditions = [Dossier.created_by_id == user.id, Dossier.subject_user_id == user.id]
    in_units = unit_filter(Unit.path, reviewer_paths(user))
    if in_units is not None:
        conditions.append(in_units)
    return select(Dossier).join(Unit, Dossier.unit_id == Unit.id).where(or_(*conditions))


def get_dossier_for(user: User, dossier_id: int) -> Dossier:
    """The dossier if the user may see it; NotFound otherwise (no existence leak)."""
    dossier = db.session.scalars(visible_dossiers(user).where(Dossier.id == dossier_id)).first()
    if dossier is None:
        raise NotFound(T("Không tìm thấy hồ sơ."))
    return dossier


def visible_units(user: User) -> Select:
    """Units the user works in: those under their roles and the ancestors that lead there."""
    paths = sorted({a.unit.path for a in user.roles})
    if not paths:
        return select(Unit).where(Unit.id == -1)
    ancestor_ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    return select(Unit).where(or_(Unit.id.in_(ancestor_ids), unit_filter(Unit.path, paths)))
