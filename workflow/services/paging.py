"""Pages of lists that may hold a province's million rows: keyset pages (each page starts after the last row of the
one before, found through the sort's index, never by skipping rows with OFFSET) and counts that stop at
COUNT_LIMIT ("more than 10,000" is all a person can use; counting a million rows exactly costs seconds)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, TypeDecorator, func, literal, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from workflow import limits
from workflow.extensions import db

COUNT_LIMIT = 10_000
KEY_MAX = 1_000  # characters of an `after` key: one of ours is far shorter
PAGE_MAX = 1_000_000  # the page number a key may carry (only shown, never used to skip rows)


@dataclass(frozen=True)
class Count:
    """Rows counted up to `limit` + 1: exact up to `limit`, "more than `limit`" beyond."""

    counted: int
    limit: int

    @property
    def exact(self) -> bool:
        return self.counted <= self.limit


def count_capped(query: Select, limit: int | None = None) -> Count:
    """Count the query's rows, stopping after COUNT_LIMIT + 1 (`SELECT count(*) FROM (… LIMIT n + 1)`)."""
    limit = COUNT_LIMIT if limit is None else limit
    capped = query.order_by(None).limit(limit + 1).subquery()
    return Count(db.session.scalar(select(func.count()).select_from(capped)) or 0, limit)


@dataclass(frozen=True)
class Order:
    """A list's sort: one column in one direction, ties broken by the id in the same direction, so that
    (value, id) is a unique key a page can start after, and a row-value comparison an index can serve."""

    name: str
    column: InstrumentedAttribute
    id_column: InstrumentedAttribute
    descending: bool = False

    def __post_init__(self) -> None:
        # NULLs sort first on SQLite and last on PostgreSQL and never compare: a nullable sort column would lose
        # or repeat rows between pages. Every sort column is NOT NULL; this says so loudly if one ever is not.
        for column in (self.column, self.id_column):
            if column.expression.nullable:
                raise ValueError(f"keyset order over a nullable column: {column}")

    def clauses(self) -> tuple:
        if self.descending:
            return self.column.desc(), self.id_column.desc()
        return self.column.asc(), self.id_column.asc()

    def after(self, value: Any, row_id: int):
        """Rows that come after (value, id) in this order."""
        mine = tuple_(self.column, self.id_column)
        theirs = tuple_(literal(value, self.column.type), literal(row_id, self.id_column.type))
        return mine < theirs if self.descending else mine > theirs

    def key_of(self, row: Any) -> tuple[Any, int]:
        return getattr(row, self.column.key), getattr(row, self.id_column.key)


@dataclass(frozen=True)
class KeysetPage:
    items: list
    number: int  # 1 for the first page; carried in the key, only to be shown
    size: int
    next_key: str | None  # pass as ?after= for the next page; None on the last
    key_refused: bool = False  # an `after` that is not one of ours was given: this is the first page

    @property
    def first_row(self) -> int:
        return (self.number - 1) * self.size + 1

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.items) - 1


class InvalidKey(ValueError):
    pass


def keyset_page(query: Select, order: Order, after: str | None, size: int) -> KeysetPage:
    """One page of `query` in `order`, starting after the row `after` names (the first page without one, or when
    `after` is not a key of this order: a mangled link shows the first page, never an error)."""
    refused, number = False, 1
    if after:
        try:
            value, row_id, number = decode_key(order, after)
            query = query.where(order.after(value, row_id))
        except InvalidKey:
            refused, number = True, 1
    rows = list(db.session.scalars(query.order_by(*order.clauses()).limit(size + 1)))
    next_key = None
    if len(rows) > size:
        rows = rows[:size]
        next_key = encode_key(order, *order.key_of(rows[-1]), number + 1)
    return KeysetPage(rows, number, size, next_key, refused)


# --- keys -------------------------------------------------------------------------------------------------------
# Opaque to people, not secret: a key only says where in the caller's own scope a page begins. It names its order,
# so a key of another sort is refused rather than read as the wrong column.

def encode_key(order: Order, value: Any, row_id: int, number: int) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(UTC).isoformat()
    text = json.dumps([order.name, value, row_id, number], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_key(order: Order, key: str) -> tuple[Any, int, int]:
    """(value, id, page number) of a key made by `encode_key` for this order; InvalidKey for anything else."""
    if not isinstance(key, str) or len(key) > KEY_MAX:
        raise InvalidKey(key)
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii") + b"=" * (-len(key) % 4))
        name, value, row_id, number = json.loads(raw.decode("utf-8"))
    except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError):
        raise InvalidKey(key) from None
    if name != order.name or not _is_id(row_id) or not _is_id(number) or not 2 <= number <= PAGE_MAX:
        raise InvalidKey(key)
    return _value(order, value), row_id, number


def _is_id(value: Any) -> bool:
    return type(value) is int and 1 <= value <= limits.ID_MAX


def _value(order: Order, value: Any) -> Any:
    """The key's value as the sort column holds it, or InvalidKey: the database never sees what it would refuse."""
    column_type = order.column.type
    kind = (column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type).python_type
    if kind is datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise InvalidKey(value)
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise InvalidKey(value)
            return moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise InvalidKey(value) from None
    if kind is str:
        length = getattr(order.column.type, "length", None) or limits.QUERY
        if not isinstance(value, str) or len(value) > length or "\x00" in value:
            raise InvalidKey(value)
        try:
            value.encode("utf-8")  # a lone surrogate from JSON's \ud800 is no text a database takes
        except UnicodeEncodeError:
            raise InvalidKey(value) from None
        return value
    if kind is int and type(value) is int and abs(value) <= limits.ID_MAX:
        return value
    raise InvalidKey(value)
