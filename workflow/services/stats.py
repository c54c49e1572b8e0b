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

from sqlalchemy import Float, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from models import AssessmentItem, AuditEvent, Campaign, Criterion, Dossier, Unit, User
from states.enums import State, Title
from workflow import clock
from workflow.extensions import db
from workflow.services.listing import dossier_query, local_today, overdue_condition

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
    """The ids a dossier query selects, as a subquery to filter by."""
    return query.with_only_columns(Dossier.id).order_by(None)


def _count_result(line: Line, state: str, n: int) -> None:
    line.total += n
    if state in (State.RECOGNIZED, State.REVOKED):
        line.recognized += n
    elif state == State.NOT_RECOGNIZED:
        line.refused += n


class days_between(FunctionElement):
    """Days (a fraction) from the first stored moment to the second, computed by the database."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between)
def _days_between_postgresql(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


def stays(dossier_ids, now: datetime) -> dict[str, dict[str, float | int]]:
    """Per stage: how many stays the dossiers among `dossier_ids` (a subquery) had in it, their total and longest
    days, from the audit history's state changes (a stay ends at the next one; an unfinished stay counts up to
    now). One aggregate in the database: the stays are never read here one by one."""
    transitions = (select(AuditEvent.to_state.label("state"), AuditEvent.at.label("entered"),
                          func.lead(AuditEvent.at).over(partition_by=AuditEvent.dossier_id,
                                                        order_by=AuditEvent.seq).label("left"))
                   .where(AuditEvent.dossier_id.in_(dossier_ids), AuditEvent.to_state.is_not(None)).subquery())
    # A stage is never final, so its stay ends at the next change or, for the last one, now.
    days = days_between(transitions.c.entered,
                        func.coalesce(transitions.c.left, literal(now, AuditEvent.at.type)))
    rows = db.session.execute(
        select(transitions.c.state, func.count(), func.sum(days), func.max(days))
        .where(transitions.c.state.in_([s.value for s in STAGES])).group_by(transitions.c.state))
    found = {state: (n, float(total), float(longest)) for state, n, total, longest in rows}
    return {s.value: {"avg": round(found[s.value][1] / found[s.value][0], 1) if s.value in found else 0,
                      "max": round(found[s.value][2], 1) if s.value in found else 0,
                      "count": found[s.value][0] if s.value in found else 0} for s in STAGES}


def weak_criteria(query, households: dict[int, int], names: dict[int, str],
                  limit_per_group: int = 3) -> list[dict]:
    """Per group, the criteria most households in self-assessment have not met yet (their latest assessment).
    `households`: how many dossiers of each group are in self-assessment; `names`: the groups' names."""
    in_assessment = query.where(Dossier.state == State.SELF_ASSESSMENT.value)
    rows = db.session.execute(
        in_assessment.with_only_columns(Dossier.unit_id, AssessmentItem.criterion_id, func.count(AssessmentItem.id))
        .join(AssessmentItem, AssessmentItem.dossier_id == Dossier.id).where(AssessmentItem.met.is_(False))
        .group_by(Dossier.unit_id, AssessmentItem.criterion_id)).all()
    criteria = {c.id: c for c in db.session.execute(
        select(Criterion.id, Criterion.code, Criterion.name)
        .where(Criterion.id.in_({criterion_id for _, criterion_id, _ in rows} or {0})))}
    by_unit: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for unit_id, criterion_id, n in rows:
        criterion = criteria[criterion_id]
        by_unit[unit_id].append((n, criterion.code, criterion.name))
    out = []
    for unit_id in sorted(by_unit, key=lambda u: names.get(u, "")):
        top = sorted(by_unit[unit_id], key=lambda r: (-r[0], r[1]))[:limit_per_group]
        out.append({"unit_id": unit_id, "unit_name": names.get(unit_id, ""), "households": households.get(unit_id, 0),
                    "criteria": [{"code": code, "name": name, "failing": n} for n, code, name in top]})
    return out


def compute(user: User, filters: dict, now: datetime | None = None) -> Stats:
    """The figures for the dossiers the list would show with these filters (campaign_id, unit_id, title).
    Bad filters raise ValidationFailed, as the list's do. Each figure is one aggregate over the scope in the
    database (the dossiers' own indexed columns; the history only for the days in each stage)."""
    now = now or clock.now()
    filters = {k: v for k, v in filters.items() if k in ("campaign_id", "unit_id", "title") and v not in (None, "")}
    query = dossier_query(user, filters).order_by(None)
    late = overdue_condition(local_today())
    counts = db.session.execute(
        query.with_only_columns(Dossier.state, Dossier.title, Dossier.unit_id, func.count(Dossier.id),
                                func.sum(case((late, 1), else_=0)))
        .group_by(Dossier.state, Dossier.title, Dossier.unit_id)).all()
    by_state = {s.value: 0 for s in State}
    by_title = {t.value: Line(t.value, t.value) for t in Title}
    units: dict[int, Line] = {}
    households: dict[int, int] = defaultdict(int)
    overdue = 0
    for state, title, unit_id, n, late_n in counts:
        by_state[state] = by_state.get(state, 0) + n
        _count_result(by_title.setdefault(title, Line(title, title)), state, n)
        _count_result(units.setdefault(unit_id, Line(str(unit_id), "")), state, n)
        overdue += late_n or 0
        if state == State.SELF_ASSESSMENT:
            households[unit_id] += n
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(units) or [0]))).all())
    for unit_id, line in units.items():
        line.label = names.get(unit_id, "")
    years: dict[int, Line] = {}
    year_filters = {k: v for k, v in filters.items() if k != "campaign_id"}
    year_query = dossier_query(user, year_filters).order_by(None)
    for year, state, n in db.session.execute(
            year_query.with_only_columns(Campaign.year, Dossier.state, func.count(Dossier.id))
            .join(Campaign, Campaign.id == Dossier.campaign_id).group_by(Campaign.year, Dossier.state)):
        _count_result(years.setdefault(year, Line(str(year), str(year))), state, n)
    return Stats(total=sum(by_state.values()), by_state=by_state,
                 by_title={k: v for k, v in by_title.items() if v.total or k in set(Title)},
                 by_unit=sorted(units.values(), key=lambda u: u.label), by_year=[years[y] for y in sorted(years)],
                 recognized=by_state[State.RECOGNIZED] + by_state[State.REVOKED],
                 refused=by_state[State.NOT_RECOGNIZED], withdrawn=by_state[State.WITHDRAWN], overdue=overdue,
                 days_in_stage=stays(_ids(query), now), weak_criteria=weak_criteria(query, households, names))
