"""A small per-address fixed-window limiter for the public tracking lookups (per process)."""

from __future__ import annotations

import threading
import time


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
