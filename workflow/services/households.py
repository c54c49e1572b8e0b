"""Every household of a group, for a title assessed without registration (Decree 86/2023: “Gia đình văn hóa”):
the households the ward's records know in the group, and the committee's one step that starts a dossier for each
one that has none of that title in the campaign yet.

Where the list comes from: a group keeps no household register here, so it is what the records already say — the
households that earlier dossiers were about (a household title, any campaign, in the group or a group merged into
it: the head's number, and the latest dossier's name, address and members), and the residents with an account in
the group (the applicant role there) who belong to none of those households, each as the head of her own. One
household per reference (the head's personal number, or an older household book number), case and spaces aside.

Starting them is registering them on the households' behalf, as the committee's Excel list does
(services/registrations.py): the same submit guards — a title assessed for every household takes dossiers from
the registration's opening to the assessment deadline — born `registered`, one CREATED event each; all of them in
one transaction, or none, each blocker named.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import String, func, select

from models import Campaign, Dossier, RoleAssignment, Unit, User
from states.enums import Action, Role, Title
from states.guards import GuardContext, evaluate, in_registration_window
from states.labels import TITLE_LABELS
from states.policy import Verdict
from states.text import T
from states.titles import HOUSEHOLD_TITLES, every_household
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import bulk, permissions, registrations
from workflow.services.batch import reason_of
from workflow.services.dossiers import registration_target
from workflow.services.errors import Conflict, GuardRefused, NotFound, ServiceError, ValidationFailed
from workflow.services.validate import Fields

HEAD = "Chủ hộ"  # a household member's relation to the head, as the registration form prints it


@dataclass
class Household:
    """A household of the group as the records know it."""

    ref: str  # the head's personal number (or an older dossier's household book number)
    name: str  # "Hộ ông Nguyễn Văn An"
    address: str = ""
    members: list[dict[str, str]] = field(default_factory=list)
    source: str = "dossier"  # "dossier": an earlier household dossier; "account": a resident's own account
    existing: Dossier | None = None  # its dossier of the title in the campaign: then no new one is started

    @property
    def key(self) -> str:
        return key_of(self.ref)


@dataclass
class HouseholdPlan:
    """What the one step would do now: a dossier for each household without one, the others left as they are."""

    campaign: Campaign
    unit: Unit
    title: Title
    households: list[Household]
    refused: list[str]  # why no dossier can be started now (outside the campaign's days); empty when they can
    allowed: Verdict

    @property
    def to_start(self) -> list[Household]:
        return [h for h in self.households if h.existing is None]

    @property
    def skipped(self) -> list[Household]:
        return [h for h in self.households if h.existing is not None]

    @property
    def digest(self) -> str:
        """A short fingerprint of the households to start: the confirmation carries the preview's, so that a list
        that changed in between is shown again rather than started unseen."""
        joined = "\n".join(sorted(h.key for h in self.to_start))
        return hashlib.sha256(joined.encode()).hexdigest()[:16]


def key_of(ref: str) -> str:
    return "".join((ref or "").split()).lower()


def household_name(full_name: str, personal_id: str) -> str:
    """'Hộ ông Nguyễn Văn An' / 'Hộ bà …': the personal number's fourth digit is the century and sex (even: a man)."""
    digit = personal_id[3:4]
    if not digit.isdigit():
        return f"Hộ {full_name}"
    return f"Hộ {'ông' if int(digit) % 2 == 0 else 'bà'} {full_name}"


