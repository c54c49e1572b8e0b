"""What ward leaders watch (issue 9): per campaign and unit, dossiers per stage, results, pass rates per title and
per group, days spent in each stage, overdue counts, year on year; and for the steering committee's weekly meeting,
which criteria most households of each group still fail in their self-assessment.

Every figure is counted over the dossiers the caller may see with the list's own filters (listing.dossier_query),
so the page, the API and the dossier list always agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from models import AssessmentItem, AuditEvent, Campaign, Criterion, Dossier, Unit, User
from states.enums import State, Title
from workflow import clock
from workflow.extensions import db
from workflow.services.listing import dossier_query

DECIDED = (State.RECOGNIZED, State.NOT_RECOGNIZED, State.REVOKED)
TERMINAL = frozenset({State.RECOGNIZED, State.NOT_RECOGNIZED, State.REVOKED, State.WITHDRAWN,
                      State.REGISTRATION_REJECTED})
STAGES = [s for s in State if s not in TERMINAL]  # where a dossier spends days


def pass_rate(recognized: int, refused: int) -> float | None:
    """Recognized among those decided (a revoked title counts as recognized at the time); None before any."""
    decided = recognized + refused
    return round(recognized / decided, 4) if decided else None


@dataclass
class Line:
    """One row of a results table: a title, a group, a year."""

    key: str
    label: str
    total: int = 0
    recognized: int = 0
    refused: int = 0

    @property
    def pass_rate(self) -> float | None:
        return pass_rate(self.recognized, self.refused)

    def json(self) -> dict:
        return {"total": self.total, "recognized": self.recognized, "refused": self.refused,
                "pass_rate": self.pass_rate}


@dataclass
class Stats:
    total: int
    by_state: dict[str, int]
    by_title: dict[str, Line]
    by_unit: list[Line]
    by_year: list[Line]
    recognized: int
    refused: int
    withdrawn: int
    overdue: int
    days_in_stage: dict[str, dict[str, float | int]]
    weak_criteria: list[dict] = field(default_factory=list)

    def json(self) -> dict:
        return {"total": self.total, "by_state": self.by_state,
                "by_title": {k: v.json() for k, v in self.by_title.items()},
                "by_unit": [{"unit_id": int(u.key), "unit_name": u.label, **u.json()} for u in self.by_unit],
                "by_year": [{"year": int(y.key), **y.json()} for y in self.by_year],
                "recognized": self.recognized, "refused": self.refused, "withdrawn": self.withdrawn,
                "overdue": self.overdue, "days_in_stage": self.days_in_stage,
                "weak_criteria": self.weak_criteria}


def _ids(query):
    """The ids a dossier query selects, as a subquery to count over."""
    return select(query.with_only_columns(Dossier.id).subquery().c.id)


def _count_result(line: Line, state: str, n: int) -> None:
    line.total += n
    if state in (State.RECOGNIZED, State.REVOKED):
        line.recognized += n
    elif state == State.NOT_RECOGNIZED:
        line.refused += n


def stays(dossier_ids, now: datetime) -> dict[str, list[float]]:
    """Days each dossier spent in each stage it entered (an unfinished stay counts up to now), from the audit
    history's state changes."""
    out: dict[str, list[float]] = defaultdict(list)
    rows = db.session.execute(
        select(AuditEvent.dossier_id, AuditEvent.to_state, AuditEvent.at)
        .where(AuditEvent.dossier_id.in_(dossier_ids), AuditEvent.to_state.is_not(None))
        .order_by(AuditEvent.dossier_id, AuditEvent.seq))
    current: tuple[int, str, datetime] | None = None
    for dossier_id, to_state, at in rows:
        if current is not None and current[0] == dossier_id:
            out[current[1]].append((at - current[2]).total_seconds() / 86400)
        elif current is not None and current[1] not in TERMINAL:
            out[current[1]].append((now - current[2]).total_seconds() / 86400)
        current = (dossier_id, to_state, at)
    if current is not None and current[1] not in TERMINAL:
        out[current[1]].append((now - current[2]).total_seconds() / 86400)
    return out


