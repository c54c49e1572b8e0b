"""Creating and editing dossiers, the facts guards ask about, and the one function that moves a dossier."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from models import Campaign, Decision, Dossier, Objection, RoleAssignment, Unit, User
from states.enums import TERMINAL_STATES, Outcome, Role, State, Title, Trigger, UnitKind, VoteChoice
from states.guards import GuardContext, evaluate, meets_share
from states.labels import ROLE_LABELS, STATE_LABELS, TRIGGER_LABELS
from states.machine import GuardFailed, TransitionNotPossible, fire
from states.table import RULES, Rule, rules_from
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import audit
from workflow.services.criteria import current_set
from workflow.services.errors import (
    Conflict,
    Forbidden,
    GuardRefused,
    InvalidTransition,
    ValidationFailed,
    VersionConflict,
)
from workflow.services.scope import holds_role_over
from workflow.services.search import fold
from workflow.services.validate import Fields, require_version

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
EDITABLE_FIELDS = ("subject_name", "subject_ref", "subject_address", "note")
FIELD_LIMITS = {"subject_name": 200, "subject_ref": 100, "subject_address": 200, "note": 2000}
REQUIRED_FIELDS = ("subject_name", "subject_ref")


def new_tracking_code() -> str:
    while True:
        code = "KM" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
        if db.session.scalar(select(func.count(Dossier.id)).where(Dossier.tracking_code == code)) == 0:
            return code


def stream_of(dossier: Dossier) -> str:
    return f"dossier:{dossier.id}"


def is_owner(user: User, dossier: Dossier) -> bool:
    return dossier.created_by_id == user.id


def is_party(user: User, dossier: Dossier) -> bool:
    """The creator or the subject: they may never approve a step of this dossier."""
    return dossier.created_by_id == user.id or dossier.subject_user_id == user.id


def acting_role(user: User, rule: Rule, dossier: Dossier) -> Role | None:
    """The role under which `user` may fire `rule` on `dossier`, or None."""
    if rule.owner_only:
        if is_owner(user, dossier) and any(holds_role_over(user, r, dossier.unit) for r in rule.roles):
            return next(r for r in rule.roles if holds_role_over(user, r, dossier.unit))
        return None
    if is_party(user, dossier):
        return None
    for role in sorted(rule.roles):
        if holds_role_over(user, role, dossier.unit):
            return role
    return None


def reviewer_role(user: User, role: Role, dossier: Dossier, action: str) -> None:
    """Refuse a data step (assessment, inspection, vote) unless `user` holds `role` over the dossier."""
    if is_party(user, dossier):
        raise Forbidden(T("Không được %(action)s cho hồ sơ của chính mình.", action=action))
    if not holds_role_over(user, role, dossier.unit):
        raise Forbidden(T("Chỉ %(role)s của đơn vị mới được %(action)s.", role=ROLE_LABELS[role], action=action))


class DossierFacts:
    """What guards may ask about a dossier, answered from the database."""

    def __init__(self, dossier: Dossier):
        self.dossier = dossier

    def criteria_codes(self) -> list[str]:
        return [c.code for c in self.dossier.criteria_set.criteria]

    def assessed_codes(self) -> list[str]:
        points = self.dossier.criteria_set.shape == "points"
        return [i.criterion.code for i in self.dossier.assessment_items
                if (i.points is not None if points else i.met is not None)]

    def inspected_codes(self) -> list[str]:
        return [i.criterion.code for i in self.dossier.inspection_items]

    def disqualifiers(self) -> list[str]:
        return list(self.dossier.disqualifiers_found or [])

    def meeting(self):
        return self.dossier.meeting

    def live_duplicates(self) -> int:
        d = self.dossier
        return db.session.scalar(
            select(func.count(Dossier.id)).where(
                Dossier.campaign_id == d.campaign_id, Dossier.title == d.title,
                func.lower(Dossier.subject_ref) == d.subject_ref.strip().lower(), Dossier.id != d.id,
                # Another registered (live, not draft) dossier blocks this one; ended ones do not.
                Dossier.state.not_in([s.value for s in TERMINAL_STATES | {State.DRAFT}]),
            )
        ) or 0

    def open_objections(self) -> int:
        return db.session.scalar(
            select(func.count(Objection.id)).where(Objection.dossier_id == self.dossier.id,
                                                   Objection.answer.is_(None))
        ) or 0

    def notice_started_at(self) -> datetime | None:
        return self.dossier.state_changed_at if self.dossier.state == State.PUBLIC_NOTICE else None

    def council_size(self) -> int:
        return council_size(self.dossier.campaign)

    def vote_counts(self) -> dict[str, int]:
        counts = {choice.value: 0 for choice in VoteChoice}
        for vote in self.dossier.votes:
            counts[vote.choice] += 1
        return counts


def council_size(campaign: Campaign) -> int:
    """The number of council members of the campaign's ward, counted now."""
    return db.session.scalar(
        select(func.count(func.distinct(RoleAssignment.user_id)))
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == Role.COUNCIL_MEMBER, RoleAssignment.unit_id == campaign.unit_id,
               User.active.is_(True))
    ) or 0


