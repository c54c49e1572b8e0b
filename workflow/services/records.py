"""The data steps between transitions: the group's self-assessment and meeting, the ward's inspection, the
council's votes and residents' objections. Each writes its own audit event."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from models import AssessmentItem, Dossier, GroupMeeting, InspectionItem, Objection, User, Vote
from states.enums import EventName, Recommendation, Role, State, VoteChoice
from states.labels import STATE_LABELS
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import audit
from workflow.services.criteria import score
from workflow.services.dossiers import check_version, reviewer_role, stream_of, touch
from workflow.services.errors import InvalidTransition, NotFound, ValidationFailed
from workflow.services.validate import Fields, require_version

# The data steps between transitions: who fills each form and in which state (pages and services read this).
DATA_STEPS: dict[str, tuple[Role, State]] = {
    "assessment": (Role.GROUP_COMMITTEE, State.SELF_ASSESSMENT),
    "inspection": (Role.WARD_INSPECTOR, State.WARD_INSPECTION),
    "vote": (Role.COUNCIL_MEMBER, State.COUNCIL_REVIEW),
    "objection": (Role.WARD_INSPECTOR, State.PUBLIC_NOTICE),
}


def data_actions(user: User, dossier: Dossier) -> set[str]:
    """The data forms this user may fill on this dossier now."""
    from workflow.services.dossiers import is_party
    from workflow.services.scope import holds_role_over

    if is_party(user, dossier):
        return set()
    return {name for name, (role, state) in DATA_STEPS.items()
            if dossier.state == state and holds_role_over(user, role, dossier.unit)}


STEP_ACTIONS = {"assessment": T("ghi kết quả tự đánh giá"), "inspection": T("ghi kết quả kiểm tra"),
                "vote": T("bỏ phiếu"), "objection": T("ghi ý kiến phản ánh")}


UNVERSIONED = object()  # votes and objections carry no version; assessment and inspection must


def _check_step(actor: User, dossier: Dossier, step: str, version: Any = UNVERSIONED, *,
                any_state: bool = False) -> Role:
    """Refuse a data step unless `actor` holds its role over the dossier (not their own), the version is current
    (when one is required) and the dossier is in the step's state — all read from DATA_STEPS."""
    role, state = DATA_STEPS[step]
    reviewer_role(actor, role, dossier, STEP_ACTIONS[step])
    if version is not UNVERSIONED:
        check_version(dossier, require_version(version))
    if not any_state:
        _require_state(dossier, state, STEP_ACTIONS[step])
    return role


def _require_state(dossier: Dossier, state: State, action: str) -> None:
    if dossier.state != state:
        raise InvalidTransition(T("Chỉ %(action)s khi hồ sơ ở trạng thái “%(wanted)s” (hiện tại: “%(state)s”).",
                                  action=action, wanted=STATE_LABELS[state], state=STATE_LABELS[State(dossier.state)]))


def _parse_items(dossier: Dossier, raw: Any, *, points: bool, fields: Fields) -> dict[str, dict]:
    criteria = {c.code: c for c in dossier.criteria_set.criteria}
    if not isinstance(raw, list):
        fields.error("items", T("phải là danh sách các tiêu chí"))
        return {}
    parsed: dict[str, dict] = {}
    for index, item in enumerate(raw):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            fields.error(where, T("phải là đối tượng {criterion, met, points, note}"))
            continue
        code = item.get("criterion")
        criterion = criteria.get(code) if isinstance(code, str) else None
        if criterion is None:
            fields.error(f"{where}.criterion", T("không có tiêu chí “%(code)s” trong bộ tiêu chí của hồ sơ", code=code))
            continue
        if code in parsed:
            fields.error(f"{where}.criterion", T("tiêu chí %(code)s lặp lại", code=code))
            continue
        met, value = item.get("met"), item.get("points")
        if met is not None and not isinstance(met, bool):
            fields.error(f"{where}.met", T("phải là true hoặc false"))
        if points:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= (criterion.max_points or 0)):
                fields.error(f"{where}.points", T("phải là số nguyên từ 0 đến %(max)s", max=criterion.max_points))
        elif value is not None:
            fields.error(f"{where}.points", T("bộ tiêu chí này chấm đạt / không đạt, không chấm điểm"))
        note = item.get("note") or ""
        if not isinstance(note, str) or len(note) > 2000:
            fields.error(f"{where}.note", T("ghi chú là chuỗi tối đa 2000 ký tự"))
            note = ""
        parsed[code] = {"criterion": criterion, "met": met, "points": value, "note": note.strip()}
    return parsed


