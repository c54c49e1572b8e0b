"""Who sees what: a role held at a unit (or lent by a running delegation) reaches that unit and every unit
below it; the dossier's own people see it; residents see what is on public notice in their own unit."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import contains_eager

from models import Dossier, DossierMember, Unit, User
from states.enums import Role, State, UnitKind
from states.policy import REVIEWERS, held_units, is_party, local_day
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services.errors import NotFound


def role_units(user: User, role: Role) -> list[Unit]:
    return held_units(user, {role}, local_day(clock.now()))


def reviewer_paths(user: User, roles: set[Role] | None = None) -> list[str]:
    """Unit paths reached by the user's non-applicant roles (or only by `roles`), delegated ones included."""
    return sorted({unit.path for unit in held_units(user, roles or REVIEWERS, local_day(clock.now()))})


def unit_filter(column, paths: list[str]):
    """A SQL condition: the unit whose path is in `column` lies in one of `paths`."""
    if not paths:
        return None
    return or_(*[column.like(path + "%") for path in paths])


def dossiers_under(units) -> list:
    """SQL conditions on the dossier's own columns, one per unit: its dossiers and those of every unit below it.
    A ward (or province, town) reads the `ward_id`s of the wards under it, a group or agency the `unit_id`s of
    the units under it (itself and any merged into it), read here first: each condition is then a list of ids
    the planner can weigh, and a range of one of the list's indexes — no page walks the province to find a
    ward's rows."""
    return [_condition(_ids_under(unit)) for unit in units]


def _ids_under(unit: Unit) -> tuple[str, list[int]]:
    """("unit_id" or "ward_id", the ids of the units under `unit` that a dossier's column names)."""
    below = select(Unit.id).where(Unit.path.like(unit.path + "%"))  # a unit merged into this one hangs below it
    if unit.kind in (UnitKind.GROUP, UnitKind.AGENCY):
        return "unit_id", list(db.session.scalars(below))
    return "ward_id", list(db.session.scalars(below.where(Unit.kind == UnitKind.WARD.value)))


def _condition(under: tuple[str, list[int]]):
    """`_ids_under`'s answer as a condition on the dossier's column it names."""
    column, ids = under
    return getattr(Dossier, column).in_(ids)


def _covered(under: tuple[str, list[int]], row) -> bool:
    """Whether a dossier's row (its unit_id and ward_id) lies among `_ids_under`'s answer."""
    column, ids = under
    return getattr(row, column) in ids


def outermost(units) -> list[Unit]:
    """The units not below another of them (a ward's role makes its groups' roles add nothing)."""
    ordered = sorted({unit.path: unit for unit in units}.values(), key=lambda unit: unit.path)
    kept: list[Unit] = []
    for unit in ordered:
        if not any(unit.path.startswith(outer.path) for outer in kept):
            kept.append(unit)
    return kept


def visible_dossiers(user: User) -> Select:
    """Dossiers the user may see: their own (applicant or subject), those on public notice in the units where
    they are a resident, and all those under their reviewer roles."""
    mine = [Dossier.created_by_id == user.id]
    if user.personal_id:
        mine += [Dossier.subject_ref == user.personal_id,
                 Dossier.id.in_(select(DossierMember.dossier_id).where(DossierMember.personal_id == user.personal_id))]
    reviewer_units = outermost(held_units(user, REVIEWERS, local_day(clock.now())))
    reviewing = [_ids_under(unit) for unit in reviewer_units]
    conditions = [_condition(under) for under in reviewing]
    if reviewing:
        # A reviewer's own dossiers are nearly always under the units they review: named apart (by id) only when
        # not, so that the scope stays one index range — "own OR ward" is an OR no index orders.
        own = db.session.execute(select(Dossier.id, Dossier.unit_id, Dossier.ward_id).where(or_(*mine))).all()
        outside = [row.id for row in own if not any(_covered(under, row) for under in reviewing)]
        if outside:
            conditions.append(Dossier.id.in_(outside))
    else:
        conditions += mine
    neighbours = [unit for unit in outermost(role_units(user, Role.APPLICANT))
                  if not any(unit.path.startswith(outer.path) for outer in reviewer_units)]
    if neighbours:
        conditions.append(and_(or_(*dossiers_under(neighbours)), Dossier.state == State.PUBLIC_NOTICE.value))
    # The join stays for callers that narrow by `Unit.path`, and fills each row's `unit` (no query per row); the
    # scope itself reads the dossier's own columns. An outer join (every dossier has its unit) that PostgreSQL
    # drops from a count, which then reads only the index.
    return (select(Dossier).outerjoin(Unit, Dossier.unit_id == Unit.id).options(contains_eager(Dossier.unit))
            .where(or_(*conditions)))


def sees_in_full(user: User, dossier: Dossier) -> bool:
    """The dossier's own people and the reviewers over its unit see all of it; a neighbour who sees it only
    because it is on public notice in her group sees what the notice board shows (title, name, last day, code)
    — never the personal number, the address, the household, the scores or the history."""
    return is_party(user, dossier) or any(dossier.unit.path.startswith(path) for path in reviewer_paths(user))


def full_view(user: User) -> Callable[[Dossier], bool]:
    """`sees_in_full` for many dossiers: the user's relation and reviewer units read once, as plain values — so a
    list streamed after the request's transaction ended can still ask it."""
    paths = tuple(reviewer_paths(user))
    me = SimpleNamespace(id=user.id, personal_id=getattr(user, "personal_id", None))
    return lambda dossier: is_party(me, dossier) or any(dossier.unit.path.startswith(p) for p in paths)


def get_dossier_in_full(user: User, dossier_id: int) -> Dossier:
    """The dossier if the user may see all of it (its history, its files); NotFound otherwise."""
    dossier = get_dossier_for(user, dossier_id)
    if not sees_in_full(user, dossier):
        raise NotFound(T("Không tìm thấy hồ sơ."))
    return dossier


def get_dossier_for(user: User, dossier_id: int) -> Dossier:
    """The dossier if the user may see it; NotFound otherwise (no existence leak)."""
    dossier = db.session.scalars(visible_dossiers(user).where(Dossier.id == dossier_id)).first()
    if dossier is None:
        raise NotFound(T("Không tìm thấy hồ sơ."))
    return dossier


def visible_units(user: User) -> Select:
    """Units the user works in: those under their roles and the ancestors that lead there."""
    paths = sorted({u.path for u in held_units(user, set(Role), local_day(clock.now()))})
    if not paths:
        return select(Unit).where(Unit.id == -1)
    ancestor_ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    return select(Unit).where(or_(Unit.id.in_(ancestor_ids), unit_filter(Unit.path, paths)))
