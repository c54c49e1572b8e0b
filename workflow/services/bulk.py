"""Many rows in one statement, whatever their number.

On PostgreSQL each column travels as one array parameter (`= ANY(…)`, `unnest(…)`): the statement's text — which
psycopg parses placeholder by placeholder, and the server parses and plans anew each time, as the app prepares no
statements — stays the same size for 5 rows or 5,000. Elsewhere (SQLite, in the process) an IN list or an
executemany does the same job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import any_
from sqlalchemy.types import TypeEngine

from workflow.extensions import db

IN_MAX = 5000  # values in one IN list elsewhere (SQLite takes 32,766 variables a statement)


def on_postgresql(session: Session | None = None) -> bool:
    return (session or db.session).get_bind().dialect.name == "postgresql"


def _plain(type_: TypeEngine) -> TypeEngine:
    # A string column's own type may carry a collation, which a parameter's cast cannot.
    return String() if isinstance(type_, String) else type_


def array_of(name: str | None, values: Sequence[Any], type_: TypeEngine):
    """One PostgreSQL array parameter holding `values` of a column of `type_`."""
    return bindparam(name, list(values), type_=ARRAY(_plain(type_)))


def among(column: ColumnElement, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`: one array parameter on PostgreSQL (any number of values), an IN list elsewhere (at most
    IN_MAX values; `chunks` splits longer lists)."""
    values = list(values)
    if on_postgresql():
        return column == any_(array_of(None, values, column.type))
    return column.in_(values)


def chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    """The values, sorted, in lists `among` takes: one on PostgreSQL, IN_MAX at a time elsewhere."""
    ordered = sorted(values)
    size = len(ordered) or 1 if on_postgresql() else IN_MAX
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def insert_rows(table: Table, rows: list[dict[str, Any]], session: Session | None = None) -> list[int]:
    """INSERT every row (all with the same columns, every column but `id` given); their new ids, in the rows' order.
    The ids are taken first, so that the insert needs no RETURNING to tell whose is whose."""
    if not rows:
        return []
    session = session or db.session
    if not on_postgresql(session):
        # SQLite has one writer at a time, and this transaction is it once it writes: the next ids are max + 1 …
        first = (session.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
        session.execute(insert(table), [{"id": row_id, **row} for row_id, row in zip(ids, rows, strict=True)])
        return ids
    ids = list(session.scalars(select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
                               .select_from(func.generate_series(1, len(rows)))))
    columns = ["id", *rows[0]]
    values = {name: ids if name == "id" else [row[name] for row in rows] for name in columns}
    source, selected = _sources(values, {name: table.c[name].type for name in columns})
    session.execute(insert(table).from_select(columns, select(*(selected[name] for name in columns))
                                              .select_from(source)))
    return ids


def _sources(values: dict[str, list[Any]], types: dict[str, TypeEngine]):
    """`unnest` of the columns whose values differ from row to row, and each column as the statement selects it:
    from that, or — the same for every row (the step, its actor, its time) — one plain parameter."""
    varying = [name for name, column in values.items() if any(v != column[0] for v in column)] or list(values)[:1]
    source = func.unnest(*(array_of(f"u_{name}", values[name], types[name]) for name in varying)) \
        .table_valued(*varying).render_derived(name="u")
    return source, {name: source.c[name] if name in varying else bindparam(f"u_{name}", values[name][0],
                                                                           type_=_plain(types[name]))
                    for name in values}


def update_rows(table: Table, rows: list[dict[str, Any]], where: Sequence[str], assign: Mapping[str, str],
                session: Session | None = None) -> int:
    """UPDATE each row: the columns of `assign` (column → key of the row) set where the columns of `where` equal the
    row's values of the same name. Returns how many rows matched."""
    if not rows:
        return 0
    session = session or db.session
    if not on_postgresql(session):
        statement = (update(table).where(*(table.c[name] == bindparam(f"w_{name}") for name in where))
                     .values({column: bindparam(f"v_{key}") for column, key in assign.items()}))
        params = [{**{f"w_{name}": row[name] for name in where}, **{f"v_{key}": row[key] for key in assign.values()}}
                  for row in rows]
        return session.connection().execute(statement, params).rowcount
    keys = [*where, *dict.fromkeys(assign.values())]
    types = {**{name: table.c[name].type for name in where},
             **{key: table.c[column].type for column, key in assign.items()}}
    source, selected = _sources({key: [row[key] for row in rows] for key in keys}, types)
    statement = (update(table).where(*(table.c[name] == selected[name] for name in where))
                 .values({column: selected[key] for column, key in assign.items()}))
    return session.connection().execute(statement).rowcount
