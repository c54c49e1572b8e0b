"""The unit filter of the list pages, bounded: a province sees ~150 wards and ~8,000 groups, and a list of 8,000 is
no choice at all. The filter lists the wards the user sees (under their towns, where a town gathers several), and
the groups and agencies of one ward: the ward chosen, the ward of the group chosen, or the user's only ward."""

from __future__ import annotations

import re
from dataclasses import dataclass

from models import Unit, User
from states.enums import UnitKind
from workflow import limits
from workflow.extensions import db
from workflow.services.scope import visible_units
from workflow.services.search import fold

ABOVE_GROUPS = (UnitKind.TOWN.value, UnitKind.WARD.value)
IN_A_WARD = (UnitKind.GROUP.value, UnitKind.AGENCY.value)
INDENT = "\u00a0\u00a0\u00a0"  # a browser keeps non-breaking spaces at the start of an option


@dataclass(frozen=True)
class UnitChoices:
    options: list[tuple[int, str]]  # (unit id, label indented under its town or ward), in the order to show
    ward: Unit | None  # the ward whose groups are listed
    choose_ward_first: bool  # groups of other wards exist: pick a ward (and filter) to list its groups


def _selected_id(raw: str | None) -> int | None:
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= len(str(limits.ID_MAX)) and int(raw) <= limits.ID_MAX:
        return int(raw)
    return None


def _ids_in(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part.isdigit()]


def _natural(name: str) -> list:
    """"Tổ dân phố 2" before "Tổ dân phố 10"; accents aside, as people sort names."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", fold(name))]


def filter_choices(user: User, selected: str | None) -> UnitChoices:
    """The unit filter's options for `user`, with `selected` (the `unit_id` asked for, as typed) in them."""
    visible = visible_units(user)
    units = {u.id: u for u in db.session.scalars(visible.where(Unit.kind.in_(ABOVE_GROUPS)))}
    wards = [u for u in units.values() if u.kind == UnitKind.WARD.value]
    for town in [u for u in units.values() if u.kind == UnitKind.TOWN.value]:
        if sum(1 for w in wards if w.path.startswith(town.path)) < 2:
            del units[town.id]  # a town is worth a line only when it gathers wards the user sees
    chosen_id = _selected_id(selected)
    chosen = db.session.scalar(visible.where(Unit.id == chosen_id)) if chosen_id is not None else None
    ward = None
    if chosen is not None:
        ward = next((units[i] for i in reversed(_ids_in(chosen.path))
                     if i in units and units[i].kind == UnitKind.WARD.value), None)
        units.setdefault(chosen.id, chosen)  # a province chosen stays chosen when the form is sent again
    elif len(wards) == 1:
        ward = wards[0]
    if ward is not None:
        units.update((u.id, u) for u in db.session.scalars(
            visible.where(Unit.kind.in_(IN_A_WARD), Unit.path.like(ward.path + "%"))))

    def place(unit: Unit) -> list:
        """Sort key: the natural names of the unit's listed ancestors, then its own, so each sits under them."""
        return [(_natural(units[i].name), i) for i in _ids_in(unit.path) if i in units]

    options = []
    for unit in sorted(units.values(), key=place):
        depth = sum(1 for i in _ids_in(unit.path) if i in units) - 1
        options.append((unit.id, INDENT * depth + unit.name))
    return UnitChoices(options, ward, choose_ward_first=len(wards) > 1)
