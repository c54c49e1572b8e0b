"""“Việc cần làm”: what waits for this user now, per role, with due dates.

Each section is a few bounded queries, whatever the size of the scope: the most urgent SHOWN dossiers in the
section's order (in SQL), and how many there are in all and per mark, each counted up to COUNT_LIMIT ("hơn 500")."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case, exists, func, literal, or_, select
from sqlalchemy.orm import joinedload, lazyload

from models import AuditEvent, Campaign, Dossier, DossierMember, RoleAssignment, Unit, User, Vote
from states.enums import Action, Role, State, Trigger
from states.policy import roles_for, states_for
from states.table import RULES, TABLE, rules_from
from states.titles import takes_registrations
from workflow.extensions import db
from workflow.services import permissions, publication
from workflow.services.dossier_view import RETURNS, Due, due, people_of, returns_of
from workflow.services.listing import audit_query, dossier_query, local_today, soon_until
from workflow.services.scope import dossiers_under

# Each section of "Việc cần làm" is the policy row of the step it waits for: its roles say who sees the
# section, its states which dossiers are in it. In the order a page shows them.
QUEUES: list[tuple[str, str]] = [
    ("registrations", Trigger.ACCEPT),
    ("assessments", Trigger.SUBMIT_ASSESSMENT),
    ("notices", Trigger.CLOSE_NOTICE),
    ("inspections", Trigger.COMPLETE_INSPECTION),
    ("votes", Action.VOTE),
    ("reviews", Trigger.CLOSE_REVIEW),
    ("decisions", Trigger.RECOGNIZE),
]

SHOWN = 15  # items a section lists
COUNT_LIMIT = 500  # a section counts its dossiers, and each mark, up to this; the page says "hơn 500" beyond

# Where a step that sends a dossier back leaves it: only there can a dossier be "sent back" (its last step).
RETURNED_TO = frozenset(RULES[Trigger(trigger)].dest for trigger in RETURNS)
# Where one's own dossier may wait for one's own step, and where it waits for someone else's (the table's rows).
APPLICANT_MOVES = frozenset(source for rule in TABLE if not rule.exceptional and Role.APPLICANT in rule.roles
                            for source in rule.sources)
OTHERS_MOVE = frozenset(source for rule in TABLE if not rule.exceptional and rule.roles - {Role.APPLICANT}
                        for source in rule.sources)


@dataclass
class WorkItem:
    dossier: Dossier
    due: Due | None
    next_steps: list[str] = field(default_factory=list)
    progress: str = ""
    waiting_for: list[str] = field(default_factory=list)
    returned: AuditEvent | None = None  # the step that sent it back, while it has not moved on

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due.status == "overdue"

    def urgency(self) -> tuple:
        """Overdue first, then due today, due soon, sent back; the rest by their deadline (`_urgency` in SQL)."""
        rank = {"overdue": 0, "today": 1, "soon": 2}.get(self.due.status if self.due else None, 3)
        return rank, self.returned is None, self.due.on if self.due else date.max


def waiting_for(dossier: Dossier) -> list[str]:
    """The roles that move the dossier on from its state, read from the transition table."""
    return sorted({role.value for rule in rules_from(State(dossier.state)) if not rule.exceptional
                   for role in rule.roles if role != Role.APPLICANT})


@dataclass
class WorkSection:
    key: str
    role: Role
    items: list  # the most urgent first (a queue lists at most SHOWN)
    total: int | None = None  # counted up to COUNT_LIMIT + 1; None: `items` are all of them
    tallies: dict[str, int] | None = None  # the marks, counted in SQL as `total` is; None: from `items`
    limit: int = COUNT_LIMIT

    @property
    def count(self) -> int:
        return len(self.items) if self.total is None else self.total

    @property
    def marks(self) -> dict[str, int]:
        """How many of all its items (not only those listed) are overdue, due today, due soon, sent back, and (in
        one's own dossiers) wait for one's next step."""
        if self.tallies is not None:
            return self.tallies
        counts = {"overdue": 0, "today": 0, "soon": 0, "returned": 0,
                  "todo": sum(1 for item in self.items if item.next_steps)}
        for item in self.items:
            if item.due is not None and item.due.status in counts:
                counts[item.due.status] += 1
            if item.returned is not None:
                counts["returned"] += 1
        return counts


def _item(user: User, dossier: Dossier, returns: dict[int, AuditEvent], with_steps: bool = False) -> WorkItem:
    # What the user is expected to do next: an exit (withdraw) or a correction (revoke) is not a next step.
    steps = [o.action for o in permissions.trigger_options(user, dossier)
             if not RULES[o.trigger].exceptional] if with_steps else []
    return WorkItem(dossier, due(dossier), steps, waiting_for=waiting_for(dossier) if with_steps else [],
                    returned=returns.get(dossier.id))


@functools.cache
def sent_back():
    """SQL: the dossier's last state change sent it back (`dossier_view.returns_of`, as a condition; in a dossier's
    own stream `seq` follows the events' order). A correlated subquery with LIMIT: read for each dossier of the
    section, never over every return in the province. Built once (the same clause in every statement)."""
    last = (select(AuditEvent.trigger).where(AuditEvent.dossier_id == Dossier.id, AuditEvent.to_state.is_not(None))
            .order_by(AuditEvent.seq.desc()).limit(1).scalar_subquery())
    return last.in_(list(RETURNS))


def _not_their_own(user: User) -> list:
    """Nobody works on a dossier they applied for or that is about their own household (`policy.is_party`)."""
    conditions = [Dossier.created_by_id.is_distinct_from(user.id)]
    if user.personal_id:
        conditions += [Dossier.subject_ref != user.personal_id,
                       ~exists().where(DossierMember.dossier_id == Dossier.id,
                                       DossierMember.personal_id == user.personal_id)]
    return conditions


def _capped(query: Select):
    """How many rows `query` has, counted up to COUNT_LIMIT + 1."""
    rows = query.with_only_columns(literal(1), maintain_column_froms=True).order_by(None).limit(COUNT_LIMIT + 1)
    return select(func.count()).select_from(rows.subquery())


def _queue(user: User, key: str, action: str, units: list[Unit], today: date, soon: date) -> WorkSection:
    """One section: the SHOWN most urgent dossiers waiting for `action` in `units`, and the counts."""
    states = sorted(s.value for s in states_for(action))
    query = select(Dossier.id).where(or_(*dossiers_under({u.id: u for u in units}.values())),
                                     Dossier.state.in_(states), *_not_their_own(user))
    if action == Action.VOTE:  # a vote already cast is no longer waiting
        query = query.where(~exists().where(Vote.dossier_id == Dossier.id, Vote.user_id == user.id))
    may_be_back = bool(RETURNED_TO & set(states_for(action)))
    # WorkItem.urgency in SQL: the deadline's rank, sent back first within a rank, the deadline, the oldest change.
    # Where no return lands, the rank follows the deadline: the order is the deadline's, which an index can serve.
    order = [Dossier.due_on.asc().nulls_last(), Dossier.updated_at, Dossier.id]
    if may_be_back:
        rank = case((Dossier.due_on < today, 0), (Dossier.due_on == today, 1), (Dossier.due_on <= soon, 2), else_=3)
        order = [rank, case((sent_back(), 0), else_=1), *order]
    dossiers = db.session.scalars(query.with_only_columns(Dossier).order_by(*order).limit(SHOWN)
                                  .options(joinedload(Dossier.unit), lazyload(Dossier.members))).all()
    marks = {"overdue": (Dossier.due_on < today,), "today": (Dossier.due_on == today,),
             "soon": (Dossier.due_on > today, Dossier.due_on <= soon)}
    if may_be_back:
        marks["returned"] = (sent_back(),)
    total, *counts = db.session.execute(
        select(*[_capped(query.where(*condition)).scalar_subquery() for condition in [(), *marks.values()]])).one()
    tallies = {"overdue": 0, "today": 0, "soon": 0, "returned": 0, "todo": 0} | dict(zip(marks, counts, strict=True))
    returns = returns_of(d.id for d in dossiers) if may_be_back else {}
    items = sorted((_item(user, d, returns) for d in dossiers), key=WorkItem.urgency)
    if action == Trigger.CLOSE_REVIEW:
        _tally_votes(items)
    return WorkSection(key, sorted(roles_for(action))[0], items, total, tallies, COUNT_LIMIT)


def _tally_votes(items: list[WorkItem]) -> None:
    """"Đã bỏ phiếu: 4/5" for each listed dossier: its votes and its ward's council (`facts.council_size`), two
    queries for the whole list."""
    ids = [item.dossier.id for item in items] or [0]
    votes = dict(db.session.execute(select(Vote.dossier_id, func.count(Vote.id))
                                    .where(Vote.dossier_id.in_(ids)).group_by(Vote.dossier_id)).all())
    wards = {item.dossier.ward_id for item in items} or {0}
    sizes = dict(db.session.execute(
        select(RoleAssignment.unit_id, func.count(func.distinct(RoleAssignment.user_id)))
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == Role.COUNCIL_MEMBER, RoleAssignment.unit_id.in_(wards), User.active.is_(True))
        .group_by(RoleAssignment.unit_id)).all())
    for item in items:
        item.progress = f"{votes.get(item.dossier.id, 0)}/{sizes.get(item.dossier.ward_id, 0)}"


def my_work(user: User) -> list[WorkSection]:
    """The sections of “Việc cần làm” for `user`: their own dossiers, then each queue they hold a role of."""
    queues = [(key, action, units) for key, action in QUEUES if (units := permissions.units_for(user, action))]
    today = local_today()
    soon = soon_until(today) if queues else today
    sections = [_queue(user, key, action, units, today, soon) for key, action, units in queues]
    postings = publication.unpublished(user)  # recognizing decisions whose list waits to be posted
    if postings is not None:
        sections.append(WorkSection("publications", Role.CHAIRMAN, postings))
    mine = _own(user)
    if permissions.may_somewhere(user, Action.REGISTER) or mine is not None:
        sections.insert(0, mine or WorkSection("mine", Role.APPLICANT, []))
    return sections


def _own(user: User) -> WorkSection | None:
    """The user's own dossiers: what needs them first, then what is under way, what has ended last (newest first in
    each); SQL orders by the table's states, the policy's answer for each listed one settles it. None: no dossier."""
    query = select(Dossier.id).where(Dossier.created_by_id == user.id)
    total = db.session.scalar(_capped(query))
    if not total:
        return None
    group = case((Dossier.state.in_(sorted(APPLICANT_MOVES)), 0), (Dossier.state.in_(sorted(OTHERS_MOVE)), 1),
                 else_=2)
    own = db.session.scalars(query.with_only_columns(Dossier).options(joinedload(Dossier.unit))
                             .order_by(group, Dossier.updated_at.desc(), Dossier.id.desc()).limit(SHOWN)).all()
    returns = returns_of(d.id for d in own)
    items = [_item(user, d, returns, with_steps=True) for d in own]
    items.sort(key=lambda item: 0 if item.next_steps else (1 if item.waiting_for else 2))
    return WorkSection("mine", Role.APPLICANT, items, total if total > len(items) else None, limit=COUNT_LIMIT)


@dataclass
class Oversight:
    """What auditors, chairmen and admins watch: the latest changes and the overdue count in their scope."""

    recent: list
    overdue: int  # counted up to `limit` + 1
    people: dict = field(default_factory=dict)  # who acted in `recent`, by user id (for their full names)
    limit: int = COUNT_LIMIT


def oversight(user: User, limit: int = 8) -> Oversight | None:
    """The latest `limit` changes in the user's audit scope and how many dossiers there are overdue (up to
    COUNT_LIMIT + 1); None for whoever reads no audit log."""
    if not permissions.may_somewhere(user, Action.READ_AUDIT):
        return None
    recent = list(db.session.scalars(audit_query(user, {}).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                     .limit(limit)))
    overdue = db.session.scalar(_capped(dossier_query(user, {"overdue": "true"}))) or 0
    return Oversight(recent, overdue, people_of(recent), COUNT_LIMIT)


@dataclass
class Registration:
    """The campaigns a new dossier may join: those taking registrations today, and the next one to open."""

    open: list[Campaign]
    upcoming: Campaign | None = None


def registration_campaigns(units: list[Unit], today: date | None = None, titles=None) -> Registration:
    """Campaigns of the wards over `units` (all wards when none) that take a dossier of one of `titles` (any title
    when None: a title assessed for every household takes them until the assessment deadline) on `today` (Vietnam's
    date), newest first, and the earliest one that opens later."""
    today = today or local_today()
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())).all()
    if units:
        campaigns = [c for c in campaigns if any(u.path.startswith(c.unit.path) for u in units)]
    running = [c for c in campaigns if takes_registrations(c, today, titles)]
    later = sorted((c for c in campaigns if c.registration_opens > today), key=lambda c: c.registration_opens)
    return Registration(running, later[0] if later else None)
