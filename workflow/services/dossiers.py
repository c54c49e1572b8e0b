"""Creating and editing dossiers, the facts guards ask about, and the one function that moves a dossier."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from models import Campaign, Decision, Dossier, DossierMember, Unit, User
from states.enums import Action, EventName, Outcome, State, Title, Trigger, UnitKind
from states.guards import GuardContext, evaluate
from states.labels import STATE_LABELS, TRIGGER_LABELS
from states.machine import GuardFailed, InputRejected, TransitionNotPossible, fire
from states.policy import Verdict, local_day
from states.table import RULES, Rule
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import audit, permissions, register
from workflow.services.criteria import current_set
from workflow.services.errors import (
    GuardRefused,
    InvalidTransition,
    ValidationFailed,
    VersionConflict,
)
from workflow.services.facts import guard_context
from workflow.services.search import fold
from workflow.services.validate import Fields, require_version

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
EDITABLE_FIELDS = ("subject_name", "subject_ref", "subject_address", "note")
FIELD_LIMITS = {"subject_name": limits.NAME, "subject_ref": limits.REF, "subject_address": limits.ADDRESS,
                "note": limits.NOTE}
REQUIRED_FIELDS = ("subject_name", "subject_ref")
PERSONAL_ID = re.compile(limits.PERSONAL_ID_PATTERN)
MAX_MEMBERS = limits.MEMBERS_MAX
COMMENT_MAX = limits.COMMENT
ID_MAX = limits.ID_MAX


def new_tracking_code() -> str:
    while True:
        code = "KM" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
        if db.session.scalar(select(func.count(Dossier.id)).where(Dossier.tracking_code == code)) == 0:
            return code


def stream_of(dossier: Dossier) -> str:
    return f"dossier:{dossier.id}"


# --- create and edit -------------------------------------------------------------------------------------

def _subject_field(fields: Fields, name: str) -> str:
    return fields.text(name, required=name in REQUIRED_FIELDS, max_length=FIELD_LIMITS[name])


def _members(fields: Fields, raw: Any) -> list[dict[str, str]] | None:
    """A household's members: [{name, personal_id (12 digits, optional), relation}]."""
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_MEMBERS:
        fields.error("members", T("danh sách tối đa %(n)s thành viên {name, personal_id, relation}", n=MAX_MEMBERS))
        return None
    out = []
    for index, item in enumerate(raw):
        sub = Fields(item)
        if not isinstance(item, dict):
            fields.error(f"members[{index}]", T("phải là đối tượng {name, personal_id, relation}"))
            continue
        member = {"name": sub.text("name", required=True, max_length=limits.NAME),
                  "personal_id": sub.text("personal_id", max_length=limits.PERSONAL_ID_DIGITS),
                  "relation": sub.text("relation", max_length=limits.RELATION)}
        if member["personal_id"] and not PERSONAL_ID.fullmatch(member["personal_id"]):
            sub.error("personal_id", T("số định danh cá nhân gồm đúng 12 chữ số"))
        for name, message in sub.errors.items():
            fields.error(f"members[{index}].{name}", message)
        out.append(member)
    return out


def _set_members(dossier: Dossier, members: list[dict[str, str]]) -> None:
    dossier.members.clear()
    for member in members:
        dossier.members.append(DossierMember(name=member["name"], personal_id=member["personal_id"] or None,
                                             relation=member["relation"]))


def parse_registration(payload: Any) -> tuple[Fields, int | None, int | None, str, dict[str, str],
                                               list[dict[str, str]], bool]:
    """A new dossier's payload read as `create_dossier` reads it, before any database read: (the fields, campaign
    id, unit id, title, subject fields, members, on behalf), or ValidationFailed naming each field's problem."""
    fields = Fields(payload)
    campaign_id = fields.integer("campaign_id", maximum=ID_MAX)
    unit_id = fields.integer("unit_id", maximum=ID_MAX)
    title = fields.text("title", required=True, max_length=30)
    if title and title not in set(Title):
        fields.error("title", T("danh hiệu không hợp lệ: %(titles)s", titles=", ".join(t.value for t in Title)))
    values = {name: _subject_field(fields, name) for name in EDITABLE_FIELDS}
    members = _members(fields, payload.get("members") if isinstance(payload, dict) else None) or []
    on_behalf = fields.boolean("on_behalf") or False
    fields.done()
    return fields, campaign_id, unit_id, title, values, members, on_behalf


