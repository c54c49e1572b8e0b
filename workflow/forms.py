"""Reading numbers typed into plain HTML inputs (the per-criterion pages build their payload by hand)."""

from __future__ import annotations

import re

DIGITS = re.compile(r"-?[0-9]{1,12}")


def as_number(raw: str | None) -> int | str | None:
    """An int for plain ASCII digits ("85", "-1"); the text itself otherwise ("²", "--5", "1e9"), so the service
    refuses it beside its field; None when empty."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if DIGITS.fullmatch(raw) else raw
