"""The chairman's decision over many dossiers at once: one decision record, and all of them move (through the batch's
core, batch.move_all) or none does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import joinedload

from models import Decision, Dossier, User
from states.enums import Outcome, Trigger
from states.inputs import is_notice_number
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
    reasons = _reasons(fields, outcome, comment)
    if outcome == Outcome.REFUSE and number and not is_notice_number(number.text):
        fields.error("number", T("không công nhận được báo bằng thông báo: số mang ký hiệu TB, ví dụ 12/TB-UBND"))
    if signed_on is not None and signed_on > local_day(now):  # the ward's today, not UTC's
        fields.error("signed_on", T("ngày ký không thể ở tương lai"))
    ids = fields.payload.get("dossier_ids")
    if (not isinstance(ids, list) or not ids or len(ids) > limits.DOSSIER_IDS_MAX
            or any(isinstance(i, bool) or not isinstance(i, int) or not 1 <= i < 2**31 for i in ids)):
        fields.error("dossier_ids", T("danh sách mã hồ sơ (số nguyên), ít nhất một"))
        ids = []
    elif len(set(ids)) != len(ids):
        fields.error("dossier_ids", T("mã hồ sơ bị lặp"))
    if outcome == Outcome.REFUSE and ids:
        if unknown := sorted(set(reasons) - set(ids)):
            fields.error("reasons", T("hồ sơ %(ids)s không có trong danh sách", ids=", ".join(map(str, unknown))))
        if not comment and not reasons:
            fields.error("comment", T("bắt buộc ghi rõ lý do không công nhận"))
        elif not comment and (missing := [i for i in ids if i not in reasons]):
            fields.error("reasons", T("ghi lý do không công nhận cho từng hồ sơ (còn thiếu: %(ids)s), hoặc một lý "
                                      "do chung ở ô Ghi chú", ids=", ".join(map(str, missing[:20]))))
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
                 created_at=now, on_behalf_of_id=signer.on_behalf_of.id if signer.on_behalf_of is not None else None,
                 reasons={str(i): reasons.get(i, comment) for i in ids} if outcome == Outcome.REFUSE else None),
        number)
    db.session.add(decision)
    register.flush_numbered(number, "number")
    # Every dossier through the same step as alone, at its current version: all move, or none does.
    move_all(actor, trigger, {i: found[i].version if i in found else 0 for i in ids}, found, comment,
             {"decision_number": number.text, "signed_on": signed_on.isoformat()}, now, decision,
             comments=reasons or None)  # a refused household's event carries its own reason
    return decision


def _reasons(fields: Fields, outcome: str | None, comment: str) -> dict[int, str]:
    """A refusal notice's reasons, one per dossier ({"<dossier_id>": "…"}), checked; {} when none were sent."""
    raw = fields.payload.get("reasons")
    if raw is None:
        return {}
    if outcome != Outcome.REFUSE:
        fields.error("reasons", T("chỉ ghi lý do khi không công nhận"))
        return {}
    if not isinstance(raw, dict) or len(raw) > limits.DOSSIER_IDS_MAX:
        fields.error("reasons", T("phải là một đối tượng {mã hồ sơ: lý do}"))
        return {}
    out: dict[int, str] = {}
    for key, text in raw.items():
        dossier_id = int(key) if isinstance(key, str) and key.isdigit() and len(key) < 10 else None
        reason = " ".join(text.replace("\x00", "").split()) if isinstance(text, str) else ""
        if dossier_id is None:
            fields.error("reasons", T("mã hồ sơ phải là số: %(key)s", key=str(key)[:20]))
        elif not reason:
            fields.error(f"reasons.{dossier_id}", T("ghi lý do không công nhận"))
        elif len(reason) > limits.COMMENT:
            fields.error(f"reasons.{dossier_id}", T("dài quá %(n)s ký tự", n=limits.COMMENT))
        else:
            out[dossier_id] = reason
    return out


