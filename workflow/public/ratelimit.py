"""The public lookups' limit: tracking codes, notice boards, certificates, the recognized lists, the progress page
(and the API's public endpoints) — each kind counted on its own, TRACK_REQUESTS_PER_MINUTE per address.

Counted by Flask-Limiter in the store RATELIMIT_STORAGE_URI names, so with the database's store (or Redis) every
worker and every host counts against one number; the address is the one ProxyFix found behind TRUSTED_PROXIES.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from flask_babel import gettext
from limits import RateLimitItemPerMinute

from states.labels import N_
from workflow.extensions import limiter

TOO_MANY = N_("Tra cứu quá nhiều lần, vui lòng thử lại sau một phút.")


def lookup_allowed(kind: str) -> bool:
    """Whether this address may make one more public lookup of `kind` this minute (and count it)."""
    item = RateLimitItemPerMinute(current_app.config["TRACK_REQUESTS_PER_MINUTE"])
    address = request.remote_addr or "unknown"
    if limiter.limiter.hit(item, "lookup", kind, address):
        return True
    reset_at, _ = limiter.limiter.get_window_stats(item, "lookup", kind, address)
    g.retry_after = max(1, math.ceil(reset_at - time.time()))
    return False


def too_many() -> str:
    """What a person who asked too often is told, in the page's language."""
    return gettext(TOO_MANY)


def register(app: Flask) -> None:
    @app.after_request
    def tell_when_to_retry(response):
        # The pages answer a refused lookup with their own 429 page; this adds when to come back.
        if response.status_code == 429 and "Retry-After" not in response.headers and g.get("retry_after"):
            response.headers["Retry-After"] = str(g.retry_after)
        return response
