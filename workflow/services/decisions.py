"""The chairman's decision over many dossiers at once: all of them move, or none does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from models import Decision, Dossier, User
from states.enums import Outcome, Trigger
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import permissions
from workflow.services.dossiers import apply_transition
from workflow.services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from workflow.services.scope import visible_dossiers
from workflow.services.validate import Fields


class DecisionBlocked(ServiceError):
    """Some dossiers of the batch cannot move; the status and code are those of the first refusal."""

    def __init__(self, blocked: dict[int, ServiceError]):
        first = next(iter(blocked.values()))
        self.code, self.status = first.code, first.status
        lines = [f"hồ sơ {dossier_id}: {error.message}" for dossier_id, error in blocked.items()]  # API text
        super().__init__(T("Quyết định chưa ghi được, không hồ sơ nào thay đổi. %(details)s",
                           details=" | ".join(lines)),
                         {str(dossier_id): error.message for dossier_id, error in blocked.items()})
        self.blocked = blocked


def record_decision(actor: User, payload: Any, now: datetime | None = None) -> Decision:
    """One signed decision that recognizes (or refuses) every listed dossier, in one transaction."""
    now = now or clock.now()
    fields = Fields(payload)
    number = fields.text("number", required=True, max_length=limits.DECISION_NUMBER)
    signed_on = fields.day("signed_on")
    outcome = fields.text("outcome", required=True, max_length=20)
    if outcome and outcome not in set(Outcome):
        fields.error("outcome", T("phải là recognize hoặc refuse"))
    comment = fields.text("comment", max_length=limits.COMMENT)
    if outcome == Outcome.REFUSE and not comment:
        fields.error("comment", T("bắt buộc ghi rõ lý do không công nhận"))
    if signed_on is not None and signed_on > now.date():
        fields.error("signed_on", T("ngày ký không thể ở tương lai"))
    ids = fields.payload.get("dossier_ids")
    if (not isinstance(ids, list) or not ids or len(ids) > 500
            or any(isinstance(i, bool) or not isinstance(i, int) or not 1 <= i < 2**31 for i in ids)):
        fields.error("dossier_ids", T("danh sách mã hồ sơ (số nguyên), ít nhất một"))
        ids = []
    elif len(set(ids)) != len(ids):
        fields.error("dossier_ids", T("mã hồ sơ bị lặp"))
    fields.done(T("Quyết định chưa hợp lệ."))

    found = {d.id: d for d in db.session.scalars(visible_dossiers(actor).where(Dossier.id.in_(ids)))}
    blocked: dict[int, ServiceError] = {}
    for dossier_id in ids:
        if dossier_id not in found:
            blocked[dossier_id] = NotFound(T("không tìm thấy hồ sơ"))
    if blocked:
        raise DecisionBlocked(blocked)
    wards = {d.campaign.unit_id for d in found.values()}
    if len(wards) != 1:
        raise ValidationFailed(T("Một quyết định chỉ gồm hồ sơ của một phường."), {"dossier_ids": T("khác phường")})
    ward_id = wards.pop()
    if db.session.scalars(select(Decision).where(Decision.unit_id == ward_id, Decision.number == number)).first():
        raise Conflict(T("Số quyết định %(number)s đã được dùng.", number=number), {"number": T("đã tồn tại")})
    trigger = Trigger.RECOGNIZE if outcome == Outcome.RECOGNIZE else Trigger.REFUSE
    # Who signs, and for whom (KT. CHỦ TỊCH): the policy's answer for the batch's first dossier.
    signer = permissions.verdict(actor, trigger, found[min(ids)], now, check_state=False, check_guards=False)
    decision = Decision(unit_id=ward_id, number=number, signed_on=signed_on, outcome=outcome, comment=comment,
                        created_by_id=actor.id, created_at=now,
                        on_behalf_of_id=signer.on_behalf_of.id if signer.on_behalf_of is not None else None)
    db.session.add(decision)
    db.session.flush()
    for dossier_id in sorted(ids):  # one lock order for every batch, so two batches never deadlock
        dossier = found[dossier_id]
        try:  # a refusal happens before the dossier changes, so the others can still be checked
            apply_transition(actor, dossier, trigger, dossier.version, comment,
                             {"decision_number": number, "signed_on": signed_on.isoformat()},
                             now=now, decision=decision)
        except ServiceError as error:
            blocked[dossier_id] = error
    if blocked:
        raise DecisionBlocked(blocked)
    return decision


def decision_for(actor: User, decision_id: int) -> Decision | None:
    """A decision the actor may read: one that lists at least one dossier in their scope."""
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        return None
    visible = db.session.scalars(visible_dossiers(actor).where(Dossier.decision_id == decision_id).limit(1)).first()
    if visible is None and decision.created_by_id != actor.id:
        return None
    return decision