def guard_context(dossier: Dossier, now: datetime | None = None) -> GuardContext:
    return GuardContext(dossier=dossier, campaign=dossier.campaign, facts=DossierFacts(dossier),
                        now=now or clock.now())


@dataclass
class TriggerOption:
    trigger: Trigger
    role: Role
    reasons: list[str]
    comment_required: bool

    @property
    def allowed(self) -> bool:
        return not self.reasons


def trigger_options(user: User, dossier: Dossier, now: datetime | None = None) -> list[TriggerOption]:
    """The triggers this user could fire on this dossier now, each with the guards' reasons when blocked."""
    options = []
    ctx = guard_context(dossier, now)
    for rule in rules_from(State(dossier.state)):
        role = acting_role(user, rule, dossier)
        if role is None:
            continue
        options.append(TriggerOption(rule.trigger, role, evaluate(rule.guards, ctx), rule.comment_required))
    return options


def available_triggers(user: User, dossier: Dossier) -> list[str]:
    return [o.trigger.value for o in trigger_options(user, dossier) if o.allowed]


# --- create and edit -------------------------------------------------------------------------------------

def _subject_field(fields: Fields, name: str) -> str:
    return fields.text(name, required=name in REQUIRED_FIELDS, max_length=FIELD_LIMITS[name])


def create_dossier(actor: User, payload: dict[str, Any], now: datetime | None = None) -> Dossier:
    """A new dossier in `draft`, created by an applicant in the unit it belongs to."""
    now = now or clock.now()
    fields = Fields(payload)
    campaign_id = fields.integer("campaign_id")
    unit_id = fields.integer("unit_id")
    title = fields.text("title", required=True, max_length=30)
    if title and title not in set(Title):
        fields.error("title", T("danh hiệu không hợp lệ: %(titles)s", titles=", ".join(t.value for t in Title)))
    values = {name: _subject_field(fields, name) for name in EDITABLE_FIELDS}
    fields.done()
    campaign = db.session.get(Campaign, campaign_id)
    unit = db.session.get(Unit, unit_id)
    if campaign is None:
        fields.error("campaign_id", T("không có đợt thi đua này"))
    if unit is None:
        fields.error("unit_id", T("không có đơn vị này"))
    fields.done()
    wanted_kind = UnitKind.AGENCY if title == Title.MODEL_AGENCY else UnitKind.GROUP
    if unit.kind != wanted_kind:
        fields.error("unit_id", T("danh hiệu cơ quan kiểu mẫu thuộc một cơ quan, đơn vị")
                     if wanted_kind == UnitKind.AGENCY
                     else T("hồ sơ công dân, gia đình, tổ dân phố thuộc một tổ dân phố"))
    elif not unit.path.startswith(campaign.unit.path):
        fields.error("unit_id", T("đơn vị không thuộc phường của đợt thi đua"))
    criteria_set = current_set(Title(title))
    if criteria_set is None:
        fields.error("title", T("danh hiệu chưa có bộ tiêu chí"))
    fields.done()
    if not holds_role_over(actor, Role.APPLICANT, unit):
        raise Forbidden(T("Bạn không có quyền đăng ký hồ sơ ở đơn vị này."))
    dossier = Dossier(
        tracking_code=new_tracking_code(), title=title, campaign_id=campaign.id, unit_id=unit.id,
        criteria_set_id=criteria_set.id, state=State.DRAFT.value, created_by_id=actor.id,
        state_changed_at=now, created_at=now, updated_at=now, disqualifiers_found=[], **values,
    )
    refresh_search_text(dossier)
    db.session.add(dossier)
    db.session.flush()
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=unit.id, trigger="created",
                 actor=actor, role=Role.APPLICANT, at=now, to_state=State.DRAFT,
                 data={"title": title, "campaign_id": campaign.id, "criteria_set": criteria_set.version})
    return dossier


