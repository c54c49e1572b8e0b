"""Reading what is typed into plain inputs: ids in query strings and hidden fields, numbers on the per-criterion
pages, household members as lines; the campaigns a registration form offers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from wtforms import SelectChoice

from workflow import limits
from workflow.filters import local_date

DIGITS = re.compile(r"-?[0-9]{1,12}")


def parse_id(raw: str | None) -> int | None:
    """An id typed as plain ASCII digits in 1..ID_MAX, or None ("", "abc", "٣", "-1", "99999999999")."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(limits.ID_MAX))):
        return None
    return int(raw) if 0 < int(raw) <= limits.ID_MAX else None


def open_campaign_choices(campaigns: Iterable, today: date | None = None) -> list[SelectChoice]:
    """The campaigns taking registrations, each with the day it stops taking them; one whose window has closed
    still takes dossiers of the titles assessed for every household, until its assessment deadline."""
    choices = []
    for c in campaigns:
        if today is not None and today > c.registration_closes:
            label = _("%(name)s (hết hạn đăng ký; danh hiệu xét cho mọi hộ gia đình lập hồ sơ đến %(due)s)",
                      name=c.name, due=local_date(c.assessment_due))
        else:
            label = _("%(name)s (nhận đăng ký đến %(closes)s)", name=c.name, closes=local_date(c.registration_closes))
        choices.append(SelectChoice(c.id, label))
    return choices


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