def decision_for(actor: User, decision_id: int) -> Decision | None:
    """A decision the actor may read: one that lists at least one dossier in their scope. A refusal notice names
    households who are never made public (DOMAIN.md v3): only someone who sees every dossier it names reads it
    whole; a household reads its own letter (`/dossiers/<id>/notice`)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        return None
    if decision.created_by_id == actor.id:
        return decision
    if decision.outcome == Outcome.REFUSE:
        named = select(func.count()).select_from(Dossier).where(Dossier.decision_id == decision_id)
        seen = select(func.count()).select_from(visible_dossiers(actor).where(Dossier.decision_id == decision_id)
                                                .subquery())
        return decision if db.session.scalar(seen) == db.session.scalar(named) > 0 else None
    visible = db.session.scalars(visible_dossiers(actor).where(
        or_(Dossier.decision_id == decision_id, Dossier.revoked_by_decision_id == decision_id)).limit(1)).first()
    return decision if visible is not None else None


def refusal_letter(actor: User, dossier_id: int) -> tuple[Dossier, Decision]:
    """A refused household's own letter: its dossier (seen in full) and the notice that refused it; NotFound when
    the dossier was not refused by a notice."""
    from workflow.services.scope import get_dossier_in_full

    dossier = get_dossier_in_full(actor, dossier_id)
    decision = dossier.decision
    if decision is None or decision.outcome != Outcome.REFUSE:
        raise NotFound(T("Hồ sơ này không có thông báo không công nhận."))
    return dossier, decision


DECISIONS_PAGE = 50  # decisions a page of the list shows
LISTED_PAGE = 200  # dossiers a decision's page shows at a time


@dataclass
class DecisionsPage:
    """A page of the decisions the reader may read, newest first, each with how many dossiers it lists."""

    rows: list[tuple[Decision, int]]
    next_after: str | None  # "<signed_on>.<id>" of the last row, when more follow


def decisions_page(actor: User, after: str | None) -> DecisionsPage:
    """The decisions listing at least one dossier the actor sees, newest first, `DECISIONS_PAGE` at a time after
    `after`. Each decision is kept by an EXISTS over the dossiers' decision index, so the cost follows the page,
    not the province."""
    scope = visible_dossiers(actor)
    query = select(Decision).where(or_(scope.where(Dossier.decision_id == Decision.id).exists(),
                                       scope.where(Dossier.revoked_by_decision_id == Decision.id).exists()))
    key = _decision_key(after)
    if key is not None:
        query = query.where(tuple_(Decision.signed_on, Decision.id) < tuple_(*key))
    found = list(db.session.scalars(query.order_by(Decision.signed_on.desc(), Decision.id.desc())
                                    .limit(DECISIONS_PAGE + 1)))
    more, found = len(found) > DECISIONS_PAGE, found[:DECISIONS_PAGE]
    counts = _listed_counts([d.id for d in found])
    last = found[-1] if more else None
    return DecisionsPage([(d, counts.get(d.id, 0)) for d in found],
                         f"{last.signed_on.isoformat()}.{last.id}" if last else None)


def _listed_counts(ids: list[int]) -> dict[int, int]:
    """How many dossiers each decision lists (decided, or taken back by it): two grouped counts over the page."""
    counts: dict[int, int] = {}
    for column in (Dossier.decision_id, Dossier.revoked_by_decision_id):
        for decision_id, count in db.session.execute(select(column, func.count()).where(column.in_(ids))
                                                     .group_by(column)):
            counts[decision_id] = counts.get(decision_id, 0) + count
    return counts


def _decision_key(after: str | None) -> tuple[date, int] | None:
    day, _, ident = (after or "").partition(".")
    try:
        return date.fromisoformat(day), int(ident)
    except ValueError:
        return None


@dataclass
class ListedPage:
    """A page of the dossiers one decision lists, by id."""

    rows: list[Dossier]
    total: int
    next_after: int | None


def listed_page(decision: Decision, after: str | None) -> ListedPage:
    """The dossiers `decision` lists, `LISTED_PAGE` at a time after the id `after`, with their units."""
    column = Dossier.revoked_by_decision_id if decision.outcome == Outcome.REVOKE else Dossier.decision_id
    query = select(Dossier).where(column == decision.id).options(joinedload(Dossier.unit))
    if after and after.isdigit() and len(after) < 12:
        query = query.where(Dossier.id > int(after))
    rows = list(db.session.scalars(query.order_by(Dossier.id).limit(LISTED_PAGE + 1)))
    more, rows = len(rows) > LISTED_PAGE, rows[:LISTED_PAGE]
    total = db.session.scalar(select(func.count()).select_from(Dossier).where(column == decision.id))
    return ListedPage(rows, total or 0, rows[-1].id if more else None)
