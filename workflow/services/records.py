"""The data steps between transitions: the group's self-assessment, the ward's inspection, the council's votes and
residents' objections (the group's meeting is meetings.py's). Each writes its own audit event."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm.attributes import set_committed_value

from models import AssessmentItem, Dossier, InspectionItem, Objection, User, Vote
from states.enums import Action, EventName, Recommendation, TeamRole, VoteChoice
from states.policy import Verdict
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import audit, meetings, permissions
from workflow.services.criteria import score
from workflow.services.dossiers import check_version, record_step, touch
from workflow.services.errors import NotFound, ValidationFailed
from workflow.services.validate import Fields, require_version

UNVERSIONED = object()  # votes and objections carry no version; assessment and inspection must


def _check_step(actor: User, dossier: Dossier, action: Action, version: Any = UNVERSIONED,
                now: datetime | None = None) -> Verdict:
    """Ask the policy: who (403) first, then the version (when the step carries one), then when (409)."""
    permissions.require(actor, action, dossier, now, check_state=False)
    if version is not UNVERSIONED:
        check_version(dossier, require_version(version))
    return permissions.require(actor, action, dossier, now)


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
        if isinstance(note, str):
            note = note.replace("\x00", "")
        if not isinstance(note, str) or len(note) > 2000:
            fields.error(f"{where}.note", T("ghi chú là chuỗi tối đa 2000 ký tự"))
            note = ""
        parsed[code] = {"criterion": criterion, "met": met, "points": value, "note": note.strip()}
    return parsed


VERDICT = ("met", "points", "note")


def _save_items(dossier: Dossier, collection: str, model: type[AssessmentItem] | type[InspectionItem],
                items: dict[str, dict]) -> None:
    """Make the dossier's items (one row per criterion) exactly `items`, as a set: a row whose verdict changed is
    updated, new criteria are inserted together, those no longer listed deleted in one statement, and an unchanged
    row is not written."""
    current = {row.criterion_id: row for row in getattr(dossier, collection)}
    rows = []
    for item in items.values():
        row = current.pop(item["criterion"].id, None)
        if row is None:
            row = model(criterion=item["criterion"])
        for name in VERDICT:
            if getattr(row, name) != item[name]:
                setattr(row, name, item[name])
        rows.append(row)
    if current:
        # Not through the collection, where each orphaned row is deleted by a statement of its own.
        db.session.execute(delete(model).where(model.id.in_([row.id for row in current.values()]))
                           .execution_options(synchronize_session=False))
        for row in current.values():
            db.session.expunge(row)
        set_committed_value(dossier, collection, [row for row in rows if row.id is not None])
    setattr(dossier, collection, rows)  # in the order given; only the new rows are added


def _parse_disqualifiers(dossier: Dossier, raw: Any, fields: Fields) -> list[str] | None:
    """Disqualifiers found by this step: they are added to those standing (clearing one takes its own step,
    with a reason)."""
    if raw is None:
        return None
    known = {d.code for d in dossier.criteria_set.disqualifiers}
    if not isinstance(raw, list) or any(not isinstance(code, str) or code not in known for code in raw):
        fields.error("disqualifiers", T("danh sách mã trường hợp không xét: %(codes)s", codes=", ".join(sorted(known))))
        return None
    return sorted(set(dossier.disqualifiers_found or []) | set(raw))


def save_assessment(actor: User, dossier: Dossier, payload: Any, now: datetime | None = None) -> Dossier:
    """Replace the group's self-assessment of a dossier in self-assessment; a `meeting` given with it is the
    group's meeting with this dossier's votes, recorded through meetings.py (this step's event carries it)."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    payload = payload if isinstance(payload, dict) else {}
    allowed = _check_step(actor, dossier, Action.ASSESSMENT, payload.get("version"), now)
    fields = Fields(payload)
    points = dossier.criteria_set.shape == "points"
    items = _parse_items(dossier, payload.get("items", []), points=points, fields=fields)
    figures = votes_for = None
    if payload.get("meeting") is not None:
        m = Fields(payload["meeting"])
        if not isinstance(payload["meeting"], dict):
            m.error("held_on", T("phải là đối tượng {held_on, invited, attendees, votes_for}"))
        figures = meetings.parse_figures(m, now, dossier.campaign)
        votes_for = m.integer("votes_for", minimum=0, maximum=limits.MEETING_PEOPLE_MAX)
        attendees = figures.attendees if figures else None
        if attendees is not None and votes_for is not None and votes_for > attendees:
            m.error("votes_for", T("số đồng ý (%(votes)s) không thể lớn hơn số dự họp (%(attendees)s)",
                                   votes=votes_for, attendees=attendees))
        for name, message in m.errors.items():
            fields.error(f"meeting.{name}", message)
    disqualifiers = _parse_disqualifiers(dossier, payload.get("disqualifiers"), fields)
    fields.done(T("Kết quả tự đánh giá chưa hợp lệ."))

    meeting = None
    if figures is not None:
        meetings.record_for_dossier(actor, dossier, figures, votes_for, now)
        meeting = {"held_on": figures.held_on, "invited": figures.invited, "attendees": figures.attendees,
                   "votes_for": votes_for}
    _save_items(dossier, "assessment_items", AssessmentItem, items)
    if disqualifiers is not None:
        dossier.disqualifiers_found = disqualifiers
    touch(dossier, now)
    summary = score(dossier.criteria_set, {code: SimpleNamespace(**i) for code, i in items.items()},
                    dossier.campaign.pass_points)
    record_step(dossier, EventName.ASSESSMENT_SAVED, actor, allowed, now,
                {"items": [{"criterion": c, "met": i["met"], "points": i["points"], "note": i["note"]}
                                 for c, i in items.items()],
                       "meeting": meeting, "disqualifiers": dossier.disqualifiers_found,
                       "total": summary.total, "passed": summary.passed})
    return dossier


def save_inspection(actor: User, dossier: Dossier, payload: Any, now: datetime | None = None) -> Dossier:
    """Replace the ward inspector's verdicts (points on a 100-point set) and recommendation."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    payload = payload if isinstance(payload, dict) else {}
    allowed = _check_step(actor, dossier, Action.INSPECTION, payload.get("version"), now)
    fields = Fields(payload)
    points = dossier.criteria_set.shape == "points"
    items = _parse_items(dossier, payload.get("items", []), points=points, fields=fields)
    for index, item in enumerate(items.values()):
        if points and isinstance(item["points"], int) and item["met"] is None:
            item["met"] = item["points"] > 0
        if item["met"] is None:
            fields.error(f"items[{index}].met", T("cần kết luận đạt (true) hoặc không đạt (false)")
                         if not points else T("cần chấm điểm tiêu chí"))
    recommendation = payload.get("recommendation")
    if recommendation is not None and (not isinstance(recommendation, str)
                                       or recommendation not in set(Recommendation)):
        fields.error("recommendation", T("phải là pass hoặc fail"))
    disqualifiers = _parse_disqualifiers(dossier, payload.get("disqualifiers"), fields)
    team = _parse_team(fields, payload)
    started_at, ended_at = fields.clock_time("started_at"), fields.clock_time("ended_at")
    started_at = started_at if "started_at" in payload else dossier.inspection_started_at
    ended_at = ended_at if "ended_at" in payload else dossier.inspection_ended_at
    if started_at is not None and ended_at is not None and ended_at < started_at and "ended_at" not in fields.errors:
        fields.error("ended_at", T("giờ kết thúc (%(end)s) không thể trước giờ bắt đầu (%(start)s)",
                                   end=f"{ended_at:%H:%M}", start=f"{started_at:%H:%M}"))
    fields.done(T("Kết quả kiểm tra chưa hợp lệ."))

    _save_items(dossier, "inspection_items", InspectionItem, items)
    if team is not None:
        dossier.inspection_team = team or None
    dossier.inspection_started_at, dossier.inspection_ended_at = started_at, ended_at
    if recommendation is not None:
        dossier.recommendation = recommendation
    if disqualifiers is not None:
        dossier.disqualifiers_found = disqualifiers
    touch(dossier, now)
    record_step(dossier, EventName.INSPECTION_SAVED, actor, allowed, now,
                {"items": [{"criterion": c, "met": i["met"], "points": i["points"], "note": i["note"]}
                                 for c, i in items.items()],
                       "recommendation": dossier.recommendation, "disqualifiers": dossier.disqualifiers_found,
                       "team": dossier.inspection_team,
                       "started_at": f"{started_at:%H:%M}" if started_at else None,
                       "ended_at": f"{ended_at:%H:%M}" if ended_at else None})
    return dossier


def _parse_team(fields: Fields, payload: dict) -> list[dict] | None:
    """The inspection team (Đoàn kiểm tra): one head and its members; None when not sent (the team stays)."""
    if "team" not in payload or payload["team"] is None:
        return None
    team = meetings.parse_people(fields, "team", payload["team"], limits.TEAM_MAX, roles=list(TeamRole))
    heads = sum(1 for person in team if person["role"] == TeamRole.HEAD)
    if team and heads != 1 and "team" not in fields.errors:
        fields.error("team", T("đoàn kiểm tra cần đúng một trưởng đoàn (đang có %(n)s)", n=heads))
    return team


def _text(value: Any, name: str, message: str, max_length: int) -> str:
    fields = Fields({name: value})
    text = fields.text(name, required=True, max_length=max_length)
    fields.done(message)
    return text


def cast_vote(actor: User, dossier: Dossier, choice: Any, comment: Any = "", now: datetime | None = None) -> Vote:
    """A council member's vote; a second vote replaces the first while the review is open."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    allowed = _check_step(actor, dossier, Action.VOTE, now=now)
    if not isinstance(choice, str) or choice not in set(VoteChoice):
        raise ValidationFailed(T("Phiếu không hợp lệ."), {"vote": T("phải là approve, reject hoặc abstain")})
    fields = Fields({"comment": comment})
    comment = fields.text("comment", max_length=limits.COMMENT)
    fields.done(T("Phiếu không hợp lệ."))
    # One seat, one vote: a stand-in votes in the seat of the member who lent it, replacing that vote.
    seat = allowed.on_behalf_of or actor
    vote = next((v for v in dossier.votes if v.user_id == seat.id), None)
    replaced = vote.choice if vote else None
    if vote is None:
        vote = Vote(user_id=seat.id, choice=choice, comment=comment, cast_at=now)
        dossier.votes.append(vote)
    else:
        vote.choice, vote.comment, vote.cast_at = choice, comment, now
    db.session.flush()
    record_step(dossier, EventName.VOTE_CAST, actor, allowed, now,
                {"vote": choice, "replaced": replaced}, comment=comment)
    return vote


def record_objection(actor: User, dossier: Dossier, text: Any, now: datetime | None = None, *,
                     resident_name: Any = None) -> Objection:
    """An objection during the public notice: filed by a resident of the unit, or written down by the group's
    committee or the ward inspector from what a resident said on paper or in person (`resident_name`)."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    allowed = _check_step(actor, dossier, Action.OBJECTION, now=now)
    fields = Fields({"text": text, "resident_name": resident_name})
    text = fields.text("text", required=True, max_length=limits.OBJECTION)
    resident_name = fields.text("resident_name", max_length=limits.NAME)
    if "text" in fields.errors:
        fields.done(T("Nội dung phản ánh là bắt buộc."))
    fields.done()
    objection = Objection(dossier_id=dossier.id, text=text, filed_by_id=actor.id, filed_at=now,
                          resident_name=resident_name or None)
    db.session.add(objection)
    db.session.flush()
    record_step(dossier, EventName.OBJECTION_RECORDED, actor, allowed, now,
                {"objection_id": objection.id, "text": objection.text, "resident_name": objection.resident_name})
    return objection


def answer_objection(actor: User, dossier: Dossier, objection_id: int, answer: Any, upheld: Any,
                     now: datetime | None = None, disqualifiers: Any = None) -> Objection:
    """Answer an objection while the notice runs. One upheld blocks closing the notice: the inspector returns
    the dossier to the group, or records the disqualifier it revealed."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    allowed = _check_step(actor, dossier, Action.ANSWER, now=now)
    objection = next((o for o in dossier.objections if o.id == objection_id), None)
    if objection is None:
        raise NotFound(T("Không tìm thấy ý kiến phản ánh."))
    fields = Fields({"answer": answer, "upheld": upheld})
    text = fields.text("answer", required=True, max_length=limits.ANSWER)
    verdict = fields.boolean("upheld", required=True)
    found = _parse_disqualifiers(dossier, disqualifiers, fields)
    if found and verdict is False:
        fields.error("disqualifiers", T("chỉ ghi trường hợp không xét khi phản ánh đúng"))
    fields.done()
    if objection.answer is not None:
        raise ValidationFailed(T("Ý kiến phản ánh này đã được trả lời."), {"answer": T("đã trả lời")})
    objection.answer, objection.upheld, objection.answered_at = text, verdict, now
    if found is not None:
        dossier.disqualifiers_found = found
    touch(dossier, now)
    record_step(dossier, EventName.OBJECTION_ANSWERED, actor, allowed, now,
                {"objection_id": objection.id, "answer": text, "upheld": verdict,
                       "disqualifiers": dossier.disqualifiers_found})
    return objection


def set_disqualifier(actor: User, dossier: Dossier, payload: Any, now: datetime | None = None) -> Dossier:
    """Record a fact that bars the title (any stage), or clear one — clearing always says why."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    payload = payload if isinstance(payload, dict) else {}
    allowed = _check_step(actor, dossier, Action.DISQUALIFIER, payload.get("version"), now)
    fields = Fields(payload)
    code = fields.text("code", required=True, max_length=limits.CODE)
    standing = fields.boolean("standing", required=True)
    reason = fields.text("reason", required=not standing, max_length=limits.COMMENT)
    known = {d.code: d for d in dossier.criteria_set.disqualifiers}
    current = list(dossier.disqualifiers_found or [])
    if code and code not in known:
        fields.error("code", T("không có mã này: %(codes)s", codes=", ".join(sorted(known))))
    elif standing is True and code in current:
        fields.error("code", T("đã được ghi"))
    elif standing is False and code and code not in current:
        fields.error("code", T("không có trong các trường hợp đang ghi"))
    fields.done(T("Trường hợp không xét chưa hợp lệ."))
    dossier.disqualifiers_found = sorted(set(current) | {code}) if standing else [c for c in current if c != code]
    touch(dossier, now)
    record_step(dossier, EventName.DISQUALIFIER_RECORDED if standing else EventName.DISQUALIFIER_CLEARED, actor,
                allowed, now, {"code": code, "name": known[code].name, "standing": dossier.disqualifiers_found},
                comment=reason)
    return dossier