def registration_target(fields: Fields, campaign: Campaign, unit: Unit, title: str, now: datetime):
    """The criteria set a new dossier of `title` in `unit` for `campaign` is assessed under, or ValidationFailed:
    the unit is not of the title's kind, not in the campaign's ward, no longer exists, or the title has no set."""
    wanted_kind = UnitKind.AGENCY if title == Title.MODEL_AGENCY else UnitKind.GROUP
    if unit.kind != wanted_kind:
        fields.error("unit_id", T("danh hiệu cơ quan kiểu mẫu thuộc một cơ quan, đơn vị")
                     if wanted_kind == UnitKind.AGENCY
                     else T("hồ sơ công dân, gia đình, tổ dân phố thuộc một tổ dân phố"))
    elif not unit.path.startswith(campaign.unit.path):
        fields.error("unit_id", T("đơn vị không thuộc phường của đợt thi đua"))
    elif not unit.exists_on(local_day(now)):
        successor = unit.merged_into
        fields.error("unit_id", T("%(unit)s đã sáp nhập vào %(into)s: đăng ký ở %(into)s", unit=unit.name,
                                  into=successor.name) if successor is not None
                     else T("%(unit)s không còn hoạt động", unit=unit.name))
    criteria_set = current_set(Title(title))
    if criteria_set is None:
        fields.error("title", T("danh hiệu chưa có bộ tiêu chí"))
    fields.done()
    return criteria_set


def create_dossier(actor: User, payload: dict[str, Any], now: datetime | None = None, *,
                   event_data: dict[str, Any] | None = None) -> Dossier:
    """A new dossier: in `draft` when an applicant registers herself; in `registered` when the group's committee
    types in a resident's signed paper form (`on_behalf`) — the resident is its applicant, the typist is noted.
    `event_data` is added to its CREATED event (a renewal names the dossier it came from)."""
    now = now or clock.now()
    fields, campaign_id, unit_id, title, values, members, on_behalf = parse_registration(payload)
    campaign = db.session.get(Campaign, campaign_id)
    unit = db.session.get(Unit, unit_id)
    if campaign is None:
        fields.error("campaign_id", T("không có đợt thi đua này"))
    if unit is None:
        fields.error("unit_id", T("không có đơn vị này"))
    fields.done()
    criteria_set = registration_target(fields, campaign, unit, title, now)
    allowed = permissions.require_at(actor, Action.REGISTER_ON_BEHALF if on_behalf else Action.REGISTER, unit, now)
    applicant = actor
    if on_behalf:  # the resident who signed the form, when she has an account
        applicant = db.session.scalars(select(User).where(User.personal_id == values["subject_ref"])).first()
    dossier = Dossier(
        tracking_code=new_tracking_code(), title=title, campaign=campaign, unit=unit,
        criteria_set=criteria_set, state=State.DRAFT.value,
        created_by_id=applicant.id if applicant else None, entered_by_id=actor.id if on_behalf else None,
        state_changed_at=now, created_at=now, updated_at=now, disqualifiers_found=[], **values,
    )
    _set_members(dossier, members)
    refresh_search_text(dossier)
    data = {"title": title, "campaign_id": campaign.id, "criteria_set": criteria_set.version,
            "members": len(members), **(event_data or {})}
    if on_behalf:
        # A paper registration counts as submitted: the same rules as `submit` apply to it.
        reasons = evaluate(RULES[Trigger.SUBMIT].guards, guard_context(dossier, now))
        if reasons:
            raise GuardRefused(T("Chưa đủ điều kiện: %(reasons)s.", reasons="; ".join(reasons)),
                               {"on_behalf": "; ".join(reasons)})
        dossier.state = State.REGISTERED.value  # born registered, as the paper form was signed
        data.update(on_behalf=True, entered_by=actor.username)
    db.session.add(dossier)
    db.session.flush()
    record_step(dossier, EventName.CREATED, actor, allowed, now, data, to_state=dossier.state)
    return dossier


def edit_dossier(actor: User, dossier: Dossier, payload: dict[str, Any], now: datetime | None = None) -> Dossier:
    """Change a draft's subject fields and members; only its applicant, only while in draft."""
    now = now or clock.now()
    version = require_version(payload.get("version"))
    allowed = permissions.require(actor, Action.EDIT, dossier, now, check_state=False)
    audit.lock_stream(dossier.id)
    check_version(dossier, version)
    permissions.require(actor, Action.EDIT, dossier, now)
    fields = Fields(payload)
    changes = {}
    for name in EDITABLE_FIELDS:
        if name in payload:
            value = _subject_field(fields, name)
            if value != getattr(dossier, name):
                changes[name] = {"from": getattr(dossier, name), "to": value}
    members = _members(fields, payload.get("members"))
    fields.done()
    for name, change in changes.items():
        setattr(dossier, name, change["to"])
    if members is not None:
        changes["members"] = {"from": len(dossier.members), "to": len(members)}
        _set_members(dossier, members)
    refresh_search_text(dossier)
    touch(dossier, now)
    record_step(dossier, EventName.EDITED, actor, allowed, now, {"changes": changes})
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
    """Fire `trigger` on `dossier` as `actor`. The policy answers who (role, relation, delegation); then the
    version; then the machine: the source state, the row's inputs, its guards and its effect. The state moves
    and the audit event is written in the caller's transaction — or nothing changes."""
    now = now or clock.now()
    rule, comment, data = step_rule(trigger, comment, data)
    allowed = permissions.require(actor, rule.trigger, dossier, now, check_state=False, check_guards=False)
    version = require_version(version)
    audit.lock_stream(dossier.id)  # before any write that references the dossier (see lock_stream)
    check_version(dossier, version)
    from_state = State(dossier.state)
    step = step_context(guard_context(dossier, now), rule, actor, allowed, comment, data, decision)
    run_step(dossier, rule, step)
    touch(dossier, now)
    record_step(dossier, rule.trigger, actor, allowed, now, {**step.inputs, **step.effects}, from_state=from_state,
                to_state=dossier.state, comment=comment)
    return dossier


