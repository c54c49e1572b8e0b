"""A `limits` storage kept in our own database (`RATELIMIT_STORAGE_URI=kieumau+db://`).

Flask-Limiter's memory store counts in each worker's memory, so two gunicorn workers let twice the limit through;
Redis is one more server a ward may not run. This store keeps each fixed window as one row of `rate_limit_hits`,
incremented by a single atomic UPSERT (`INSERT … ON CONFLICT DO UPDATE … RETURNING count`, on SQLite and
PostgreSQL alike), so every worker and every host sharing the database counts against the same number.

Each call runs on its own connection and commits at once: a refused request rolls its session back, and the hit it
was refused for must still count. Expired windows are deleted whenever a new one starts, so the table stays small.
"""

from __future__ import annotations

import hashlib
import time

from limits.storage import Storage
from sqlalchemy import case, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from models.throttles import RateLimitHit
from workflow.extensions import db

SCHEME = "kieumau+db"
hits = RateLimitHit.__table__


def _now() -> float:
    return time.time()  # Flask-Limiter's windows run on the wall clock, as its other stores do


def _engine():
    """The application's engine, also when a test has bound the app to one connection (its `.engine`)."""
    bind = db.engine
    return getattr(bind, "engine", bind)


def _row_key(key: str) -> str:
    # A key longer than the column (a long IPv6 address and a long kind) is kept whole by its digest.
    return key if len(key) <= 255 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in the application's database (its engine, outside the request's session)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = _now()
        dialect = sqlite if _engine().dialect.name == "sqlite" else postgresql
        statement = dialect.insert(hits).values(key=_row_key(key), count=amount, expires_at=now + expiry)
        expired = hits.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[hits.c.key],
            set_={"count": case((expired, statement.excluded.count), else_=hits.c.count + statement.excluded.count),
                  "expires_at": case((expired, statement.excluded.expires_at), else_=hits.c.expires_at)},
        ).returning(hits.c.count)
        with _engine().begin() as connection:
            count = connection.execute(statement).scalar_one()
            if count == amount:  # a window began: sweep the ended ones
                connection.execute(delete(hits).where(hits.c.expires_at <= now))
        return count

    def get(self, key: str) -> int:
        with _engine().connect() as connection:
            count = connection.execute(select(hits.c.count).where(
                hits.c.key == _row_key(key), hits.c.expires_at > _now())).scalar()
        return count or 0

    def get_expiry(self, key: str) -> float:
        now = _now()
        with _engine().connect() as connection:
            expires_at = connection.execute(select(hits.c.expires_at).where(
                hits.c.key == _row_key(key), hits.c.expires_at > now)).scalar()
        return expires_at or now

    def check(self) -> bool:
        try:
            with _engine().connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with _engine().begin() as connection:
            return connection.execute(delete(hits)).rowcount

    def clear(self, key: str) -> None:
        with _engine().begin() as connection:
            connection.execute(delete(hits).where(hits.c.key == _row_key(key)))
