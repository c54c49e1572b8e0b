"""Next year: register again from an ended dossier. The subject, its household and its group are copied into the
later campaign's new dossier through the ordinary registration (services/dossiers.create_dossier) — nothing else
(no assessment, notes, files or votes). The applicant renews her own dossier as a draft she checks and submits;
the group's committee renews for a resident as a registration on her behalf, one dossier or a whole group's list
at once (all or none). Both dossiers' histories say so: the new one's CREATED names the old, the old one gets
RENEWED naming the new one and its campaign — in the one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from models import Campaign, Dossier, Unit, User
from states import policy
from states.enums import Action, EventName, Role, State
from states.labels import STATE_LABELS
from states.policy import ENDED, LIVE, Verdict, local_day
from states.text import T
from states.titles import registration_window, takes_registrations
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import audit, permissions
from workflow.services.batch import BatchBlocked, reason_of
from workflow.services.dossiers import create_dossier, record_step
from workflow.services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from workflow.services.scope import get_dossier_for, visible_dossiers
from workflow.services.validate import Fields


def successor(unit: Unit, today: date) -> Unit | None:
    """The unit that carries `unit` on today: itself, or the unit it was merged into (and so on); None when it
    ended without one."""
    seen: set[int] = set()
    while not unit.exists_on(today):
        if unit.merged_into is None or unit.id in seen:
            return None
        seen.add(unit.id)
        unit = unit.merged_into
    return unit


def _ward_ids(old: Dossier, today: date) -> set[int]:
    """The old campaign's ward, and its successor when the ward itself was merged since."""
    ward = old.campaign.unit
    later = successor(ward, today)
    return {ward.id} | ({later.id} if later is not None else set())


def _open_on(campaign: Campaign, today: date, title: str | None = None) -> bool:
    """Taking a dossier of `title` today (of any title when None): a title assessed for every household until the
    assessment deadline (states/titles.registration_window)."""
    return takes_registrations(campaign, today, None if title is None else [title])


def next_campaign_after(campaign: Campaign, today: date | None = None, title: str | None = None) -> Campaign | None:
    """The ward's campaign after `campaign` taking registrations today (Vietnam's date) — for `title`, or for any
    title: a later year, the earliest first (the ward's successor's, when the ward was merged since)."""
    today = today or local_day(clock.now())
    later = successor(campaign.unit, today)
    wards = {campaign.unit_id} | ({later.id} if later is not None else set())
    campaigns = db.session.scalars(select(Campaign).where(Campaign.unit_id.in_(wards), Campaign.year > campaign.year)
                                   .order_by(Campaign.year, Campaign.id))
    return next((c for c in campaigns if _open_on(c, today, title)), None)


def next_campaign(old: Dossier, today: date | None = None) -> Campaign | None:
    """Where `old` would be renewed by default: its ward's next campaign taking its title's registrations today."""
    return next_campaign_after(old.campaign, today, old.title)


def _target(old: Dossier, campaign_id: int | None, today: date) -> Campaign:
    """The campaign to register in: the one asked for, checked; or the ward's next one open today."""
    if campaign_id is None:
        campaign = next_campaign(old, today)
        if campaign is None:
            raise Conflict(T("Chưa có đợt thi đua năm sau nào của phường đang nhận đăng ký."),
                           {"campaign_id": T("chưa có đợt nào đang nhận đăng ký")})
        return campaign
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise ValidationFailed(T("Không có đợt thi đua này."), {"campaign_id": T("không có đợt thi đua này")})
    if campaign.unit_id not in _ward_ids(old, today):
        raise ValidationFailed(T("Đợt thi đua %(name)s không phải của phường nơi hồ sơ đã đăng ký.",
                                 name=campaign.name),
                               {"campaign_id": T("đợt thi đua của phường khác")})
    if campaign.year <= old.campaign.year:
        raise ValidationFailed(T("Chỉ đăng ký lại vào đợt thi đua của năm sau năm %(year)s.", year=old.campaign.year),
                               {"campaign_id": T("phải là đợt của năm sau năm %(year)s", year=old.campaign.year)})
    if not _open_on(campaign, today, old.title):
        opens, closes = registration_window(campaign, old.title)
        raise Conflict(T("Đợt %(name)s nhận đăng ký từ %(opens)s đến %(closes)s; hôm nay %(today)s.",
                         name=campaign.name, opens=f"{opens:%d/%m/%Y}", closes=f"{closes:%d/%m/%Y}",
                         today=f"{today:%d/%m/%Y}"),
                       {"campaign_id": T("ngoài thời gian nhận đăng ký")})
    return campaign