def known_households(unit: Unit) -> list[Household]:
    """The households of `unit` (and of the groups merged into it, which sit under it) that the records know, by
    name: earlier household dossiers first (the newest names the household), then residents' accounts."""
    under = select(Unit.id).where(Unit.path.like(unit.path + "%"))
    found: dict[str, Household] = {}
    dossiers = db.session.scalars(
        select(Dossier).where(Dossier.unit_id.in_(under), Dossier.title.in_([t.value for t in HOUSEHOLD_TITLES]))
        .order_by(Dossier.created_at.desc(), Dossier.id.desc()))
    for dossier in dossiers:
        key = key_of(dossier.subject_ref)
        if key and key not in found:
            found[key] = Household(
                ref=dossier.subject_ref.strip(), name=dossier.subject_name, address=dossier.subject_address or "",
                members=[{"name": m.name, "personal_id": m.personal_id or "", "relation": m.relation or ""}
                         for m in dossier.members])
    people = set(found) | {key_of(m["personal_id"]) for h in found.values() for m in h.members if m["personal_id"]}
    residents = db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.APPLICANT.value, RoleAssignment.unit_id.in_(under),
               User.active.is_(True), User.personal_id.is_not(None))
        .order_by(User.full_name, User.id).distinct())
    for user in residents:
        key = key_of(user.personal_id)
        if key in people:
            continue
        people.add(key)
        found[key] = Household(ref=user.personal_id, name=household_name(user.full_name, user.personal_id),
                               members=[{"name": user.full_name, "personal_id": user.personal_id, "relation": HEAD}],
                               source="account")
    return sorted(found.values(), key=lambda h: (h.name.casefold(), h.key))


def _existing(campaign: Campaign, title: Title, households: list[Household]) -> dict[str, Dossier]:
    """Each household's dossier of `title` in `campaign` already (any state: withdrawn or refused ones too, which
    the committee does not start again behind the household's back), the newest when several."""
    found: dict[str, Dossier] = {}
    key = func.lower(Dossier.subject_ref, type_=String())
    for chunk in bulk.chunks({h.key for h in households}):
        for dossier in db.session.scalars(select(Dossier).where(
                Dossier.campaign_id == campaign.id, Dossier.title == title.value, bulk.among(key, chunk))
                .order_by(Dossier.id)):
            found[key_of(dossier.subject_ref)] = dossier
    return found


def _resolve(actor: User, campaign_id: Any, unit_id: Any, title: Any, now: datetime
             ) -> tuple[Campaign, Unit, Title, Verdict]:
    """The campaign, the group and the title asked for, checked: 404 for an unknown campaign or group, 403 without
    the right to register on the group's behalf, 422 for a title one registers for or a group outside the ward."""
    campaign = db.session.get(Campaign, campaign_id) if isinstance(campaign_id, int) \
        and 0 < campaign_id <= limits.ID_MAX else None
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) and 0 < unit_id <= limits.ID_MAX else None
    if campaign is None or unit is None:
        raise NotFound(T("Không tìm thấy đợt thi đua hoặc tổ dân phố."))
    allowed = permissions.require_at(actor, Action.REGISTER_ON_BEHALF, unit, now)
    if title not in set(Title) or not every_household(title):
        choices = ", ".join(TITLE_LABELS[t] for t in Title if every_household(t))
        raise ValidationFailed(T("Chỉ lập hồ sơ cho mọi hộ với danh hiệu xét cho mọi hộ gia đình: %(titles)s.",
                                 titles=choices), {"title": T("danh hiệu này do hộ, người dân tự đăng ký")})
    title = Title(title)
    registration_target(Fields({}), campaign, unit, title.value, now)  # a group of the ward, still there; criteria
    return campaign, unit, title, allowed


def plan(actor: User, campaign_id: Any, unit_id: Any, title: Any, now: datetime | None = None) -> HouseholdPlan:
    """The group's households for the title in the campaign: those that would get a dossier now, those that have
    one, and why none could be started today (outside the campaign's days for the title)."""
    now = now or clock.now()
    campaign, unit, title, allowed = _resolve(actor, campaign_id, unit_id, title, now)
    households = known_households(unit)
    existing = _existing(campaign, title, households)
    for household in households:
        household.existing = existing.get(household.key)
    refused = evaluate((in_registration_window,), GuardContext(
        dossier=SimpleNamespace(title=title.value), campaign=campaign, facts=None, now=now))
    return HouseholdPlan(campaign, unit, title, households, refused, allowed)


