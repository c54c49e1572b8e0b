"""One unit of work per request and per CLI command: the one place that commits.

Services flush and never commit; a request whose answer is a success (status < 400) is committed once after
its view returns, any other answer is rolled back. Just before the commit, the transaction's audit events are handed
to the in-transaction writers (the notifications' outbox: written with the step, or not at all); after the commit
they are published to the subscribers (reports, seals) — never for a step that rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from workflow.extensions import db

PENDING = "kieumau.pending_events"


@dataclass(frozen=True)
class Published:
    """A committed audit event, as plain values (the ORM row is expired once committed)."""

    id: int
    stream: str
    dossier_id: int | None
    unit_id: int
    trigger: str
    from_state: str | None
    to_state: str | None
    actor: str
    role: str | None
    at: datetime
    data: dict
    comment: str = ""


Subscriber = Callable[[list[Published]], None]
_subscribers: list[Subscriber] = []
Writer = Callable[[Session, list[Published]], None]
_writers: list[Writer] = []
HANDED = "kieumau.handed_events"


def write_with(writer: Writer) -> Writer:
    """Register a function called just before a commit with the events the transaction wrote; what it adds to the
    session is committed with them (usable as a decorator)."""
    _writers.append(writer)
    return writer


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Register a function called with the events of every committed transaction (usable as a decorator)."""
    _subscribers.append(subscriber)
    return subscriber


def unsubscribe(subscriber: Subscriber) -> None:
    _subscribers.remove(subscriber)


def written(session: Session, e: Any) -> None:
    """Called by the audit helper for each event it flushed: remembered until the transaction ends."""
    session.info.setdefault(PENDING, []).append(Published(
        e.id, e.stream, e.dossier_id, e.unit_id, e.trigger, e.from_state, e.to_state, e.actor, e.role, e.at,
        dict(e.data or {}), e.comment or ""))


@event.listens_for(Session, "before_commit")
def _hand_over(session: Session) -> None:
    pending = session.info.get(PENDING, [])
    fresh = pending[session.info.get(HANDED, 0):]
    session.info[HANDED] = len(pending)
    if fresh:
        for writer in list(_writers):
            writer(session, fresh)


# Files cannot join a database transaction, so what a step writes to disk waits under a temporary name and is made
# final, or deleted, when the transaction it belongs to ends: a refused step leaves no file, a kept row has one.
FILE_ACTIONS = "kieumau.file_actions"


def on_outcome(session: Session, committed: Callable[[], None], rolled_back: Callable[[], None]) -> None:
    """Run `committed` after the session's outermost transaction commits, or `rolled_back` when the transaction
    (the savepoint) open now is rolled back or the session is closed without committing."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(FILE_ACTIONS, []).append((transaction, committed, rolled_back))


def _run_file_actions(session: Session, ended=None, commit: bool = False) -> None:
    """The actions of `ended` and the savepoints inside it (all of them when None), each once."""
    kept, due = [], []
    for entry in session.info.get(FILE_ACTIONS, []):
        transaction = entry[0]
        while ended is not None and transaction is not None and transaction is not ended:
            transaction = transaction.parent
        (due if ended is None or transaction is ended else kept).append(entry)
    session.info[FILE_ACTIONS] = kept
    for _transaction, committed, rolled_back in due:
        (committed if commit else rolled_back)()


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    if session.info.get(FILE_ACTIONS) and not session.in_nested_transaction():
        _run_file_actions(session, commit=True)
    session.info.pop(HANDED, None)
    published = session.info.pop(PENDING, [])
    if published:
        for subscriber in list(_subscribers):
            subscriber(published)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if session.info.get(FILE_ACTIONS):
        _run_file_actions(session, previous_transaction)
    session.info.pop(PENDING, None)
    session.info.pop(HANDED, None)


@event.listens_for(Session, "after_transaction_end")
def _closed(session: Session, transaction) -> None:
    if transaction.parent is None and session.info.get(FILE_ACTIONS):  # closed without a commit or a rollback
        _run_file_actions(session)


def keep_changes() -> None:
    """Commit this request's changes even though it answers with a refusal (a failed sign-in is counted)."""
    g.keep_changes = True


def discard() -> None:
    """Roll back a refused request's changes (an error handler calls it before it renders), except those it keeps."""
    if not g.get("keep_changes"):
        db.session.rollback()


def _retry_answer():
    from states.text import T
    from workflow.filters import translated

    message = T("Dữ liệu vừa được người khác thay đổi cùng lúc. Vui lòng thử lại.")
    if request.path.startswith("/api/"):
        return jsonify({"error": {"code": "conflict", "message": message, "fields": {}}}), 409
    return render_template("error.html", status=409, message=translated(message)), 409


@contextmanager
def unit_of_work():
    """For CLI commands: commit once at the end, roll back on any error."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def register(app: Flask) -> None:
    @app.after_request
    def finish(response):
        if response.status_code < 400 or g.get("keep_changes"):
            try:
                db.session.commit()
            except (IntegrityError, OperationalError):
                # Two writers raced (a chain's next seq, a lock): nothing was written; tell the client to retry.
                db.session.rollback()
                body, status = _retry_answer()
                return app.make_response((body, status))
        else:
            db.session.rollback()
        return response
