"""Counting the SQL statements a step sends: a budget a maintainer notices regressing (never a timing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine.interfaces import ExecuteStyle

from workflow.extensions import db


@dataclass
class Sent:
    """The statements sent, each once per row it ran for (an executemany of 11 DELETEs is 11: the server runs 11)."""

    statements: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.statements)

    def count(self, prefix: str) -> int:
        """How many begin with `prefix` ("DELETE FROM assessment_items"), spaces normalised."""
        return sum(1 for s in self.statements if s.startswith(prefix))

    def __str__(self) -> str:
        return "\n".join(f"{n:3} {s[:160]}" for n, s in enumerate(self.statements, 1))


@contextmanager
def counting() -> Iterator[Sent]:
    sent = Sent()

    def before(conn, cursor, statement, parameters, context, executemany):
        text = " ".join(statement.split())
        rows = len(parameters) if context is not None and context.execute_style is ExecuteStyle.EXECUTEMANY else 1
        sent.statements.extend([text] * rows)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def one_request(app, send: Callable):
    """Send one request as production runs it, in its own application context (its own session and `g`; the test
    client would otherwise share the test's), and count its statements."""
    with app.app_context(), counting() as sent:
        response = send()
    return response, sent