def edit_dossier(actor: User, dossier: Dossier, payload: dict[str, Any], now: datetime | None = None) -> Dossier:
    """Change a draft's subject fields; only its creator, only while in draft."""
    now = now or clock.now()
    version = require_version(payload.get("version"))
    if not is_owner(actor, dossier):
        raise Forbidden(T("Chỉ người tạo hồ sơ mới được sửa hồ sơ."))
    audit.lock_stream(dossier.id)
    check_version(dossier, version)
    if dossier.state != State.DRAFT:
        raise InvalidTransition(T("Chỉ sửa được hồ sơ ở trạng thái bản nháp."))
    fields = Fields(payload)
    changes = {}
    for name in EDITABLE_FIELDS:
        if name in payload:
            value = _subject_field(fields, name)
            if value != getattr(dossier, name):
                changes[name] = {"from": getattr(dossier, name), "to": value}
    fields.done()
    for name, change in changes.items():
        setattr(dossier, name, change["to"])
    refresh_search_text(dossier)
    touch(dossier, now)
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id, trigger="edited",
                 actor=actor, role=Role.APPLICANT, at=now, data={"changes": changes})
    return dossier


def refresh_search_text(dossier: Dossier) -> None:
    dossier.search_text = fold(" ".join([dossier.subject_name, dossier.subject_ref, dossier.tracking_code]))


def check_version(dossier: Dossier, version: int) -> None:
    if version != dossier.version:
        raise VersionConflict(
            T("Hồ sơ đã được thay đổi bởi người khác (phiên bản hiện tại %(current)s, bạn gửi %(sent)s). "
              "Vui lòng tải lại.", current=dossier.version, sent=version),
            {"version": T("hiện tại là %(current)s", current=dossier.version)}
        )


def touch(dossier: Dossier, now: datetime) -> None:
    """Mark a change so the optimistic lock (`version`) moves and concurrent writers collide."""
    dossier.updated_at = now
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise VersionConflict(T("Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại.")) from exc


# --- the one way a dossier moves ---------------------------------------------------------------------------

def apply_transition(
    actor: User,
    dossier: Dossier,
    trigger: str,
    version: Any,
    comment: str = "",
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
    decision: Decision | None = None,
) -> Dossier:
    """Fire `trigger` on `dossier` as `actor`: role, scope, self-approval, version, input and guards are
    checked; then the state moves and the audit event is written in the caller's transaction."""
    now = now or clock.now()
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ValidationFailed(T("Trường data phải là một đối tượng JSON."), {"data": T("phải là đối tượng")})
    if not isinstance(comment, str):
        raise ValidationFailed(T("Ý kiến phải là chuỗi ký tự."), {"comment": T("phải là chuỗi ký tự")})
    comment = comment.strip()
    try:
        rule = RULES[Trigger(trigger)]
    except ValueError:
        raise ValidationFailed(T("Thao tác không hợp lệ."), {"trigger": T("không có thao tác này")}) from None
    role = acting_role(actor, rule, dossier)
    if role is None:
        raise Forbidden(_forbidden_message(actor, rule, dossier))
    version = require_version(version)
    audit.lock_stream(dossier.id)  # before any write that references the dossier (see lock_stream)
    check_version(dossier, version)
    from_state = State(dossier.state)
    if from_state not in rule.sources:
        raise InvalidTransition(
            T("Không thể “%(step)s” khi hồ sơ đang ở trạng thái “%(state)s”.", step=TRIGGER_LABELS[rule.trigger],
              state=STATE_LABELS[from_state])
        )
    event_data = _validate_data(rule, comment, data, now)
    if rule.trigger in (Trigger.RECOGNIZE, Trigger.REFUSE) and (decision or event_data.get("decision_number")):
        # Resolved before the dossier changes, so writing a new decision row does not flush a half step.
        outcome = Outcome.RECOGNIZE if rule.trigger == Trigger.RECOGNIZE else Outcome.REFUSE
        decision = decision or find_or_create_decision(actor, dossier, event_data["decision_number"],
                                                       event_data["signed_on"], outcome, comment, now)
    # One step, one flush: queries made by guards and follow-ups must not write the half-changed dossier.
    with db.session.no_autoflush:
        try:
            fire(dossier, rule.trigger, guard_context(dossier, now))
        except GuardFailed as exc:
            refusal = GuardRefused(T("Chưa đủ điều kiện: %(reasons)s.", reasons="; ".join(exc.reasons)),
                                   {"trigger": "; ".join(exc.reasons)})
            refusal.reasons = exc.reasons
            raise refusal from None
        except TransitionNotPossible:  # pragma: no cover - the table check above already refused it
            raise InvalidTransition(T("Không thể thực hiện thao tác ở trạng thái hiện tại.")) from None
        event_data.update(_after_step(actor, rule, dossier, event_data, comment, now, decision))
        dossier.state_changed_at = now
    touch(dossier, now)
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id,
                 trigger=rule.trigger, actor=actor, role=role, at=now, from_state=from_state,
                 to_state=dossier.state, comment=comment, data=event_data)
    return dossier


