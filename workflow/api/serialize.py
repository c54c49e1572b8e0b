"""JSON shapes of the API (API.md); field names are fixed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models import Attachment, AuditEvent, Campaign, CriteriaSet, Decision, Dossier, Unit, User
from states.enums import State, Title
from states.labels import STATE_LABELS, TITLE_LABELS
from states.titles import registration_of
from workflow.services.calendar import Period
from workflow.services.criteria import SUBJECT_KINDS, current_set
from workflow.services.listing import due_at, due_date, notice_ends_on


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unit_json(unit: Unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind, "parent_id": unit.parent_id,
            "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
            "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
            "merged_into_id": unit.merged_into_id}


def campaign_json(c: Campaign) -> dict:
    return {
        "id": c.id, "year": c.year, "unit_id": c.unit_id, "name": c.name,
        "registration_opens": c.registration_opens.isoformat(),
        "registration_closes": c.registration_closes.isoformat(),
        "assessment_due": c.assessment_due.isoformat(), "inspection_due": c.inspection_due.isoformat(),
        "decision_due": c.decision_due.isoformat(), "settings": c.settings,
    }


def criteria_set_json(s: CriteriaSet | None) -> dict | None:
    if s is None:
        return None
    return {
        "code": s.code, "version": s.version, "name": s.name, "shape": s.shape, "pass_points": s.pass_points,
        "standards": [{"code": st.code, "name": st.name, "max_points": st.max_points} for st in s.standards],
        "criteria": [{"code": c.code, "name": c.name, "mandatory": c.mandatory, "max_points": c.max_points,
                      "standard": c.standard.code if c.standard else None} for c in s.criteria],
        "disqualifiers": [{"code": d.code, "name": d.name} for d in s.disqualifiers],
    }


def title_json(title: Title) -> dict:
    return {"code": title.value, "name": TITLE_LABELS[title], "subject_kind": SUBJECT_KINDS[title],
            "registration": registration_of(title).value, "criteria_set": criteria_set_json(current_set(title))}


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def due_fields(d: Dossier) -> dict:
    """The current stage's deadline and, on public notice, the notice's last day (Vietnam's dates)."""
    return {"due_at": iso(due_at(d)), "due_on": day(due_date(d)), "notice_ends_on": day(notice_ends_on(d))}


def dossier_json(d: Dossier, available: list[str], blocked: list[dict] | None = None) -> dict:
    return {
        "id": d.id, "tracking_code": d.tracking_code, "title": d.title, "campaign_id": d.campaign_id,
        "unit_id": d.unit_id, "subject_name": d.subject_name, "subject_ref": d.subject_ref,
        "subject_address": d.subject_address, "note": d.note, "state": d.state,
        "state_label": STATE_LABELS[State(d.state)], "version": d.version,
        "created_at": iso(d.created_at), "updated_at": iso(d.updated_at), **due_fields(d),
        "criteria_set": {"code": d.criteria_set.code, "version": d.criteria_set.version},
        "recommendation": d.recommendation, "council_recommended": d.council_recommended,
        "disqualifiers": list(d.disqualifiers_found or []), "decision_id": d.decision_id,
        "certificate_number": d.certificate_number, "revoked_by_decision_id": d.revoked_by_decision_id,
        "members": [{"name": m.name, "personal_id": m.personal_id, "relation": m.relation} for m in d.members],
        "entered_by": d.entered_by.username if d.entered_by else None,
        "inspection": inspection_json(d),
        "available_triggers": available, "blocked_triggers": blocked or [],
    }


def inspection_json(d: Dossier) -> dict | None:
    """The ward's inspection team and times, once recorded."""
    if d.inspection_team is None and d.inspection_started_at is None and d.inspection_ended_at is None:
        return None
    return {"team": list(d.inspection_team or []), "started_at": clock_text(d.inspection_started_at),
            "ended_at": clock_text(d.inspection_ended_at)}


def dossier_list_item(d: Dossier, full: bool = True) -> dict:
    return {
        "id": d.id, "tracking_code": d.tracking_code, "title": d.title, "campaign_id": d.campaign_id,
        "unit_id": d.unit_id, "subject_name": d.subject_name, "subject_ref": d.subject_ref if full else "",
        "state": d.state, "version": d.version, "created_at": iso(d.created_at), "updated_at": iso(d.updated_at),
        **due_fields(d),
    }


# What a neighbour who sees a dossier only on public notice does not see (scope.sees_in_full): the fields keep
# their names and types, emptied.
PRIVATE = {"subject_ref": "", "subject_address": "", "note": "", "recommendation": None,
           "council_recommended": None, "disqualifiers": [], "members": [], "entered_by": None,
           "inspection": None}


def public_dossier_json(d: Dossier, available: list[str]) -> dict:
    return {**dossier_json(d, available), **PRIVATE}


def event_json(e: AuditEvent) -> dict:
    return {
        "id": e.id, "seq": e.seq, "stream": e.stream, "dossier_id": e.dossier_id, "trigger": e.trigger,
        "name": e.name, "from_state": e.from_state, "to_state": e.to_state, "actor": e.actor, "role": e.role,
        "at": iso(e.at), "comment": e.comment, "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash,
        "on_behalf_of": (e.data or {}).get("on_behalf_of"),
    }


def decision_json(d: Decision) -> dict:
    return {"id": d.id, "number": d.number, "signed_on": d.signed_on.isoformat(), "outcome": d.outcome,
            "comment": d.comment, "dossier_ids": sorted(x.id for x in d.listed), "signed_by": d.signed_by.username,
            "on_behalf_of": d.on_behalf_of.username if d.on_behalf_of else None}


def meeting_json(m) -> dict:
    """A group's review meeting (GroupMeeting) and each dossier's votes in favour."""
    return {"id": m.id, "unit_id": m.unit_id, "campaign_id": m.campaign_id, "held_on": m.held_on.isoformat(),
            "invited": m.invited, "attendees": m.attendees, "chaired_by": m.chaired_by, "note": m.note,
            "votes": [{"dossier_id": v.dossier_id, "votes_for": v.votes_for} for v in m.votes],
            "started_at": clock_text(m.started_at), "ended_at": clock_text(m.ended_at), "place": m.place,
            "secretary": m.secretary, "participants": list(m.participants or []), "vote_method": m.vote_method,
            "opinions": m.opinions}


def clock_text(value) -> str | None:
    """A time of day as the API writes it: "HH:MM"."""
    return f"{value:%H:%M}" if value is not None else None


def delegation_json(d) -> dict:
    return {"id": d.id, "from_username": d.from_user.username, "to_username": d.to_user.username, "role": d.role,
            "unit_code": d.unit.code, "starts_on": d.starts_on.isoformat(), "ends_on": d.ends_on.isoformat(),
            "reason": d.reason, "ended_at": iso(d.ended_at)}


def me_json(user: User) -> dict:
    return {"username": user.username, "full_name": user.full_name, "personal_id": user.personal_id,
            "email": user.email,
            "roles": [{"role": a.role, "unit_id": a.unit_id, "unit_code": a.unit.code} for a in user.roles]}


def attachment_json(a: Attachment) -> dict:
    return {"id": a.id, "dossier_id": a.dossier_id, "kind": a.kind, "filename": a.filename,
            "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "uploaded_at": iso(a.uploaded_at),
            "uploaded_by": a.uploaded_by.username}


def calendar_json(start: date, days: int, working: bool, period: Period) -> dict:
    return {"from": start.isoformat(), "days": days, "working": working, "ends_on": period.ends_on.isoformat(),
            "skipped": [{"date": skip.date.isoformat(), "why": str(skip.why)} for skip in period.skipped]}


def calendar_day_json(row) -> dict:
    return {"id": row.id, "date": row.day.isoformat(), "kind": row.kind, "name": row.name}