def _parse_disqualifiers(dossier: Dossier, raw: Any, fields: Fields) -> list[str] | None:
    if raw is None:
        return None
    known = {d.code for d in dossier.criteria_set.disqualifiers}
    if not isinstance(raw, list) or any(code not in known for code in raw):
        fields.error("disqualifiers", T("danh sách mã trường hợp không xét: %(codes)s", codes=", ".join(sorted(known))))
        return None
    return sorted(set(raw))


def save_assessment(actor: User, dossier: Dossier, payload: Any, now: datetime | None = None) -> Dossier:
    """Replace the group's self-assessment (and meeting record) of a dossier in self-assessment."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    payload = payload if isinstance(payload, dict) else {}
    role = _check_step(actor, dossier, "assessment", payload.get("version"))
    fields = Fields(payload)
    points = dossier.criteria_set.shape == "points"
    items = _parse_items(dossier, payload.get("items", []), points=points, fields=fields)
    meeting = None
    if payload.get("meeting") is not None:
        m = Fields(payload["meeting"])
        held_on = m.day("held_on")
        invited = m.integer("invited", minimum=1)
        attendees = m.integer("attendees", minimum=0)
        votes_for = m.integer("votes_for", minimum=0)
        if invited is not None and attendees is not None and attendees > invited:
            m.error("attendees", T("số dự họp (%(attendees)s) không thể lớn hơn số được mời (%(invited)s)",
                                  attendees=attendees, invited=invited))
        if attendees is not None and votes_for is not None and votes_for > attendees:
            m.error("votes_for", T("số đồng ý (%(votes)s) không thể lớn hơn số dự họp (%(attendees)s)",
                                  votes=votes_for, attendees=attendees))
        if held_on is not None and held_on > now.date():
            m.error("held_on", T("ngày họp không thể ở tương lai"))
        for name, message in m.errors.items():
            fields.error(f"meeting.{name}", message)
        meeting = {"held_on": held_on, "invited": invited, "attendees": attendees, "votes_for": votes_for}
    disqualifiers = _parse_disqualifiers(dossier, payload.get("disqualifiers"), fields)
    fields.done(T("Kết quả tự đánh giá chưa hợp lệ."))

    dossier.assessment_items.clear()
    db.session.flush()
    for item in items.values():
        dossier.assessment_items.append(AssessmentItem(criterion=item["criterion"], met=item["met"],
                                                       points=item["points"], note=item["note"]))
    if meeting is not None:
        if dossier.meeting is None:
            dossier.meeting = GroupMeeting(**meeting)
        else:
            for key, value in meeting.items():
                setattr(dossier.meeting, key, value)
    if disqualifiers is not None:
        dossier.disqualifiers_found = disqualifiers
    touch(dossier, now)
    summary = score(dossier.criteria_set, {code: SimpleNamespace(**i) for code, i in items.items()},
                    dossier.campaign.pass_points)
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id,
                 trigger=EventName.ASSESSMENT_SAVED, actor=actor, role=role, at=now,
                 data={"items": [{"criterion": c, "met": i["met"], "points": i["points"], "note": i["note"]}
                                 for c, i in items.items()],
                       "meeting": meeting, "disqualifiers": dossier.disqualifiers_found,
                       "total": summary.total, "passed": summary.passed})
    return dossier


def save_inspection(actor: User, dossier: Dossier, payload: Any, now: datetime | None = None) -> Dossier:
    """Replace the ward inspector's verdicts and recommendation on a dossier under inspection."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    payload = payload if isinstance(payload, dict) else {}
    role = _check_step(actor, dossier, "inspection", payload.get("version"))
    fields = Fields(payload)
    items = _parse_items(dossier, payload.get("items", []), points=False, fields=fields)
    for index, item in enumerate(items.values()):
        if item["met"] is None:
            fields.error(f"items[{index}].met", T("cần kết luận đạt (true) hoặc không đạt (false)"))
    recommendation = payload.get("recommendation")
    if recommendation is not None and recommendation not in set(Recommendation):
        fields.error("recommendation", T("phải là pass hoặc fail"))
    disqualifiers = _parse_disqualifiers(dossier, payload.get("disqualifiers"), fields)
    fields.done(T("Kết quả kiểm tra chưa hợp lệ."))

    dossier.inspection_items.clear()
    db.session.flush()
    for item in items.values():
        dossier.inspection_items.append(InspectionItem(criterion=item["criterion"], met=item["met"],
                                                       note=item["note"]))
    if recommendation is not None:
        dossier.recommendation = recommendation
    if disqualifiers is not None:
        dossier.disqualifiers_found = disqualifiers
    touch(dossier, now)
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id,
                 trigger=EventName.INSPECTION_SAVED, actor=actor, role=role, at=now,
                 data={"items": [{"criterion": c, "met": i["met"], "note": i["note"]} for c, i in items.items()],
                       "recommendation": dossier.recommendation, "disqualifiers": dossier.disqualifiers_found})
    return dossier


