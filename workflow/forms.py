"""Reading what is typed into plain inputs: numbers on the per-criterion pages, household members as lines."""

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


def parse_members(text: str | None) -> list[dict[str, str]]:
    """Household members typed one per line as "Họ tên; số định danh; quan hệ" (the last two may be empty)."""
    members = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _, rest = line.partition(";")
        personal_id, _, relation = rest.partition(";")
        members.append({"name": name.strip(), "personal_id": personal_id.strip(), "relation": relation.strip()})
    return members


def members_text(members) -> str:
    """The members back as the lines `parse_members` reads."""
    return "\n".join(f"{m.name}; {m.personal_id or ''}; {m.relation}".rstrip("; ") for m in members)
