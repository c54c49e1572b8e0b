"""What ward leaders watch (issue 9): per campaign and unit, dossiers per stage, results, pass rates per title and
per group, days spent in each stage, overdue counts, year on year; and for the steering committee's weekly meeting,
which criteria most households of each group still fail in their self-assessment.

Every figure is counted over the dossiers the caller may see with the list's own filters (listing.dossier_query),
so the page, the API and the dossier list always agree — live, up to LIVE_MAX dossiers. A province's (or town's)
whole figures read every dossier and state change of its wards, seconds to tens of seconds at a million: a job
(`flask stats-refresh`, `refresh`) computes them per unit and title, and its leaders read that snapshot, dated.
A scope of several wards lists its results per ward (not per group) and leaves the groups' weak criteria to each
ward's own page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Float, case, delete, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.functions import FunctionElement

from models import AssessmentItem, AuditEvent, Campaign, Criterion, Dossier, StatsSnapshot, Unit, User
from states.enums import State, Title, UnitKind
from states.policy import REVIEWERS, held_units, local_day
from workflow import clock
from workflow.extensions import db
from workflow.services.listing import dossier_query, local_today, overdue_condition
from workflow.services.paging import count_capped
from workflow.services.scope import dossiers_under, outermost

DECIDED = (State.RECOGNIZED, State.NOT_RECOGNIZED, State.REVOKED)
TERMINAL = frozenset({State.RECOGNIZED, State.NOT_RECOGNIZED, State.REVOKED, State.WITHDRAWN,
                      State.REGISTRATION_REJECTED})
STAGES = [s for s in State if s not in TERMINAL]  # where a dossier spends days
LIVE_MAX = 50_000  # dossiers a request counts its figures over; a province's beyond that come from its snapshot
SNAPSHOT_KINDS = frozenset({UnitKind.PROVINCE.value, UnitKind.TOWN.value})  # units over several wards


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
    by_ward: bool = False  # by_unit lists wards (a scope of several), not groups
    as_of: datetime | None = None  # a snapshot's time; None: counted for this request
    pending: bool = False  # a province's figures not computed yet (no snapshot): every figure is 0

    def json(self) -> dict:
        return {"as_of": self.as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if self.as_of else None,
                "pending": self.pending, "by_ward": self.by_ward, "total": self.total, "by_state": self.by_state,
                "by_title": {k: v.json() for k, v in self.by_title.items()},
                "by_unit": [{"unit_id": int(u.key), "unit_name": u.label, **u.json()} for u in self.by_unit],
                "by_year": [{"year": int(y.key), **y.json()} for y in self.by_year],
                "recognized": self.recognized, "refused": self.refused, "withdrawn": self.withdrawn,
                "overdue": self.overdue, "days_in_stage": self.days_in_stage,
                "weak_criteria": self.weak_criteria}

    @classmethod
    def from_json(cls, data: dict, as_of: datetime) -> Stats:
        """The figures `json` gave, as read back from a snapshot."""
        def line(key: str, label: str, row: dict) -> Line:
            return Line(key, label, row["total"], row["recognized"], row["refused"])

        return cls(total=data["total"], by_state=data["by_state"],
                   by_title={k: line(k, k, v) for k, v in data["by_title"].items()},
                   by_unit=[line(str(u["unit_id"]), u["unit_name"], u) for u in data["by_unit"]],
                   by_year=[line(str(y["year"]), str(y["year"]), y) for y in data["by_year"]],
                   recognized=data["recognized"], refused=data["refused"], withdrawn=data["withdrawn"],
                   overdue=data["overdue"], days_in_stage=data["days_in_stage"], weak_criteria=data["weak_criteria"],
                   by_ward=data.get("by_ward", False), as_of=as_of)


def empty(**flags) -> Stats:
    """Every figure 0."""
    return Stats(total=0, by_state={s.value: 0 for s in State},
                 by_title={t.value: Line(t.value, t.value) for t in Title}, by_unit=[], by_year=[], recognized=0,
                 refused=0, withdrawn=0, overdue=0,
                 days_in_stage={s.value: {"avg": 0, "max": 0, "count": 0} for s in STAGES}, **flags)


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
    Bad filters raise ValidationFailed, as the list's do. Counted for this request up to LIVE_MAX dossiers; a
    province's (or town's) whole beyond that is its latest snapshot (`refresh`)."""
    now = now or clock.now()
    filters = {k: v for k, v in filters.items() if k in ("campaign_id", "unit_id", "title") and v not in (None, "")}
    query = dossier_query(user, filters).order_by(None)
    if not filters.get("campaign_id") and not filters.get("unit_id"):
        unit = _snapshot_unit(user)
        if unit is not None and not count_capped(query, LIVE_MAX).exact:
            return stored(unit, filters.get("title", ""))
    year_query = dossier_query(user, {k: v for k, v in filters.items() if k != "campaign_id"}).order_by(None)
    return figures(query, year_query, now)


