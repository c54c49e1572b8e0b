"""The chairman's decision over many dossiers at once: one decision record, and all of them move (through the batch's
core, batch.move_all) or none does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_

from models import Decision, Dossier, User
from states.enums import Outcome, Trigger
from states.policy import local_day
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.numbers import parse_number
from workflow.services import permissions, register
from workflow.services.batch import BatchBlocked, move_all
from workflow.services.errors import NotFound, ValidationFailed
from workflow.services.scope import visible_dossiers
from workflow.services.step_sets import find_locked
from workflow.services.validate import Fields


def record_decision(actor: User, payload: Any, now: datetime | None = None) -> Decision:
    """One signed decision that recognizes (or refuses) every listed dossier, in one transaction."""
    now = now or clock.now()
    fields = Fields(payload)
    number_text = fields.text("number", required=True, max_length=limits.DECISION_NUMBER)
    number = parse_number(number_text)
    if number_text and number is None:
        fields.error("number", T("số văn bản phải có dạng số/ký hiệu, ví dụ 135/QĐ-UBND"))
    signed_on = fields.day("signed_on")
    outcome = fields.text("outcome", required=True, max_length=20)
    if outcome and outcome not in (Outcome.RECOGNIZE, Outcome.REFUSE):  # a revocation is the revoke step
        fields.error("outcome", T("phải là recognize hoặc refuse"))
    comment = fields.text("comment", max_length=limits.COMMENT)
    if outcome == Outcome.REFUSE and not comment:
        fields.error("comment", T("bắt buộc ghi rõ lý do không công nhận"))
    if signed_on is not None and signed_on > local_day(now):  # the ward's today, not UTC's
        fields.error("signed_on", T("ngày ký không thể ở tương lai"))
    ids = fields.payload.get("dossier_ids")
    if (not isinstance(ids, list) or not ids or len(ids) > limits.DOSSIER_IDS_MAX
            or any(isinstance(i, bool) or not isinstance(i, int) or not 1 <= i < 2**31 for i in ids)):
        fields.error("dossier_ids", T("danh sách mã hồ sơ (số nguyên), ít nhất một"))
        ids = []
    elif len(set(ids)) != len(ids):
        fields.error("dossier_ids", T("mã hồ sơ bị lặp"))
    fields.done(T("Quyết định chưa hợp lệ."))

    found = find_locked(actor, ids)  # in scope, locked in one statement, read as they now stand
    if not found:
        raise BatchBlocked({dossier_id: NotFound(T("không tìm thấy hồ sơ")) for dossier_id in ids})
    wards = {d.campaign.unit_id for d in found.values()}
    if len(wards) != 1:
        raise ValidationFailed(T("Một quyết định chỉ gồm hồ sơ của một phường."), {"dossier_ids": T("khác phường")})
    ward_id = wards.pop()
    earlier = register.same_number(ward_id, number, signed_on)
    if earlier is not None:
        raise register.number_taken(earlier, number, "number")
    trigger = Trigger.RECOGNIZE if outcome == Outcome.RECOGNIZE else Trigger.REFUSE
    # Who signs, and for whom (KT. CHỦ TỊCH): the policy's answer for the batch's first dossier.
    signer = permissions.verdict(actor, trigger, found[min(found)], now, check_state=False, check_guards=False)
    decision = register.numbered(
        Decision(unit_id=ward_id, signed_on=signed_on, outcome=outcome, comment=comment, created_by_id=actor.id,
                 created_at=now, on_behalf_of_id=signer.on_behalf_of.id if signer.on_behalf_of is not None else None),
        number)
    db.session.add(decision)
    register.flush_numbered(number, "number")
    # Every dossier through the same step as alone, at its current version: all move, or none does.
    move_all(actor, trigger, {i: found[i].version if i in found else 0 for i in ids}, found, comment,
             {"decision_number": number.text, "signed_on": signed_on.isoformat()}, now, decision)
    return decision


def decision_for(actor: User, decision_id: int) -> Decision | None:
    """A decision the actor may read: one that lists at least one dossier in their scope."""
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        return None
    visible = db.session.scalars(visible_dossiers(actor).where(
        or_(Dossier.decision_id == decision_id, Dossier.revoked_by_decision_id == decision_id)).limit(1)).first()
    if visible is None and decision.created_by_id != actor.id:
        return None
    return decision
