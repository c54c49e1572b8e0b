"""“Việc cần làm”: what waits for this user now, per role, with due dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from models import AuditEvent, Campaign, Dossier, Unit, User, Vote
from states.enums import Action, Role, State, Trigger
from states.policy import is_subject, roles_for, states_for
from states.table import RULES, rules_from
from workflow.extensions import db
from workflow.services import permissions, publication
from workflow.services.dossier_view import Due, due, people_of, returns_of
from workflow.services.facts import council_size
from workflow.services.listing import local_today
from workflow.services.scope import reviewer_paths, unit_filter, visible_dossiers

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
        """Overdue first, then due today, due soon, sent back; the rest by their deadline."""
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
    items: list[WorkItem]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def marks(self) -> dict[str, int]:
        """How many of all its items (not only those listed) are overdue, due today, due soon, sent back, and (in
        one's own dossiers) wait for one's next step."""
        counts = {"overdue": 0, "today": 0, "soon": 0, "returned": 0,
                  "todo": sum(1 for item in self.items if item.next_steps)}
        for item in self.items:
            if item.due is not None and item.due.status in counts:
                counts[item.due.status] += 1
            if item.returned is not None:
                counts["returned"] += 1
        return counts


SHOWN = 15  # items a section lists; the count covers them all


def _item(user: User, dossier: Dossier, returns: dict[int, AuditEvent], with_steps: bool = False) -> WorkItem:
    # What the user is expected to do next: an exit (withdraw) or a correction (revoke) is not a next step.
    steps = [o.action for o in permissions.trigger_options(user, dossier)
             if not RULES[o.trigger].exceptional] if with_steps else []
    return WorkItem(dossier, due(dossier), steps, waiting_for=waiting_for(dossier) if with_steps else [],
                    returned=returns.get(dossier.id))


def my_work(user: User) -> list[WorkSection]:
    sections: list[WorkSection] = []
    for key, action in QUEUES:
        roles = roles_for(action)
        paths = reviewer_paths(user, set(roles))
        if not paths:
            continue
        query = (visible_dossiers(user).where(unit_filter(Unit.path, paths),
                                              Dossier.state.in_([s.value for s in states_for(action)]),
                                              Dossier.created_by_id.is_distinct_from(user.id))
                 .order_by(Dossier.updated_at))
        dossiers = [d for d in db.session.scalars(query) if not is_subject(user, d)]
        if action == Action.VOTE:  # a vote already cast is no longer waiting
            voted = set(db.session.scalars(select(Vote.dossier_id).where(Vote.user_id == user.id)))
            dossiers = [d for d in dossiers if d.id not in voted]
        returns = returns_of(d.id for d in dossiers)
        items = sorted((_item(user, d, returns) for d in dossiers), key=WorkItem.urgency)
        if action == Trigger.CLOSE_REVIEW:
            for item in items[:SHOWN]:
                size = council_size(item.dossier.campaign)
                item.progress = f"{len(item.dossier.votes)}/{size}"
        sections.append(WorkSection(key, sorted(roles)[0], items))
    postings = publication.unpublished(user)  # recognizing decisions whose list waits to be posted
    if postings is not None:
        sections.append(WorkSection("publications", Role.CHAIRMAN, postings))
    if permissions.may_somewhere(user, Action.REGISTER) or any(True for _ in _own(user)):
        own = _own(user)
        returns = returns_of(d.id for d in own)
        items = [_item(user, d, returns, with_steps=True) for d in own]
        # What needs the applicant first, then what is under way, what has ended last (newest first in each).
        items.sort(key=lambda item: 0 if item.next_steps else (1 if item.waiting_for else 2))
        sections.insert(0, WorkSection("mine", Role.APPLICANT, items))
    return sections


def _own(user: User) -> list[Dossier]:
    return list(db.session.scalars(select(Dossier).where(Dossier.created_by_id == user.id)
                                   .order_by(Dossier.updated_at.desc())))


@dataclass
class Oversight:
    """What auditors, chairmen and admins watch: the latest changes and the overdue count in their scope."""

    recent: list
    overdue: int
    people: dict = field(default_factory=dict)  # who acted in `recent`, by user id (for their full names)


def oversight(user: User, limit: int = 8) -> Oversight | None:
    from sqlalchemy import func

    from models import AuditEvent
    from workflow.services.listing import audit_query, dossier_query

    if not permissions.may_somewhere(user, Action.READ_AUDIT):
        return None
    recent = list(db.session.scalars(audit_query(user, {}).order_by(AuditEvent.id.desc()).limit(limit)))
    overdue = db.session.scalar(select(func.count()).select_from(
        dossier_query(user, {"overdue": "true"}).subquery())) or 0
    return Oversight(recent, overdue, people_of(recent))


@dataclass
class Registration:
    """The campaigns a new dossier may join: those taking registrations today, and the next one to open."""

    open: list[Campaign]
    upcoming: Campaign | None = None


def registration_campaigns(units: list[Unit], today: date | None = None) -> Registration:
    """Campaigns of the wards over `units` (all wards when none) that take registrations on `today` (Vietnam's
    date), newest first, and the earliest one that opens later."""
    today = today or local_today()
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())).all()
    if units:
        campaigns = [c for c in campaigns if any(u.path.startswith(c.unit.path) for u in units)]
    running = [c for c in campaigns if c.registration_opens <= today <= c.registration_closes]
    later = sorted((c for c in campaigns if c.registration_opens > today), key=lambda c: c.registration_opens)
    return Registration(running, later[0] if later else None)