def already_registered(old: Dossier, campaign: Campaign) -> Dossier | None:
    """A dossier of the same subject and title in `campaign` that is still live (a draft counts)."""
    return db.session.scalars(select(Dossier).where(
        Dossier.campaign_id == campaign.id, Dossier.title == old.title,
        func.lower(Dossier.subject_ref) == old.subject_ref.strip().lower(),
        Dossier.state.in_([s.value for s in LIVE]),
    ).order_by(Dossier.id)).first()


def _copy(old: Dossier, campaign: Campaign, unit: Unit, on_behalf: bool) -> dict[str, Any]:
    """What a renewal carries over: the title, the subject, its household and its (successor) unit."""
    return {"campaign_id": campaign.id, "unit_id": unit.id, "title": old.title, "subject_name": old.subject_name,
            "subject_ref": old.subject_ref, "subject_address": old.subject_address,
            "members": [{"name": m.name, "personal_id": m.personal_id or "", "relation": m.relation}
                        for m in old.members],
            "on_behalf": on_behalf}


def on_behalf(allowed: Verdict) -> bool:
    """Renewed by the group's committee (not by its applicant): registered on the resident's behalf, as a signed
    paper form — the group registers its list."""
    return allowed.role != Role.APPLICANT


def registration_refused(actor: User, old: Dossier, allowed: Verdict, now: datetime) -> list[str]:
    """Why the actor, allowed to renew `old`, could not register in the group that carries it today (merged
    since, and she holds no role there); empty when she can."""
    today = local_day(now)
    unit = successor(old.unit, today)
    if unit is None:
        return [T("%(unit)s không còn hoạt động", unit=old.unit.name)]
    action = Action.REGISTER_ON_BEHALF if on_behalf(allowed) else Action.REGISTER
    return list(policy.may_at(actor, action, unit, today).reasons)


def may_renew(actor: User, old: Dossier, now: datetime | None = None) -> bool:
    """Would renewing `old` be allowed now: the policy's RENEW on it and registering in its group today."""
    now = now or clock.now()
    allowed = permissions.verdict(actor, Action.RENEW, old, now)
    return allowed.allowed and not registration_refused(actor, old, allowed, now)


def renew_dossier(actor: User, old: Dossier, campaign_id: int | None, now: datetime) -> Dossier:
    """Register `old`'s subject again in a later campaign (the ward's next open one when none is given)."""
    permissions.require(actor, Action.RENEW, old, now, check_state=False)
    audit.lock_stream(old.id)  # two renewals of one dossier run one after the other
    allowed = permissions.require(actor, Action.RENEW, old, now)
    today = local_day(now)
    campaign = _target(old, campaign_id, today)
    unit = successor(old.unit, today)
    if unit is None:
        raise Conflict(T("%(unit)s không còn hoạt động: hãy đăng ký mới ở tổ đang quản lý.", unit=old.unit.name))
    existing = already_registered(old, campaign)
    if existing is not None:
        raise Conflict(T("%(name)s đã có hồ sơ %(code)s (%(state)s) cho danh hiệu này trong %(campaign)s.",
                         name=existing.subject_name, code=existing.tracking_code,
                         state=STATE_LABELS[State(existing.state)], campaign=campaign.name),
                       {"campaign_id": T("đã có hồ sơ %(code)s", code=existing.tracking_code)})
    new = create_dossier(actor, _copy(old, campaign, unit, on_behalf(allowed)), now,
                         event_data={"renewed_from": old.id, "renewed_from_code": old.tracking_code})
    record_step(old, EventName.RENEWED, actor, allowed, now, {
        "dossier_id": new.id, "tracking_code": new.tracking_code, "campaign_id": campaign.id,
        "year": campaign.year, "unit_id": unit.id})
    return new


def parse_campaign(payload: Any) -> int | None:
    fields = Fields(payload)
    campaign_id = fields.integer("campaign_id", required=False, minimum=1, maximum=limits.ID_MAX)
    fields.done(T("Đợt thi đua chưa hợp lệ."))
    return campaign_id


