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

from sqlalchemy import Select, and_, func, literal, or_, select, tuple_

from models import Dossier, Objection, Unit, User
from states.enums import Action, State, Title, UnitKind
from states.labels import TITLE_LABELS
from workflow import limits
from workflow.extensions import db
from workflow.services import permissions
from workflow.services.publication import decode_key, encode_key, is_id, is_text, natural

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


PAGE_SIZE = 100  # dossiers of a board per page


@dataclass
class NoticePage:
    """A page of a group's board: the notice ending first comes first (then by name); `count` is the whole board."""

    dossiers: list[Dossier]
    count: int
    number: int  # 1 for the first page (carried in the key, only shown)
    next_key: str | None
    key_refused: bool = False


def notice_key(key: str | None) -> tuple[date | None, str, int, int] | None:
    """(notice's last day, name, id, page number) of a key `on_notice_page` made; None for anything else."""
    values = decode_key(key)
    if values is None or len(values) != 4:
        return None
    day, name, dossier_id, number = values
    if not (day is None or is_text(day, 10)) or not is_text(name, limits.NAME) or not is_id(dossier_id) \
            or not is_id(number) or number < 2:
        return None
    try:
        return (date.fromisoformat(day) if day is not None else None), name, dossier_id, number
    except ValueError:
        return None


def on_notice_page(unit: Unit, after: str | None = None, size: int | None = None) -> NoticePage:
    """A page of the group's dossiers on public notice now, after the dossier `after` names (the first page
    without a key, or with one that is not ours)."""
    size = size or PAGE_SIZE
    query = on_notice_query(unit)
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    position = notice_key(after)
    if position is not None:
        day, name, dossier_id, _number = position
        same_day_after = tuple_(Dossier.subject_name, Dossier.id) > tuple_(literal(name), literal(dossier_id))
        if day is None:  # the boards list a dossier without a last day after every other
            query = query.where(Dossier.notice_ends_on.is_(None), same_day_after)
        else:
            query = query.where(or_(Dossier.notice_ends_on.is_(None), Dossier.notice_ends_on > day,
                                    and_(Dossier.notice_ends_on == day, same_day_after)))
    rows = list(db.session.scalars(query.order_by(
        Dossier.notice_ends_on.is_(None), Dossier.notice_ends_on, Dossier.subject_name, Dossier.id).limit(size + 1)))
    number = position[3] if position is not None else 1
    next_key = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_key = encode_key([last.notice_ends_on.isoformat() if last.notice_ends_on else None,
                               last.subject_name, last.id, number + 1])
    return NoticePage(rows, count, number, next_key, key_refused=bool(after) and position is None)


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


def _exists_on(today: date):
    return and_(or_(Unit.valid_from.is_(None), Unit.valid_from <= today),
                or_(Unit.valid_to.is_(None), Unit.valid_to >= today))


def wards(today: date) -> list[Unit]:
    """The wards (communes, or whatever unit the groups sit under) that have a residential group today: the
    index's first choice — a province's ~150, never its ~8,000 groups at once."""
    parents = select(Unit.parent_id).where(Unit.kind == UnitKind.GROUP.value, _exists_on(today))
    found = db.session.scalars(select(Unit).where(Unit.id.in_(parents)))
    return sorted(found, key=lambda u: (natural(u.name), u.id))


def find_ward(wards_today: list[Unit], code: str | None) -> Unit | None:
    """The one of `wards_today` a code names (people type codes any way); None for any other code."""
    code = (code or "").strip()
    if not _CODE.fullmatch(code):
        return None
    return next((w for w in wards_today if w.code == code.upper()), None)


def ward_boards(ward: Unit, today: date) -> WardBoards:
    """The ward's residential groups that exist today (merged or ended ones are left out), each with how many
    dossiers it has on notice, those of the groups merged into it (below it in the tree) included."""
    under = list(db.session.scalars(select(Unit).where(Unit.path.like(ward.path + "%"), Unit.path != ward.path,
                                                       Unit.kind == UnitKind.GROUP.value)))
    groups = sorted((g for g in under if g.parent_id == ward.id and g.exists_on(today)),
                    key=lambda g: (natural(g.name), g.id))
    by_unit = _counts([u.id for u in under])
    return WardBoards(ward, [Board(g, sum(by_unit.get(u.id, 0) for u in under if u.path.startswith(g.path)))
                             for g in groups])


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
