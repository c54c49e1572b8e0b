"""Consecutive years a subject was recognized, and who has earned a certificate of merit (Giấy khen).

A subject is its reference (personal number, household book or unit code; case and outer spaces ignored) with
the title. A year counts when the subject has a dossier of that year's campaign recognized by a signed decision
(a revoked one no longer is `recognized`, so it breaks the run). Campaigns are one per ward and year; a merged
group sits below its successor in the unit tree, so filtering by the successor's path keeps its history.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from models import Campaign, Dossier, Unit, User
from states.enums import State, Title
from workflow.extensions import db
from workflow.services.scope import visible_dossiers


@dataclass
class Streak:
    subject_ref: str
    subject_name: str
    title: str
    years: list[int]
    consecutive: int
    eligible: bool
    unit: Unit  # the group of the latest recognized dossier (its successor when it was merged since)
    needed: int

    def json(self) -> dict:
        return {"subject_ref": self.subject_ref, "subject_name": self.subject_name, "title": self.title,
                "years": self.years, "consecutive": self.consecutive, "eligible": self.eligible}


def years_needed(title: str) -> int:
    """Consecutive years for a Giấy khen: settings STREAK_YEARS, STREAK_YEARS_GROUP (a residential group)."""
    config = current_app.config
    return int(config["STREAK_YEARS_GROUP"] if title == Title.MODEL_GROUP.value else config["STREAK_YEARS"])


def run_ending_at_latest(years: list[int]) -> int:
    """How many years in a row end at the latest one (years sorted ascending, no repeats)."""
    run = 0
    expected = years[-1] if years else 0
    for year in reversed(years):
        if year != expected:
            break
        run += 1
        expected -= 1
    return run


def successor(unit: Unit) -> Unit:
    seen = set()
    while unit.merged_into is not None and unit.id not in seen:
        seen.add(unit.id)
        unit = unit.merged_into
    return unit


def streaks(user: User, unit_id: int | None = None, eligible_only: bool = False) -> list[Streak]:
    """Every subject recognized at least once in the user's scope (under `unit_id` when given), eligible first."""
    query = visible_dossiers(user).join(Campaign, Dossier.campaign_id == Campaign.id).where(
        Dossier.state == State.RECOGNIZED.value, Dossier.decision_id.is_not(None))
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            return []
        query = query.where(Unit.path.like(unit.path + "%"))
    rows = db.session.execute(query.with_only_columns(Dossier, Campaign.year)
                              .order_by(Campaign.year, Dossier.id)).all()
    groups: dict[tuple[str, str], list[tuple[int, Dossier]]] = {}
    for dossier, year in rows:
        key = (dossier.subject_ref.strip().casefold(), dossier.title)
        groups.setdefault(key, []).append((year, dossier))
    found = []
    for (_, title), entries in groups.items():
        years = sorted({year for year, _ in entries})
        latest = entries[-1][1]  # ordered by year then id
        consecutive = run_ending_at_latest(years)
        needed = years_needed(title)
        found.append(Streak(subject_ref=latest.subject_ref.strip(), subject_name=latest.subject_name, title=title,
                            years=years, consecutive=consecutive, eligible=consecutive >= needed,
                            unit=successor(latest.unit), needed=needed))
    found.sort(key=lambda s: (not s.eligible, s.unit.name, s.subject_name.casefold(), s.title))
    return [s for s in found if s.eligible] if eligible_only else found
