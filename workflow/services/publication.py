"""The list of those recognized, as the law makes it public, and the posting of a decision's list (niêm yết).

The public list of a campaign holds the dossiers recognized by a signed decision and still standing: a revoked
title leaves it (its certificate page says it was revoked). Only what the law makes public leaves here — the
name, the title, the group, the decision's number and date, the certificate's code — never a personal number,
an address, a score or a comment. The page, its CSV and the API all read `recognized_list`.

After signing, the ward has `publication_days` calendar days (Decree 86/2023; a last day that is not a working
day moves to the next working one) to post the list; the chairman records the day it was posted (`publish`),
and until then the deadline waits on his work list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, func, select, update

from models import Campaign, Decision, Dossier, Unit, User
from states import policy
from states.enums import Action, EventName, Outcome, State, Title
from states.policy import local_day
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import audit, calendar, permissions
from workflow.services.decisions import decision_for
from workflow.services.dossiers import on_behalf
from workflow.services.errors import Conflict, NotFound, ValidationFailed
from workflow.services.listing import soon_until
from workflow.services.scope import unit_filter

TITLE_ORDER = {title.value: n for n, title in enumerate(Title)}


@dataclass(frozen=True)
class Recognized:
    """One line of the public list."""

    subject_name: str
    title: str
    unit_name: str
    decision_number: str
    signed_on: date
    certificate_code: str | None

    def json(self) -> dict:
        return {"subject_name": self.subject_name, "title": self.title, "unit_name": self.unit_name,
                "decision_number": self.decision_number, "signed_on": self.signed_on.isoformat(),
                "certificate_code": self.certificate_code}


def _recognized(campaign_id: int | None = None) -> Select:
    """Dossiers standing recognized by a signed decision that recognizes (never refused, revoked or pending)."""
    query = (select(Dossier, Decision, Unit).join(Decision, Dossier.decision_id == Decision.id)
             .join(Unit, Dossier.unit_id == Unit.id)
             .where(Dossier.state == State.RECOGNIZED.value, Decision.outcome == Outcome.RECOGNIZE.value))
    return query if campaign_id is None else query.where(Dossier.campaign_id == campaign_id)


def natural(text: str) -> tuple:
    """'Tổ dân phố 2' before 'Tổ dân phố 10': numbers compared as numbers, words without case."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text.casefold()))


def recognized_list(campaign_id: int) -> list[Recognized]:
    """The campaign's public list: by title (in the titles' order), then group, then name."""
    rows = db.session.execute(_recognized(campaign_id)).all()
    rows.sort(key=lambda r: (TITLE_ORDER.get(r.Dossier.title, len(TITLE_ORDER)), natural(r.Unit.name),
                             natural(r.Dossier.subject_name), r.Dossier.id))
    return [Recognized(subject_name=r.Dossier.subject_name, title=r.Dossier.title, unit_name=r.Unit.name,
                       decision_number=r.Decision.number, signed_on=r.Decision.signed_on,
                       certificate_code=r.Dossier.certificate_code) for r in rows]


@dataclass
class TitleGroup:
    """The page's table for one title: its lines, in the list's order (by group, then name)."""

    title: str
    items: list[Recognized] = field(default_factory=list)

    @property
    def groups(self) -> int:
        return len({item.unit_name for item in self.items})


def by_title(items: list[Recognized]) -> list[TitleGroup]:
    tables: dict[str, TitleGroup] = {}
    for item in items:
        tables.setdefault(item.title, TitleGroup(item.title)).items.append(item)
    return list(tables.values())


def public_campaigns() -> list[Campaign]:
    """The campaigns whose list is public: those with at least one dossier standing recognized; newest first."""
    having = _recognized().with_only_columns(Dossier.campaign_id).distinct()
    found = db.session.scalars(select(Campaign).where(Campaign.id.in_(having)))
    return sorted(found, key=lambda c: (-c.year, natural(c.unit.name), c.id))


def find_campaign(campaign_id: int | None) -> Campaign | None:
    """The campaign an id names, or None (an id out of range names none and never reaches the database)."""
    if campaign_id is None or not 0 < campaign_id <= limits.ID_MAX:
        return None
    return db.session.get(Campaign, campaign_id)


# --- the posting of a decision's list ---------------------------------------------------------------------------

def campaign_of(decision: Decision) -> Campaign | None:
    """The campaign of the decision's dossiers (a decision is of one ward; in practice of one campaign)."""
    return db.session.scalars(select(Campaign).join(Dossier, Dossier.campaign_id == Campaign.id)
                              .where(Dossier.decision_id == decision.id).order_by(Campaign.year.desc())
                              .limit(1)).first()


def due_on(decision: Decision, campaign: Campaign | None = None) -> date | None:
    """The last day to post a recognizing decision's list: `publication_days` calendar days after signing (a
    last day that is not a working day moves to the next working day); None for a refusal."""
    if decision.outcome != Outcome.RECOGNIZE.value:
        return None
    campaign = campaign or campaign_of(decision)
    if campaign is None:
        return None
    return calendar.count(decision.signed_on, campaign.publication_days, False).ends_on