def cast_vote(actor: User, dossier: Dossier, choice: Any, comment: Any = "", now: datetime | None = None) -> Vote:
    """A council member's vote; a second vote replaces the first while the review is open."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    role = _check_step(actor, dossier, "vote")
    if choice not in set(VoteChoice):
        raise ValidationFailed(T("Phiếu không hợp lệ."), {"vote": T("phải là approve, reject hoặc abstain")})
    comment = comment.strip() if isinstance(comment, str) else ""
    vote = next((v for v in dossier.votes if v.user_id == actor.id), None)
    replaced = vote.choice if vote else None
    if vote is None:
        vote = Vote(user_id=actor.id, choice=choice, comment=comment, cast_at=now)
        dossier.votes.append(vote)
    else:
        vote.choice, vote.comment, vote.cast_at = choice, comment, now
    db.session.flush()
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id,
                 trigger=EventName.VOTE_CAST, actor=actor, role=role, at=now, comment=comment,
                 data={"vote": choice, "replaced": replaced})
    return vote


def record_objection(actor: User, dossier: Dossier, text: Any, now: datetime | None = None) -> Objection:
    """Write down a resident's objection received during the public notice (by the ward inspector)."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    role = _check_step(actor, dossier, "objection")
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed(T("Nội dung phản ánh là bắt buộc."), {"text": T("bắt buộc")})
    objection = Objection(dossier_id=dossier.id, text=text.strip(), filed_at=now)
    db.session.add(objection)
    db.session.flush()
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id,
                 trigger=EventName.OBJECTION_RECORDED, actor=actor, role=role, at=now,
                 data={"objection_id": objection.id, "text": objection.text})
    return objection


def answer_objection(actor: User, dossier: Dossier, objection_id: int, answer: Any, upheld: Any,
                     now: datetime | None = None) -> Objection:
    """Answer an objection; one upheld sends the dossier back to the group via `return_to_group`."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    role = _check_step(actor, dossier, "objection", any_state=True)  # answers may come until the notice closes
    objection = next((o for o in dossier.objections if o.id == objection_id), None)
    if objection is None:
        raise NotFound(T("Không tìm thấy ý kiến phản ánh."))
    fields = Fields({"answer": answer, "upheld": upheld})
    text = fields.text("answer", required=True, max_length=5000)
    verdict = fields.boolean("upheld", required=True)
    fields.done()
    objection.answer, objection.upheld, objection.answered_at = text, verdict, now
    db.session.flush()
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id,
                 trigger=EventName.OBJECTION_ANSWERED, actor=actor, role=role, at=now,
                 data={"objection_id": objection.id, "answer": text, "upheld": verdict})
    return objection