def _snapshot_unit(user: User) -> Unit | None:
    """The one unit over several wards the user's roles reach (a province's leaders), if that is their scope."""
    units = outermost(held_units(user, REVIEWERS, local_day(clock.now())))
    return units[0] if len(units) == 1 and units[0].kind in SNAPSHOT_KINDS else None


def stored(unit: Unit, title: str) -> Stats:
    """The unit's latest snapshot for the title ("" every title); every figure 0 and `pending` before the first."""
    snapshot = db.session.scalar(select(StatsSnapshot).where(StatsSnapshot.unit_id == unit.id,
                                                             StatsSnapshot.title == title))
    if snapshot is None:
        return empty(pending=True, by_ward=True)
    return Stats.from_json(snapshot.figures, snapshot.computed_at)


def refresh(now: datetime | None = None) -> int:
    """Compute and store the snapshot of every unit over several wards, for every title and all: what
    `flask stats-refresh` runs (hourly, say). Idempotent: a second run replaces the first's rows. The caller
    commits. Returns how many snapshots were written."""
    now = now or clock.now()
    written = 0
    for unit in db.session.scalars(select(Unit).where(Unit.kind.in_(SNAPSHOT_KINDS)).order_by(Unit.path)).all():
        base = (select(Dossier).outerjoin(Unit, Dossier.unit_id == Unit.id).options(contains_eager(Dossier.unit))
                .where(*dossiers_under([unit])))
        for title in ["", *(t.value for t in Title)]:
            query = base.where(Dossier.title == title) if title else base
            data = figures(query, query, now).json()
            db.session.execute(delete(StatsSnapshot).where(StatsSnapshot.unit_id == unit.id,
                                                           StatsSnapshot.title == title))
            db.session.add(StatsSnapshot(unit_id=unit.id, title=title, computed_at=now, figures=data))
            written += 1
    db.session.flush()
    return written


def figures(query, year_query, now: datetime) -> Stats:
    """Every figure over the dossiers `query` selects (`year_query`: the same but for the campaign filter, for
    year on year), each one aggregate in the database: the dossiers' own indexed columns, the history only for
    the days in each stage."""
    query, year_query = query.order_by(None), year_query.order_by(None)
    late = overdue_condition(local_today())
    counts = db.session.execute(
        query.with_only_columns(Dossier.state, Dossier.title, Dossier.unit_id, Dossier.ward_id,
                                func.count(Dossier.id), func.sum(case((late, 1), else_=0)))
        .group_by(Dossier.state, Dossier.title, Dossier.unit_id, Dossier.ward_id)).all()
    by_ward = len({ward_id for *_rest, ward_id, _n, _late in counts}) > 1
    by_state = {s.value: 0 for s in State}
    by_title = {t.value: Line(t.value, t.value) for t in Title}
    units: dict[int, Line] = {}
    households: dict[int, int] = defaultdict(int)
    overdue = 0
    for state, title, unit_id, ward_id, n, late_n in counts:
        by_state[state] = by_state.get(state, 0) + n
        _count_result(by_title.setdefault(title, Line(title, title)), state, n)
        shown = ward_id if by_ward and ward_id is not None else unit_id
        _count_result(units.setdefault(shown, Line(str(shown), "")), state, n)
        overdue += late_n or 0
        if state == State.SELF_ASSESSMENT:
            households[unit_id] += n
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(units) or [0]))).all())
    for unit_id, line in units.items():
        line.label = names.get(unit_id, "")
    years: dict[int, Line] = {}
    for year, state, n in db.session.execute(
            year_query.with_only_columns(Campaign.year, Dossier.state, func.count(Dossier.id))
            .join(Campaign, Campaign.id == Dossier.campaign_id).group_by(Campaign.year, Dossier.state)):
        _count_result(years.setdefault(year, Line(str(year), str(year))), state, n)
    # The groups' weak criteria serve one ward's steering committee: across wards, each ward's page has its own.
    weak = [] if by_ward else weak_criteria(query, households, names)
    return Stats(total=sum(by_state.values()), by_state=by_state,
                 by_title={k: v for k, v in by_title.items() if v.total or k in set(Title)},
                 by_unit=sorted(units.values(), key=lambda u: u.label), by_year=[years[y] for y in sorted(years)],
                 recognized=by_state[State.RECOGNIZED] + by_state[State.REVOKED],
                 refused=by_state[State.NOT_RECOGNIZED], withdrawn=by_state[State.WITHDRAWN], overdue=overdue,
                 days_in_stage=stays(_ids(query), now), weak_criteria=weak, by_ward=by_ward)
