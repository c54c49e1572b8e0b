"""A small per-address fixed-window limiter for the public lookups (per process): tracking codes, notice boards,
certificates, the recognized lists — each kind counted on its own, TRACK_REQUESTS_PER_MINUTE each."""

from __future__ import annotations

import threading
import time

from flask import current_app, request
from flask_babel import gettext

from states.labels import N_

TOO_MANY = N_("Tra cứu quá nhiều lần, vui lòng thử lại sau một phút.")


class WindowLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[int, int]] = {}

    def allow(self, key: str, per_minute: int) -> bool:
        window = int(time.monotonic() // 60)
        with self._lock:
            if len(self._hits) > 10_000:  # forget old windows so memory stays bounded
                self._hits = {k: v for k, v in self._hits.items() if v[0] == window}
            seen_window, count = self._hits.get(key, (window, 0))
            if seen_window != window:
                count = 0
            if count >= per_minute:
                return False
            self._hits[key] = (window, count + 1)
            return True

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


track_limiter = WindowLimiter()


def lookup_allowed(kind: str) -> bool:
    """Whether this address may make one more public lookup of `kind` this minute (and count it)."""
    key = f"{kind}:{request.remote_addr or 'unknown'}"
    return track_limiter.allow(key, current_app.config["TRACK_REQUESTS_PER_MINUTE"])


def too_many() -> str:
    """What a person who asked too often is told, in the page's language."""
    return gettext(TOO_MANY)