# The phases of a step, shared by one dossier's (above) and a set's (step_sets.move_set), so both judge alike.

def step_rule(trigger: Any, comment: Any, data: Any) -> tuple[Rule, str, dict[str, Any]]:
    """The table's row for `trigger`, with the step's comment and data checked as every step checks them."""
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ValidationFailed(T("Trường data phải là một đối tượng JSON."), {"data": T("phải là đối tượng")})
    if not isinstance(comment, str):
        raise ValidationFailed(T("Ý kiến phải là chuỗi ký tự."), {"comment": T("phải là chuỗi ký tự")})
    comment = comment.replace("\x00", "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(T("Ý kiến quá dài."), {"comment": T("dài quá %(n)s ký tự", n=COMMENT_MAX)})
    try:
        rule = RULES[Trigger(trigger)]
    except ValueError:
        raise ValidationFailed(T("Thao tác không hợp lệ."), {"trigger": T("không có thao tác này")}) from None
    return rule, comment, data


def step_context(step: GuardContext, rule: Rule, actor: User, allowed: Verdict, comment: str, data: dict[str, Any],
                 decision: Decision | None) -> GuardContext:
    """The dossier's guard context, made the context of this step (who, under which role, with what)."""
    step.trigger, step.actor, step.role, step.on_behalf_of = rule.trigger, actor, allowed.role, allowed.on_behalf_of
    step.comment, step.data, step.decision = comment, data, decision
    return step


def run_step(dossier: Dossier, rule: Rule, step: GuardContext) -> None:
    """The machine moves the dossier in memory (source state, inputs, guards, effect), or raises the service error
    that says why not and has changed nothing."""
    from_state = State(dossier.state)
    # One step, one flush: queries made by guards and effects must not write the half-changed dossier.
    with db.session.no_autoflush:
        try:
            fire(dossier, rule.trigger, step)
        except TransitionNotPossible:
            raise InvalidTransition(
                T("Không thể “%(step)s” khi hồ sơ đang ở trạng thái “%(state)s”.", step=TRIGGER_LABELS[rule.trigger],
                  state=STATE_LABELS[from_state])) from None
        except InputRejected as exc:
            raise ValidationFailed(T("Thiếu hoặc sai thông tin cho thao tác này."), exc.fields) from None
        except GuardFailed as exc:
            refusal = GuardRefused(T("Chưa đủ điều kiện: %(reasons)s.", reasons="; ".join(exc.reasons)),
                                   {"trigger": "; ".join(exc.reasons)})
            refusal.reasons = exc.reasons
            raise refusal from None
        dossier.state_changed_at = step.now


def on_behalf(verdict: Verdict) -> dict[str, str]:
    """What an event adds when its actor acts under a delegation: whose powers were used."""
    return {"on_behalf_of": verdict.on_behalf_of.username} if verdict.on_behalf_of is not None else {}


def record_step(dossier: Dossier, trigger: str, actor: User, allowed: Verdict, now: datetime, data: dict[str, Any],
                **fields: Any) -> None:
    """The audit event of a step on a dossier, under the role the policy allowed it (and for whom)."""
    audit.record(**step_event(dossier, trigger, actor, allowed, now, data, **fields))


def step_event(dossier: Dossier, trigger: str, actor: User, allowed: Verdict, now: datetime, data: dict[str, Any],
               **fields: Any) -> dict[str, Any]:
    """What `audit.record` (or `audit.record_many`) is given for a step's event."""
    return dict(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id, trigger=trigger,
                actor=actor, role=allowed.role, at=now, data={**data, **on_behalf(allowed)}, **fields)


def find_or_create_decision(step: GuardContext, dossier: Dossier, outcome: Outcome) -> Decision:
    """The ward's decision with this number (serial and symbol, in the year it is signed): the same one when
    dossiers are decided one by one under one number, a conflict naming the earlier paper when the number was used
    for another date or outcome."""
    number = register.read_number(step.inputs["decision_number"], "decision_number")
    signed_on = step.inputs["signed_on"]
    ward_id = dossier.campaign.unit_id
    existing = register.same_number(ward_id, number, signed_on)
    if existing is not None:
        if existing.signed_on != signed_on or existing.outcome != outcome:
            raise register.number_taken(existing, number, "decision_number")
        return existing
    decision = register.numbered(Decision(unit_id=ward_id, signed_on=signed_on, outcome=outcome.value,
                                          comment=step.comment, created_by_id=step.actor.id,
                                          on_behalf_of_id=step.on_behalf_of.id if step.on_behalf_of else None,
                                          created_at=step.now), number)
    db.session.add(decision)
    register.flush_numbered(number, "decision_number")
    return decision
