"""The public notice board (niêm yết công khai): the groups there are now and the dossiers each has on public notice.

Only what the law makes public leaves here: the title, the subject's name, the notice's last day and the tracking
code. Never a personal number, an address, a score or a comment. The page, the API and the home page's link all
read these functions; filing an objection from the board goes through the one objection service
(records.record_objection), which asks the policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from models import Dossier, Objection, Unit, User
from states.enums import Action, State, Title, UnitKind
from states.labels import TITLE_LABELS
from workflow import limits
from workflow.extensions import db
from workflow.services import permissions

# A unit code as it may appear in a link or a query: no control character, slash or lone surrogate, and no
# longer than the column (anything else names no unit, and never reaches the database).
_CODE = re.compile(rf"[^\x00-\x1f\x7f-\x9f/\ud800-\udfff]{{1,{limits.CODE}}}")


def find_group(code: str | None) -> Unit | None:
    """The residential group a code names (codes are stored upper-case; people type them any way); None for an
    unknown code or a unit that is not a residential group."""
    code = (code or "").strip()
    if not _CODE.fullmatch(code):
        return None
    unit = db.session.scalars(select(Unit).where(Unit.code == code.upper())).first()
    if unit is None or unit.kind != UnitKind.GROUP.value:
        return None
    return unit


def on_notice_query(unit: Unit) -> Select:
    """The group's dossiers on public notice now — with those of the groups merged into it (they sit below it)."""
    merged_in = select(Unit.id).where(Unit.path.like(unit.path + "%"))
    return select(Dossier).where(Dossier.unit_id.in_(merged_in), Dossier.state == State.PUBLIC_NOTICE.value)


def on_notice(unit: Unit) -> list[Dossier]:
    """The group's dossiers on public notice now: the notice ending first comes first."""
    return list(db.session.scalars(on_notice_query(unit).order_by(
        Dossier.notice_ends_on.is_(None), Dossier.notice_ends_on, Dossier.subject_name, Dossier.id)))


def ward_of(unit: Unit) -> Unit | None:
    """The commune or ward the group belongs to (its nearest ward-level ancestor)."""
    parent = unit.parent
    while parent is not None and parent.kind != UnitKind.WARD.value:
        parent = parent.parent
    return parent or unit.parent


def _counts(unit_ids: list[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(Dossier.unit_id, func.count(Dossier.id))
        .where(Dossier.unit_id.in_(unit_ids), Dossier.state == State.PUBLIC_NOTICE.value)
        .group_by(Dossier.unit_id))
    return {unit_id: count for unit_id, count in rows}


@dataclass
class Board:
    group: Unit
    on_notice: int


@dataclass
class WardBoards:
    ward: Unit | None
    boards: list[Board]

    @property
    def on_notice(self) -> int:
        return sum(b.on_notice for b in self.boards)


def current_groups(today: date) -> list[WardBoards]:
    """Every residential group that exists today (merged or ended ones are left out), by ward, with how many of
    its dossiers are on notice."""
    every = list(db.session.scalars(select(Unit).where(Unit.kind == UnitKind.GROUP.value).order_by(Unit.path)))
    groups = [g for g in every if g.exists_on(today)]
    by_unit = _counts([g.id for g in every])
    # A group's count includes the groups merged into it (below it in the tree).
    counts = {g.id: sum(n for u in every if u.path.startswith(g.path) for n in [by_unit.get(u.id, 0)])
              for g in groups}
    by_ward: dict[int | None, WardBoards] = {}
    for group in groups:
        ward = ward_of(group)
        entry = by_ward.setdefault(ward.id if ward else None, WardBoards(ward, []))
        entry.boards.append(Board(group, counts.get(group.id, 0)))
    return sorted(by_ward.values(), key=lambda w: (w.ward.name if w.ward else ""))


def boards_for(user: User) -> list[Board]:
    """The groups whose notices this user may object to (residents holding the applicant role there), with how
    many dossiers each has on notice: the links on the user's home page."""
    groups = {u.id: u for u in permissions.units_for(user, Action.OBJECTION) if u.kind == UnitKind.GROUP.value}
    counts = _counts(list(groups))
    return [Board(g, counts.get(g.id, 0)) for g in sorted(groups.values(), key=lambda u: u.code)]


def objections_by(user: User, dossiers: list[Dossier]) -> dict[int, int]:
    """How many objections `user` has filed to each of these dossiers during the notice now running (so a
    resident sees that theirs went through and need not send it twice)."""
    if not dossiers:
        return {}
    since = {d.id: d.state_changed_at for d in dossiers}
    rows = db.session.execute(select(Objection.dossier_id, Objection.filed_at).where(
        Objection.filed_by_id == user.id, Objection.dossier_id.in_(list(since))))
    counts: dict[int, int] = {}
    for dossier_id, filed_at in rows:
        if filed_at >= since[dossier_id]:
            counts[dossier_id] = counts.get(dossier_id, 0) + 1
    return counts


def public_item(dossier: Dossier) -> dict:
    """A dossier on notice as the public may read it (the API's items)."""
    return {"tracking_code": dossier.tracking_code, "title": dossier.title,
            "title_label": TITLE_LABELS[Title(dossier.title)], "subject_name": dossier.subject_name,
            "notice_ends_on": dossier.notice_ends_on.isoformat() if dossier.notice_ends_on else None,
            "unit_code": dossier.unit.code, "unit_name": dossier.unit.name}


def board_code(dossier: Dossier) -> str | None:
    """The code of the board a dossier is on now (its group's), or None when it is not on public notice."""
    if dossier.state != State.PUBLIC_NOTICE.value or dossier.unit.kind != UnitKind.GROUP.value:
        return None
    return dossier.unit.code