def renew(actor: User, dossier_id: int, campaign_id: int | None = None, now: datetime | None = None) -> Dossier:
    """Renew one dossier in the actor's scope (404 otherwise) into `campaign_id`, or the ward's next campaign."""
    now = now or clock.now()
    return renew_dossier(actor, get_dossier_for(actor, dossier_id), campaign_id, now)


# --- the committee renews a whole group --------------------------------------------------------------------------

@dataclass
class Renewable:
    """Last year's ended dossier of the group, and whether it can be renewed now (else why not)."""

    dossier: Dossier
    reasons: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.reasons

    @property
    def recognized(self) -> bool:
        return self.dossier.state == State.RECOGNIZED


def group_dossiers(actor: User, unit: Unit, campaign: Campaign, target: Campaign | None,
                   now: datetime | None = None) -> list[Renewable]:
    """The ended dossiers of `unit` (and of the groups merged into it) in `campaign` that the actor may renew,
    each with the reason it cannot go into `target` now (already registered, the policy)."""
    now = now or clock.now()
    query = (visible_dossiers(actor).where(Unit.path.like(unit.path + "%"), Dossier.campaign_id == campaign.id,
                                           Dossier.state.in_([s.value for s in ENDED]))
             .order_by(Dossier.subject_name, Dossier.id))
    rows = []
    for dossier in db.session.scalars(query):
        verdict = permissions.verdict(actor, Action.RENEW, dossier, now)
        if verdict.status == 403:  # not the actor's to renew at all
            continue
        reasons = list(verdict.reasons) or registration_refused(actor, dossier, verdict, now)
        if target is not None and not _open_on(target, local_day(now), dossier.title):
            opens, closes = registration_window(target, dossier.title)
            reasons.append(T("%(campaign)s nhận đăng ký danh hiệu này từ %(opens)s đến %(closes)s",
                             campaign=target.name, opens=f"{opens:%d/%m/%Y}", closes=f"{closes:%d/%m/%Y}"))
        if target is not None and (existing := already_registered(dossier, target)) is not None:
            reasons.append(T("đã có hồ sơ %(code)s trong %(campaign)s", code=existing.tracking_code,
                             campaign=target.name))
        rows.append(Renewable(dossier, reasons))
    return rows


class RenewBlocked(BatchBlocked):
    """Some dossiers of the list cannot be renewed, so none was. `fields` = {"<dossier_id>": why}."""

    def __init__(self, blocked: dict[int, ServiceError], dossiers: dict[int, Dossier]):
        super().__init__(blocked, dossiers)
        lines = [f"{dossiers[i].tracking_code} ({dossiers[i].subject_name})" if i in dossiers else f"#{i}"
                 for i in blocked]
        self.message = T("Chưa đăng ký lại hồ sơ nào: %(count)s hồ sơ chưa thể đăng ký lại. %(details)s",
                         count=len(blocked), details=" | ".join(
                             f"{line}: {reason_of(error)}" for line, error in zip(lines, blocked.values(),
                                                                                  strict=True)))
        self.args = (self.message,)


def renew_group(actor: User, dossier_ids: list[int], campaign_id: int | None, now: datetime | None = None
                ) -> list[Dossier]:
    """Renew every listed dossier into one campaign: all are registered again, or none is (each blocker named)."""
    now = now or clock.now()
    wanted = sorted(set(dossier_ids))
    if not 1 <= len(wanted) <= limits.BATCH_MAX:
        raise ValidationFailed(T("Chọn từ 1 đến %(n)s hồ sơ.", n=limits.BATCH_MAX),
                               {"dossier_ids": T("từ 1 đến %(n)s hồ sơ", n=limits.BATCH_MAX)})
    found = {d.id: d for d in db.session.scalars(visible_dossiers(actor).where(Dossier.id.in_(wanted)))}
    blocked: dict[int, ServiceError] = {i: NotFound(T("không tìm thấy hồ sơ")) for i in wanted if i not in found}
    created: list[Dossier] = []
    for dossier_id in sorted(found):  # the lowest id first: one lock order
        if not db.session.is_active:
            break
        try:
            created.append(renew_dossier(actor, found[dossier_id], campaign_id, now))
        except ServiceError as error:
            blocked[dossier_id] = error
    if blocked:
        raise RenewBlocked(blocked, found)
    return created