@dataclass
class Due:
    """As the work list's marks read it (dossier_view.Due's shape)."""

    on: date
    status: str | None  # overdue | today | soon | None
    days: int


def due_mark(day: date, today: date, soon: date) -> Due:
    status = "overdue" if day < today else "today" if day == today else "soon" if day <= soon else None
    return Due(day, status, (day - today).days)


@dataclass
class PublicationItem:
    """A recognizing decision whose list waits to be posted: an item of the chairman's "Việc cần làm"."""

    decision: Decision
    due: Due | None
    returned: None = None
    next_steps: list = field(default_factory=list)

    def urgency(self) -> tuple:
        rank = {"overdue": 0, "today": 1, "soon": 2}.get(self.due.status if self.due else None, 3)
        return rank, self.due.on if self.due else date.max, self.decision.id


def unpublished(user: User, today: date | None = None) -> list[PublicationItem] | None:
    """The recognizing decisions of the wards where the user may record the posting, not yet posted, the most
    urgent first; None when the user may post nowhere (no section at all)."""
    wards = permissions.units_for(user, Action.PUBLISH)
    if not wards:
        return None
    today = today or calendar.local_today()
    soon = soon_until(today)
    decisions = db.session.scalars(
        select(Decision).join(Unit, Decision.unit_id == Unit.id)
        .where(unit_filter(Unit.path, [w.path for w in wards]), Decision.outcome == Outcome.RECOGNIZE.value,
               Decision.published_on.is_(None))
        .where(select(func.count(Dossier.id)).where(Dossier.decision_id == Decision.id).scalar_subquery() > 0))
    items = []
    for decision in decisions:
        day = due_on(decision)
        items.append(PublicationItem(decision, due_mark(day, today, soon) if day else None))
    return sorted(items, key=PublicationItem.urgency)


def may_publish(user: User, decision: Decision, now: datetime | None = None) -> bool:
    """Whether the policy lets the user record the posting of this decision's list (its ward's chairman)."""
    ward = db.session.get(Unit, decision.unit_id)
    return ward is not None and policy.may_at(user, Action.PUBLISH, ward, local_day(now or clock.now())).allowed


@dataclass
class Posting:
    """The decision page's publication block: the deadline, when and by whom the list was posted, the form."""

    due: Due
    campaign: Campaign
    published_by: User | None
    may_publish: bool


def posting(user: User, decision: Decision, today: date | None = None) -> Posting | None:
    """For a recognizing decision: its publication deadline and state; None for a refusal."""
    campaign = campaign_of(decision)
    day = due_on(decision, campaign)
    if campaign is None or day is None:
        return None
    today = today or calendar.local_today()
    mark = due_mark(day, today, soon_until(today)) if decision.published_on is None else Due(day, None, 0)
    return Posting(mark, campaign,
                   db.session.get(User, decision.published_by_id) if decision.published_by_id else None,
                   decision.published_on is None and may_publish(user, decision))


def publish(actor: User, decision_id: int, on: date | None, now: datetime | None = None) -> Decision:
    """Record the day the decision's list of those recognized was posted publicly (the chairman, or his deputy
    under delegation), with its audit event on the decision's stream."""
    now = now or clock.now()
    decision = decision_for(actor, decision_id) if 0 < decision_id <= limits.ID_MAX else None
    if decision is None:
        raise NotFound(T("Không tìm thấy quyết định."))
    allowed = permissions.require_at(actor, Action.PUBLISH, db.session.get(Unit, decision.unit_id), now)
    if decision.outcome != Outcome.RECOGNIZE.value:
        raise Conflict(T("Quyết định không công nhận không có danh sách để niêm yết."))
    if decision.published_on is not None:
        raise Conflict(T("Danh sách theo Quyết định số %(number)s đã được niêm yết ngày %(day)s.",
                         number=decision.number, day=calendar.vn(decision.published_on)))
    today, refused = local_day(now), T("Chưa ghi được ngày niêm yết.")
    if on is None:
        raise ValidationFailed(refused, {"published_on": T("nhập ngày niêm yết danh sách")})
    if on > today:
        raise ValidationFailed(refused, {"published_on": T("ngày niêm yết không thể ở tương lai")})
    if on < decision.signed_on:
        raise ValidationFailed(refused, {"published_on": T("ngày niêm yết không thể trước ngày ký quyết định "
                                                           "(%(day)s)", day=calendar.vn(decision.signed_on))})
    # One posting only, even when two requests race: the row is updated only while it has no date.
    done = db.session.execute(
        update(Decision).where(Decision.id == decision.id, Decision.published_on.is_(None))
        .values(published_on=on, published_by_id=actor.id).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(T("Danh sách theo Quyết định số %(number)s đã được niêm yết.", number=decision.number))
    db.session.expire(decision, ["published_on", "published_by_id"])
    audit.record(stream=f"decision:{decision.id}", unit_id=decision.unit_id, trigger=EventName.LIST_PUBLISHED,
                 actor=actor, role=allowed.role, at=now,
                 data={"decision_id": decision.id, "decision_number": decision.number,
                       "published_on": on, "due_on": due_on(decision), **on_behalf(allowed)})
    return decision