def _forbidden_message(actor: User, rule: Rule, dossier: Dossier) -> str:
    if rule.owner_only:
        return T("Chỉ người tạo hồ sơ mới được thực hiện thao tác này.")
    if is_party(actor, dossier):
        return T("Không được tự phê duyệt hồ sơ của chính mình.")
    return T("Bạn không có vai trò %(roles)s ở đơn vị của hồ sơ này.",
             roles=" / ".join(ROLE_LABELS[r] for r in sorted(rule.roles)))


def _decision_fields(fields: Fields, now: datetime) -> dict[str, Any]:
    out = {"decision_number": fields.text("decision_number", required=True, max_length=60),
           "signed_on": fields.day("signed_on")}
    if out["signed_on"] is not None and out["signed_on"] > now.date():
        fields.error("signed_on", T("ngày ký không thể ở tương lai"))
    return out


def _validate_data(rule: Rule, comment: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The step's own inputs: a reason where the table requires one, the data fields it names."""
    fields = Fields(data)
    if rule.comment_required and not comment:
        fields.error("comment", T("bắt buộc ghi rõ lý do"))
    if len(comment) > 5000:
        fields.error("comment", T("dài quá 5000 ký tự"))
    out: dict[str, Any] = {}
    if {"decision_number", "signed_on"} <= set(rule.data_fields):
        out = _decision_fields(fields, now)
    elif rule.trigger == Trigger.REFUSE and data.get("decision_number"):
        out = _decision_fields(fields, now)  # a refusal may cite the decision too
    elif rule.trigger == Trigger.CLOSE_REVIEW:  # the secretary may note the council's meeting
        if data.get("meeting_date"):
            out["meeting_date"] = fields.day("meeting_date", required=False)
        if data.get("minutes"):
            out["minutes"] = fields.text("minutes", max_length=5000)
    fields.done(T("Thiếu hoặc sai thông tin cho thao tác này."))
    return out


def _after_step(actor: User, rule: Rule, dossier: Dossier, data: dict[str, Any], comment: str,
                now: datetime, decision: Decision | None) -> dict[str, Any]:
    """What a step records beyond the state: the council's tally, the decision, a fresh review."""
    extra: dict[str, Any] = {}
    if rule.trigger == Trigger.CLOSE_REVIEW:
        facts = DossierFacts(dossier)
        counts, size = facts.vote_counts(), facts.council_size()
        recommended = meets_share(counts[VoteChoice.APPROVE], size, dossier.campaign.council_approval)
        dossier.council_recommended = recommended
        extra = {"votes": counts, "council_size": size, "recommended": recommended,
                 "approval_share": dossier.campaign.council_approval}
    elif decision is not None:
        dossier.decision_id = decision.id
        extra = {"decision_id": decision.id, "decision_number": decision.number,
                 "signed_on": decision.signed_on}
    elif rule.trigger == Trigger.SEND_BACK:
        # The council reviews afresh: earlier votes stay in the history, not in the new count.
        extra = {"cleared_votes": len(dossier.votes)}
        dossier.votes.clear()
        dossier.council_recommended = None
    return extra


def find_or_create_decision(actor: User, dossier: Dossier, number: str, signed_on, outcome: Outcome,
                            comment: str, now: datetime) -> Decision:
    ward_id = dossier.campaign.unit_id
    existing = db.session.scalars(
        select(Decision).where(Decision.unit_id == ward_id, Decision.number == number)
    ).first()
    if existing is not None:
        if existing.signed_on != signed_on or existing.outcome != outcome:
            raise Conflict(T("Số quyết định %(number)s đã dùng cho một quyết định khác.", number=number),
                           {"decision_number": T("đã tồn tại với ngày ký hoặc nội dung khác")})
        return existing
    decision = Decision(unit_id=ward_id, number=number, signed_on=signed_on, outcome=outcome.value,
                        comment=comment, created_by_id=actor.id, created_at=now)
    db.session.add(decision)
    db.session.flush()
    return decision