class HouseholdsBlocked(ServiceError):
    """Some households could not be started, so none was. `fields` = {"<reference>": why}."""

    def __init__(self, blocked: dict[str, ServiceError], names: dict[str, str]):
        first = next(iter(blocked.values()))
        self.code, self.status = first.code, first.status
        super().__init__(T("Chưa lập hồ sơ nào: %(count)s hộ chưa thể lập hồ sơ. %(details)s", count=len(blocked),
                           details=" | ".join(f"{names.get(ref, ref)}: {reason_of(error)}"
                                              for ref, error in blocked.items())),
                         {ref: reason_of(error) for ref, error in blocked.items()})
        self.blocked = blocked


def start(actor: User, campaign_id: Any, unit_id: Any, title: Any, now: datetime | None = None, *,
          seen: str | None = None) -> list[registrations.Registered]:
    """Start a dossier of an every-household title for each household of the group that has none in the campaign:
    registered on the households' behalf, all in the caller's transaction, or none (HouseholdsBlocked naming each
    blocker). `seen`: the preview's digest; a list that changed since is refused (409) so it can be seen first."""
    now = now or clock.now()
    _resolve(actor, campaign_id, unit_id, title, now)
    # Two starts for one group take turns (the group's row locked until the transaction ends; SQLite locks the
    # file): the second finds the first one's dossiers and leaves those households out.
    db.session.execute(select(Unit.id).where(Unit.id == unit_id).with_for_update())
    found = plan(actor, campaign_id, unit_id, title, now)
    if seen is not None and seen != found.digest:
        raise Conflict(T("Danh sách hộ đã thay đổi từ lúc xem trước: hãy xem lại danh sách rồi xác nhận."),
                       {"households": T("danh sách đã thay đổi")})
    if found.refused:
        refusal = GuardRefused(T("Chưa đủ điều kiện: %(reasons)s.", reasons="; ".join(found.refused)),
                               {"campaign_id": "; ".join(found.refused)})
        refusal.reasons = found.refused
        raise refusal
    households = found.to_start
    if not households:
        raise Conflict(T("Mọi hộ đã biết của %(unit)s đều đã có hồ sơ “%(title)s” trong đợt thi đua này.",
                         unit=found.unit.name, title=TITLE_LABELS[found.title]),
                       {"unit_id": T("không còn hộ nào chưa có hồ sơ")})
    payloads = [{"campaign_id": found.campaign.id, "unit_id": found.unit.id, "title": found.title.value,
                 "subject_name": h.name, "subject_ref": h.ref, "subject_address": h.address,
                 "members": h.members, "on_behalf": True} for h in households]
    event_data = [{"every_household": True} for _ in households]
    if registrations.set_based():
        outcomes = registrations.register_on_behalf(actor, found.allowed, found.campaign, found.unit, payloads, now,
                                                    event_data)
    else:
        outcomes = _one_by_one(actor, payloads, now, event_data)
    blocked = {h.ref: outcome for h, outcome in zip(households, outcomes, strict=True)
               if isinstance(outcome, ServiceError)}
    if blocked:
        raise HouseholdsBlocked(blocked, {h.ref: h.name for h in households})
    return outcomes


def _one_by_one(actor: User, payloads: list[dict[str, Any]], now: datetime,
                event_data: list[dict[str, Any]]) -> list[registrations.Registered | ServiceError]:
    """Each household through create_dossier itself (when the set-based path does not know the rules of the day),
    each in its own savepoint so that a refusal leaves the others' work standing until the whole is judged."""
    from workflow.services.dossiers import create_dossier

    outcomes: list[registrations.Registered | ServiceError] = []
    for payload, data in zip(payloads, event_data, strict=True):
        savepoint = db.session.begin_nested()
        try:
            dossier = create_dossier(actor, payload, now, event_data=data)
        except ServiceError as error:
            savepoint.rollback()
            outcomes.append(error)
            continue
        savepoint.commit()
        outcomes.append(registrations.Registered(dossier.id, dossier.tracking_code))
    return outcomes