def weak_criteria(query, limit_per_group: int = 3) -> list[dict]:
    """Per group, the criteria most households in self-assessment have not met yet (their latest assessment)."""
    in_assessment = query.where(Dossier.state == State.SELF_ASSESSMENT.value)
    rows = db.session.execute(
        select(Dossier.unit_id, Criterion.code, Criterion.name, func.count(AssessmentItem.id))
        .join(AssessmentItem, AssessmentItem.dossier_id == Dossier.id)
        .join(Criterion, Criterion.id == AssessmentItem.criterion_id)
        .where(Dossier.id.in_(_ids(in_assessment)), AssessmentItem.met.is_(False))
        .group_by(Dossier.unit_id, Criterion.code, Criterion.name))
    households = dict(db.session.execute(
        select(Dossier.unit_id, func.count(Dossier.id)).where(Dossier.id.in_(_ids(in_assessment)))
        .group_by(Dossier.unit_id)).all())
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(households) or [0]))).all())
    by_unit: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for unit_id, code, name, failing in rows:
        by_unit[unit_id].append((failing, code, name))
    out = []
    for unit_id in sorted(by_unit, key=lambda u: names.get(u, "")):
        top = sorted(by_unit[unit_id], key=lambda r: (-r[0], r[1]))[:limit_per_group]
        out.append({"unit_id": unit_id, "unit_name": names.get(unit_id, ""), "households": households.get(unit_id, 0),
                    "criteria": [{"code": code, "name": name, "failing": failing} for failing, code, name in top]})
    return out


def compute(user: User, filters: dict, now: datetime | None = None) -> Stats:
    """The figures for the dossiers the list would show with these filters (campaign_id, unit_id, title).
    Bad filters raise ValidationFailed, as the list's do."""
    now = now or clock.now()
    filters = {k: v for k, v in filters.items() if k in ("campaign_id", "unit_id", "title") and v not in (None, "")}
    query = dossier_query(user, filters)
    ids = _ids(query)
    counts = db.session.execute(
        select(Dossier.state, Dossier.title, Dossier.unit_id, func.count(Dossier.id))
        .where(Dossier.id.in_(ids)).group_by(Dossier.state, Dossier.title, Dossier.unit_id)).all()
    by_state = {s.value: 0 for s in State}
    by_title = {t.value: Line(t.value, t.value) for t in Title}
    units: dict[int, Line] = {}
    for state, title, unit_id, n in counts:
        by_state[state] = by_state.get(state, 0) + n
        _count_result(by_title.setdefault(title, Line(title, title)), state, n)
        _count_result(units.setdefault(unit_id, Line(str(unit_id), "")), state, n)
    for unit in db.session.scalars(select(Unit).where(Unit.id.in_(list(units) or [0]))):
        units[unit.id].label = unit.name
    overdue_query = dossier_query(user, {**filters, "overdue": "true"})
    overdue = db.session.scalar(select(func.count()).select_from(overdue_query.subquery())) or 0
    years: dict[int, Line] = {}
    year_filters = {k: v for k, v in filters.items() if k != "campaign_id"}
    year_query = dossier_query(user, year_filters)
    for year, state, n in db.session.execute(
            select(Campaign.year, Dossier.state, func.count(Dossier.id))
            .join(Campaign, Campaign.id == Dossier.campaign_id)
            .where(Dossier.id.in_(_ids(year_query))).group_by(Campaign.year, Dossier.state)):
        _count_result(years.setdefault(year, Line(str(year), str(year))), state, n)
    stay = stays(ids, now)
    days = {s.value: {"avg": round(sum(stay[s.value]) / len(stay[s.value]), 1) if stay.get(s.value) else 0,
                      "max": round(max(stay[s.value]), 1) if stay.get(s.value) else 0,
                      "count": len(stay.get(s.value, []))} for s in STAGES}
    return Stats(total=sum(by_state.values()), by_state=by_state,
                 by_title={k: v for k, v in by_title.items() if v.total or k in set(Title)},
                 by_unit=sorted(units.values(), key=lambda u: u.label), by_year=[years[y] for y in sorted(years)],
                 recognized=by_state[State.RECOGNIZED] + by_state[State.REVOKED],
                 refused=by_state[State.NOT_RECOGNIZED], withdrawn=by_state[State.WITHDRAWN], overdue=overdue,
                 days_in_stage=days, weak_criteria=weak_criteria(query))
