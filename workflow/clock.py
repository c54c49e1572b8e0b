"""The one place that asks what time it is, so tests can move time (e.g. past a 10-day notice)."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
