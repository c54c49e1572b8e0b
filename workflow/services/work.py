"""“Việc cần làm”: what waits for this user now, per role, with due dates."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from models import Dossier, Unit, User, Vote
from states.enums import Role, State
from states.table import rules_from
from workflow.extensions import db
from workflow.services.dossiers import council_size, trigger_options
from workflow.services.listing import due_date, is_overdue
from workflow.services.scope import reviewer_paths, unit_filter, visible_dossiers

# (role, section key, states) in the order a page shows them.
QUEUES: list[tuple[Role, str, tuple[State, ...]]] = [
    (Role.GROUP_COMMITTEE, "registrations", (State.REGISTERED,)),
    (Role.GROUP_COMMITTEE, "assessments", (State.SELF_ASSESSMENT,)),
    (Role.WARD_INSPECTOR, "notices", (State.PUBLIC_NOTICE,)),
    (Role.WARD_INSPECTOR, "inspections", (State.WARD_INSPECTION,)),
    (Role.COUNCIL_MEMBER, "votes", (State.COUNCIL_REVIEW,)),
    (Role.COUNCIL_SECRETARY, "reviews", (State.COUNCIL_REVIEW,)),
    (Role.CHAIRMAN, "decisions", (State.AWAITING_DECISION,)),
]


@dataclass
class WorkItem:
    dossier: Dossier
    due: object
    overdue: bool
    next_steps: list[str] = field(default_factory=list)
    progress: str = ""
    waiting_for: list[str] = field(default_factory=list)


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


SHOWN = 15  # items a section lists; the count covers them all


def _item(user: User, dossier: Dossier, with_steps: bool = False) -> WorkItem:
    steps = [o.trigger.value for o in trigger_options(user, dossier)] if with_steps else []
    return WorkItem(dossier, due_date(dossier), is_overdue(dossier), steps,
                    waiting_for=waiting_for(dossier) if with_steps else [])


def my_work(user: User) -> list[WorkSection]:
    sections: list[WorkSection] = []
    held = {a.role for a in user.roles}
    for role, key, states in QUEUES:
        if role not in held:
            continue
        condition = unit_filter(Unit.path, reviewer_paths(user, {role}))
        query = (visible_dossiers(user).where(condition, Dossier.state.in_([s.value for s in states]),
                                              Dossier.created_by_id != user.id)
                 .order_by(Dossier.updated_at))
        dossiers = [d for d in db.session.scalars(query) if d.subject_user_id != user.id]
        if key == "votes":
            voted = set(db.session.scalars(select(Vote.dossier_id).where(Vote.user_id == user.id)))
            dossiers = [d for d in dossiers if d.id not in voted]
        items = [_item(user, d) for d in dossiers]
        if key == "reviews":
            for item in items[:SHOWN]:
                size = council_size(item.dossier.campaign)
                item.progress = f"{len(item.dossier.votes)}/{size}"
        sections.append(WorkSection(key, role, items))
    if Role.APPLICANT in held:
        own = db.session.scalars(select(Dossier).where(Dossier.created_by_id == user.id)
                                 .order_by(Dossier.updated_at.desc()))
        items = [_item(user, d, with_steps=True) for d in own]
        # What needs the applicant first, then what is under way, what has ended last (newest first in each).
        items.sort(key=lambda item: 0 if item.next_steps else (1 if item.waiting_for else 2))
        sections.insert(0, WorkSection("mine", Role.APPLICANT, items))
    return sections


@dataclass
class Oversight:
    """What auditors, chairmen and admins watch: the latest changes and the overdue count in their scope."""

    recent: list
    overdue: int


def oversight(user: User, limit: int = 8) -> Oversight | None:
    from sqlalchemy import func

    from models import AuditEvent
    from workflow.services.listing import AUDIT_ROLES, audit_query, dossier_query

    if not {a.role for a in user.roles} & AUDIT_ROLES:
        return None
    recent = list(db.session.scalars(audit_query(user, {}).order_by(AuditEvent.id.desc()).limit(limit)))
    overdue = db.session.scalar(select(func.count()).select_from(
        dossier_query(user, {"overdue": "true"}).subquery())) or 0
    return Oversight(recent, overdue)
