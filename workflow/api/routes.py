"""JSON API v1 (API.md). Each route declares its input and answer schemas (`@operation`), loads in scope and calls
one service; the request's unit of work (workflow/uow.py) commits it."""

from __future__ import annotations

import io
from typing import Any

from flask import current_app, g, request, send_file
from sqlalchemy import select

from models import AuditEvent, AuditSeal, AuditVerification, Campaign, Dossier, Unit
from states.enums import Action, State, Title
from states.labels import STATE_LABELS
from workflow import exports
from workflow.api import bp, schemas
from workflow.api.openapi import openapi_document
from workflow.api.operations import PASSWORD_CHANGE_REQUIRED, bearer_token, operation
from workflow.api.serialize import (
    attachment_json,
    calendar_day_json,
    calendar_json,
    campaign_json,
    decision_json,
    delegation_json,
    dossier_json,
    dossier_list_item,
    event_json,
    iso,
    me_json,
    meeting_json,
    public_dossier_json,
    title_json,
    unit_json,
)
from workflow.downloads import send_attachment
from workflow.extensions import csrf, db
from workflow.public.ratelimit import TOO_MANY, lookup_allowed
from workflow.services import (
    accounts,
    attachments,
    audit,
    batch,
    calendar,
    campaigns,
    certificates,
    decisions,
    delegations,
    dossier_view,
    imports,
    inbox,
    listing,
    meetings,
    notice_board,
    paging,
    permissions,
    proposals,
    publication,
    records,
    renew,
    stats,
    streaks,
    verification,
)
from workflow.services.dossiers import apply_transition, create_dossier, edit_dossier
from workflow.services.errors import InvalidCredentials, NotFound, ServiceError, TooManyAttempts
from workflow.services.scope import get_dossier_for, get_dossier_in_full, sees_in_full, visible_units
from workflow.tracking import find_by_code, public_steps
from workflow.uow import discard, keep_changes

csrf.exempt(bp)  # bearer tokens, never cookies: nothing for a forged form to ride on

BINARY = {"schema": {"type": "string", "format": "binary"}}
SPREADSHEETS = {"text/csv": {"schema": {"type": "string"}}, exports.XLSX: BINARY}


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    discard()
    return error.as_json(), error.status, error.headers()


def page(query, id_column, serialize, params: schemas.PageQuery) -> dict:
    """Cursor pagination over ascending ids: {"items": [...], "next_cursor": "..." | null}."""
    rows = list(db.session.scalars(
        query.where(id_column > (params.cursor or 0)).order_by(id_column).limit(params.limit + 1)))
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[:params.limit]
        next_cursor = schemas.encode_cursor(rows[-1].id)
    return {"items": [serialize(r) for r in rows], "next_cursor": next_cursor}


def full_dossier(dossier: Dossier) -> dict:
    options = permissions.trigger_options(g.api_user, dossier)
    if not sees_in_full(g.api_user, dossier):
        return public_dossier_json(dossier, [o.trigger.value for o in options if o.allowed])
    return dossier_json(
        dossier, [o.trigger.value for o in options if o.allowed],
        [{"trigger": o.trigger.value, "reasons": o.reasons} for o in options if not o.allowed],
    )


# --- what routes load before reading the body (see operations.operation's `load`) ----------------------------------

def in_scope(id: int, **_: Any) -> dict:
    return {"dossier": get_dossier_for(g.api_user, id)}


def in_full_scope(id: int, **_: Any) -> dict:
    """The dossier when the caller may see all of it (its history, its files): not a neighbour on notice."""
    return {"dossier": get_dossier_in_full(g.api_user, id)}


def data_step(action: Action):
    """The dossier in scope, and the policy's answer to "may this caller take this step at all" (its role and
    relation to the dossier; the state is the service's to check): a caller who may not is refused (403) before
    the body is read, whatever the body holds — as the services refuse before they look at the fields."""

    def load(id: int, **_: Any) -> dict:
        dossier = get_dossier_for(g.api_user, id)
        permissions.require(g.api_user, action, dossier, check_state=False, check_guards=False)
        return {"dossier": dossier}

    return load


def campaign_in_scope(id: int) -> dict:
    """The campaign in the caller's scope (404 otherwise), refused (403) before its body is read unless the caller
    administers its ward."""
    campaign = db.session.get(Campaign, id)
    visible = {u.id for u in db.session.scalars(visible_units(g.api_user))}
    if campaign is None or campaign.unit_id not in visible:
        raise NotFound("Không tìm thấy đợt thi đua.")
    permissions.require_at(g.api_user, Action.ADMINISTER, campaign.unit)
    return {"campaign": campaign}


# --- auth and reference data -------------------------------------------------------------------------------

@bp.post("/auth/token")
@operation(summary="Get a bearer token", body=schemas.TokenIn, response=schemas.TokenOut, public=True,
           errors=(401, 429))
def auth_token(body: schemas.TokenIn):
    address = request.remote_addr or "unknown"
    accounts.check_throttle(body.username, address, current_app.config)
    user = accounts.authenticate(body.username, body.password)
    if user is None:
        accounts.record_failure(body.username, address, current_app.config)
        keep_changes()  # the failure counts even though the answer is a refusal
        raise InvalidCredentials("Sai tên đăng nhập hoặc mật khẩu.")
    accounts.forget_failures(body.username, address)
    if user.must_change_password:  # a temporary password opens the change-password page only
        keep_changes()
        raise accounts.PasswordChangeRequired(PASSWORD_CHANGE_REQUIRED)
    token, expires_at = accounts.issue_token(user, current_app.config["API_TOKEN_HOURS"])
    return {"token": token, "expires_at": iso(expires_at)}


@bp.post("/auth/logout")
@operation(summary="Revoke the calling token", status=204)
def auth_logout():
    accounts.revoke_token(bearer_token())


@bp.get("/auth/tokens")
@operation(summary="The caller's API tokens that still work, newest first (ids and dates: no token is stored)",
           response=schemas.TokenList)
def list_tokens():
    return {"items": [{"id": t.id, "created_at": iso(t.created_at), "expires_at": iso(t.expires_at),
                       "current": t.token_hash == accounts.digest(bearer_token())}
                      for t in accounts.tokens_of(g.api_user)]}


@bp.delete("/auth/tokens/<int:id>")
@operation(summary="Revoke one of the caller's API tokens (another's is 404); it answers 401 from then on",
           status=204)
def delete_token(id: int):
    accounts.revoke_token_of(g.api_user, g.api_user, id)


@bp.get("/me")
@operation(summary="The caller and their roles", response=schemas.MeOut)
def me():
    return me_json(g.api_user)


@bp.get("/me/inbox")
@operation(summary="The caller's messages, newest first (?unread=true: only unread ones)", query=schemas.InboxQuery,
           response=schemas.InboxPage)
def my_inbox(query: schemas.InboxQuery):
    rows = inbox.messages(g.api_user, unread_only=query.unread in ("true", "1"), limit=query.limit + 1,
                          before_id=query.cursor)
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return {"items": [{"id": n.id, "at": iso(n.created_at), "dossier_id": n.dossier_id, "kind": n.kind,
                       "text": n.text, "read": n.read_at is not None} for n in rows],
            "next_cursor": schemas.encode_cursor(rows[-1].id) if more else None}


@bp.post("/me/inbox/<int:id>/read")
@operation(summary="Mark one of the caller's messages read (another's is 404)", status=204)
def read_message(id: int):
    inbox.mark_read(g.api_user, id)


@bp.get("/stats")
@operation(summary="Figures of the dossiers in scope (chairman, auditor, admin): per state, title, group and year, "
                   "results and pass rates, overdue, days in each stage, criteria most failed",
           query=schemas.StatsQuery, response=schemas.StatsOut)
def get_stats(query: schemas.StatsQuery):
    permissions.require_somewhere(g.api_user, Action.STATS)
    return stats.compute(g.api_user, query.model_dump(exclude_none=True)).json()


@bp.post("/imports/registrations")
@operation(summary="Paper registrations from the ward's Excel list (group committee): dry_run=true previews each "
                   "row (create / duplicate / error and why) and writes nothing; false creates every good row in "
                   "one transaction", query=schemas.ImportQuery, form=schemas.ImportForm, response=schemas.ImportOut)
def import_registrations(query: schemas.ImportQuery, form: schemas.ImportForm):
    result = imports.run(g.api_user, query.campaign_id, query.unit_id, form.file.stream.read(imports.MAX_BYTES + 1),
                         dry_run=query.dry_run in ("true", "1"))
    return {"rows": [r.json() for r in result.rows], "created": result.created}


@bp.get("/imports/registrations/template")
@operation(summary="The registration list's Excel template (Vietnamese headers)", media={exports.XLSX: BINARY})
def import_template():
    return send_file(io.BytesIO(imports.template()), mimetype=exports.XLSX, as_attachment=True,
                     download_name="mau-danh-sach-dang-ky.xlsx")


@bp.get("/units")
@operation(summary="Units in scope", query=schemas.PageQuery, response=schemas.UnitPage)
def units(query: schemas.PageQuery):
    return page(visible_units(g.api_user), Unit.id, unit_json, query)


@bp.get("/campaigns")
@operation(summary="Campaigns in scope", query=schemas.PageQuery, response=schemas.CampaignPage)
def list_campaigns(query: schemas.PageQuery):
    ids = select(Unit.id).where(visible_units(g.api_user).whereclause)
    return page(select(Campaign).where(Campaign.unit_id.in_(ids)), Campaign.id, campaign_json, query)


@bp.post("/campaigns")
@operation(summary="Create a campaign (admin)", body=schemas.CampaignIn, response=schemas.CampaignOut, status=201)
def post_campaign(body: schemas.CampaignIn):
    campaign = campaigns.create_campaign(g.api_user, body.payload())
    return campaign_json(campaign)


@bp.patch("/campaigns/<int:id>")
@operation(summary="Change a campaign's dates and settings (admin)", body=schemas.CampaignPatchIn,
           response=schemas.CampaignOut, load=campaign_in_scope)
def patch_campaign(id: int, campaign: Campaign, body: schemas.CampaignPatchIn):
    campaigns.update_campaign(g.api_user, campaign, body.payload())
    return campaign_json(campaign)


@bp.get("/calendar")
@operation(summary="Count a period in calendar or working days (Civil Code 2015, Art. 147–148): its last day and "
                   "the days that did not count", query=schemas.CalendarQuery, response=schemas.CalendarOut)
def get_calendar(query: schemas.CalendarQuery):
    start, days, working = query.count_args()
    return calendar_json(start, days, working, calendar.count(start, days, working))


@bp.post("/calendar/days")
@operation(summary="Record an announced day off or make-up working day (admin)", body=schemas.CalendarDayIn,
           response=schemas.CalendarDayOut, status=201)
def post_calendar_day(body: schemas.CalendarDayIn):
    return calendar_day_json(calendar.add_day(g.api_user, body.payload()))


@bp.delete("/calendar/days/<int:id>")
@operation(summary="Remove an announced day entered by mistake (admin)", status=204)
def delete_calendar_day(id: int):
    calendar.remove_day(g.api_user, id)


@bp.get("/titles")
@operation(summary="Titles and their current criteria sets", response=schemas.TitlePage)
def titles():
    return {"items": [title_json(t) for t in Title], "next_cursor": None}


# --- dossiers -------------------------------------------------------------------------------------------------

@bp.post("/dossiers")
@operation(summary="Create a dossier (draft)", body=schemas.DossierIn, response=schemas.DossierOut, status=201)
def post_dossier(body: schemas.DossierIn):
    dossier = create_dossier(g.api_user, body.payload())
    return full_dossier(dossier)


@bp.get("/dossiers")
@operation(summary="Dossiers in scope; ?format=csv or xlsx for the whole filtered list as a spreadsheet",
           query=schemas.DossierQuery, response=schemas.DossierPage, media=SPREADSHEETS)
def list_dossiers(query: schemas.DossierQuery):
    if query.format in ("csv", "xlsx"):
        return exports.download(query.format, exports.dossiers(g.api_user, query.filters()),
                                exports.dossier_columns(g.api_user), "danh-sach-ho-so", "Hồ sơ")
    dossiers = listing.dossier_query(g.api_user, query.filters())
    count = paging.count_capped(dossiers)
    return {**page(dossiers, Dossier.id, lambda d: dossier_list_item(d, sees_in_full(g.api_user, d)), query),
            "total": count.counted, "total_exact": count.exact}


@bp.get("/dossiers/<int:id>")
@operation(summary="A dossier with the triggers the caller may fire", response=schemas.DossierOut, load=in_scope)
def get_dossier(id: int, dossier: Dossier):
    return full_dossier(dossier)


@bp.patch("/dossiers/<int:id>")
@operation(summary="Edit a draft (its applicant)", body=schemas.DossierPatchIn, response=schemas.DossierOut,
           load=data_step(Action.EDIT))
def patch_dossier(id: int, dossier: Dossier, body: schemas.DossierPatchIn):
    edit_dossier(g.api_user, dossier, body.payload())
    return full_dossier(dossier)


@bp.put("/dossiers/<int:id>/assessment")
@operation(summary="Save the group's self-assessment and meeting", body=schemas.AssessmentIn,
           response=schemas.DossierOut, load=data_step(Action.ASSESSMENT))
def put_assessment(id: int, dossier: Dossier, body: schemas.AssessmentIn):
    records.save_assessment(g.api_user, dossier, body.payload())
    return full_dossier(dossier)


@bp.put("/dossiers/<int:id>/inspection")
@operation(summary="Save the ward's inspection", body=schemas.InspectionIn, response=schemas.DossierOut,
           load=data_step(Action.INSPECTION))
def put_inspection(id: int, dossier: Dossier, body: schemas.InspectionIn):
    records.save_inspection(g.api_user, dossier, body.payload())
    return full_dossier(dossier)


@bp.post("/dossiers/<int:id>/votes")
@operation(summary="Cast (or replace) a council vote", body=schemas.VoteIn, response=schemas.VoteOut, status=201,
           load=data_step(Action.VOTE))
def post_vote(id: int, dossier: Dossier, body: schemas.VoteIn):
    vote = records.cast_vote(g.api_user, dossier, body.vote, body.comment or "")
    return {"dossier_id": dossier.id, "vote": vote.choice, "comment": vote.comment, "cast_at": iso(vote.cast_at)}


@bp.post("/dossiers/<int:id>/objections")
@operation(summary="Record an objection during the public notice", body=schemas.ObjectionIn,
           response=schemas.ObjectionOut, status=201, load=data_step(Action.OBJECTION))
def post_objection(id: int, dossier: Dossier, body: schemas.ObjectionIn):
    objection = records.record_objection(g.api_user, dossier, body.text, resident_name=body.resident_name)
    return {"id": objection.id, "text": objection.text, "filed_at": iso(objection.filed_at),
            "resident_name": objection.resident_name}


@bp.post("/dossiers/<int:id>/objections/<int:objection_id>/answer")
@operation(summary="Answer an objection", body=schemas.AnswerIn, response=schemas.AnswerOut,
           load=data_step(Action.ANSWER))
def answer_objection(id: int, objection_id: int, dossier: Dossier, body: schemas.AnswerIn):
    objection = records.answer_objection(g.api_user, dossier, objection_id, body.answer, body.upheld,
                                         disqualifiers=body.disqualifiers)
    return {"id": objection.id, "answer": objection.answer, "upheld": objection.upheld}


@bp.post("/dossiers/<int:id>/disqualifiers")
@operation(summary="Record or clear a disqualifier (any stage; clearing needs a reason)", body=schemas.DisqualifierIn,
           response=schemas.DossierOut, load=data_step(Action.DISQUALIFIER))
def post_disqualifier(id: int, dossier: Dossier, body: schemas.DisqualifierIn):
    records.set_disqualifier(g.api_user, dossier, body.payload())
    return full_dossier(dossier)


@bp.post("/delegations")
@operation(summary="Lend a role to a stand-in for a date range (the holder, or an admin)", body=schemas.DelegationIn,
           response=schemas.DelegationOut, status=201)
def post_delegation(body: schemas.DelegationIn):
    return delegation_json(delegations.grant(g.api_user, body.payload()))


@bp.delete("/delegations/<int:id>")
@operation(summary="End a delegation early", status=204)
def delete_delegation(id: int):
    delegations.end(g.api_user, id)


@bp.post("/dossiers/<int:id>/transitions")
@operation(summary="Fire a trigger", body=schemas.TransitionIn, response=schemas.DossierOut, load=in_scope)
def post_transition(id: int, dossier: Dossier, body: schemas.TransitionIn):
    apply_transition(g.api_user, dossier, body.trigger, body.version, body.comment or "",
                     body.data if body.data is not None else {})
    return full_dossier(dossier)


@bp.post("/dossiers/<int:id>/renew")
@operation(summary="Register again in a later campaign of the ward from an ended dossier: the subject, household "
                   "and group copied, nothing else (its applicant: a draft; the group committee: registered on "
                   "the resident's behalf)", body=schemas.RenewIn, response=schemas.DossierOut, status=201,
           load=data_step(Action.RENEW))
def post_renew(id: int, dossier: Dossier, body: schemas.RenewIn):
    return full_dossier(renew.renew(g.api_user, dossier.id, body.campaign_id))


@bp.post("/dossiers/<int:id>/attachments")
@operation(summary="Upload evidence (PDF, PNG or JPEG by content)", form=schemas.AttachmentForm,
           response=schemas.AttachmentOut, status=201, load=data_step(Action.ATTACH))
def post_attachment(id: int, dossier: Dossier, form: schemas.AttachmentForm):
    attachment = attachments.add_attachment(
        g.api_user, dossier, form.file.stream, form.file.filename or "", form.kind,  # the service cleans the name
        current_app.config["UPLOAD_FOLDER"], current_app.config["ATTACHMENT_MAX_BYTES"])
    return attachment_json(attachment)


@bp.get("/dossiers/<int:id>/attachments/<int:att_id>")
@operation(summary="Download an attachment", load=in_full_scope,
           media={"application/pdf": BINARY, "image/png": BINARY, "image/jpeg": BINARY})
def get_attachment(id: int, att_id: int, dossier: Dossier):
    return send_attachment(dossier, att_id)


@bp.post("/decisions")
@operation(summary="Record a decision over many dossiers (chairman): all move or none does",
           body=schemas.DecisionIn, response=schemas.DecisionOut, status=201)
def post_decision(body: schemas.DecisionIn):
    decision = decisions.record_decision(g.api_user, body.payload())
    return decision_json(decision)


@bp.get("/decisions/<int:id>")
@operation(summary="Read a decision", response=schemas.DecisionOut)
def get_decision(id: int):
    decision = decisions.decision_for(g.api_user, id)
    if decision is None:
        raise NotFound("Không tìm thấy quyết định.")
    return decision_json(decision)


# --- the group's review meeting, and bulk steps -----------------------------------------------------------------

def group_meeting(unit_id: int, campaign_id: int) -> dict:
    """The group (in the caller's scope, 404 otherwise) and its ward's campaign."""
    unit = meetings.group_for(g.api_user, unit_id)
    return {"unit": unit, "campaign": meetings.campaign_for(unit, campaign_id)}


def group_meeting_to_record(unit_id: int, campaign_id: int) -> dict:
    """As group_meeting, and refused (403) before the body is read unless the caller may record the meeting."""
    loaded = group_meeting(unit_id, campaign_id)
    permissions.require_at(g.api_user, Action.MEETING, loaded["unit"])
    return loaded


@bp.get("/units/<int:unit_id>/meetings/<int:campaign_id>")
@operation(summary="The group's review meeting of a campaign and each dossier's votes in favour",
           response=schemas.GroupMeetingOut, load=group_meeting)
def get_meeting(unit_id: int, campaign_id: int, unit: Unit, campaign: Campaign):
    meeting = meetings.meeting_of(unit.id, campaign.id)
    if meeting is None:
        raise NotFound("Tổ chưa ghi biên bản họp bình xét của đợt thi đua này.")
    return meeting_json(meeting)


@bp.get("/units/<int:unit_id>/proposals/<int:campaign_id>")
@operation(summary="The group's proposal to the ward (văn bản đề nghị): the dossiers its meeting passed, each with "
                   "its votes in favour, the objections residents made and how many were upheld",
           response=schemas.ProposalOut)
def get_proposal(unit_id: int, campaign_id: int):
    found = proposals.proposal_for(g.api_user, unit_id, campaign_id)
    return {"unit_id": found.unit.id, "campaign_id": found.campaign.id,
            "meeting_id": found.meeting.id if found.meeting else None,
            "items": [{"dossier_id": i.dossier_id, "subject_name": i.subject_name, "title": i.title,
                       "votes_for": i.votes_for, "attendees": i.attendees, "objections": i.objections,
                       "upheld": i.upheld, "state": i.state} for i in found.items]}


@bp.put("/units/<int:unit_id>/meetings/<int:campaign_id>")
@operation(summary="Record the group's one review meeting of a campaign (group committee): its figures and the "
                   "votes in favour of the listed dossiers (those not listed keep theirs)",
           body=schemas.GroupMeetingIn, response=schemas.GroupMeetingOut, load=group_meeting_to_record)
def put_meeting(unit_id: int, campaign_id: int, unit: Unit, campaign: Campaign, body: schemas.GroupMeetingIn):
    return meeting_json(meetings.record_meeting(g.api_user, unit.id, campaign.id, body.payload()))


@bp.post("/transitions/batch")
@operation(summary="Fire one trigger on many dossiers: every item moves, or none does (each blocker named)",
           body=schemas.BatchIn, response=schemas.BatchOut)
def post_batch(body: schemas.BatchIn):
    moved = batch.apply_batch(g.api_user, body.trigger, [item.model_dump() for item in body.items],
                              body.comment or "", body.data if body.data is not None else {})
    return {"moved": [{"dossier_id": d.id, "state": d.state, "version": d.version} for d in moved]}


# --- history and audit --------------------------------------------------------------------------------------

@bp.get("/dossiers/<int:id>/history")
@operation(summary="A dossier's events, oldest first, and whether its hash chain holds",
           response=schemas.HistoryOut, load=in_full_scope)
def history(id: int, dossier: Dossier):
    events = audit.stream_events(f"dossier:{dossier.id}")
    show_voters = dossier_view.voters_visible(g.api_user, dossier)
    shown = []
    for event in events:
        item = event_json(event)
        if dossier_view.is_secret_vote(event, show_voters):  # counts only, never who or why
            item.update(actor=None, role="council_member", comment="", data={})
        shown.append(item)
    return {"events": shown, "chain_valid": not audit.check_chain(events)}


@bp.get("/audit/events")
@operation(summary="Audit events in scope (auditor, chairman, admin); ?format=csv or xlsx for a spreadsheet",
           query=schemas.AuditQuery, response=schemas.EventPage, media=SPREADSHEETS)
def audit_events(query: schemas.AuditQuery):
    events = listing.audit_query(g.api_user, query.filters())
    if query.format in ("csv", "xlsx"):
        return exports.download(query.format, exports.events(events), exports.audit_columns(),
                                "nhat-ky-kiem-toan", "Nhật ký")
    return page(events, AuditEvent.id, event_json, query)


@bp.get("/audit/verify")
@operation(summary="The latest whole verification (`flask audit-verify`, run outside any request) and the latest "
                   "seal, with the problems that verification found in the caller's scope",
           response=schemas.VerifyOut)
def audit_verify():
    check = verification.latest_check(listing.audit_paths(g.api_user))
    run, seal = check.run, check.seal
    return {"valid": check.valid, "dossiers_checked": run.dossiers if run else None,
            "events_checked": run.events if run else None, "broken": check.broken,
            "checked_at": run.at if run else None, "events": run.events if run else None,
            "latest": verification_json(run, check.broken) if run else None,
            "seal": seal_json(seal) if seal else None}


def seal_json(seal: AuditSeal) -> dict:
    return {"id": seal.id, "at": seal.at, "events": seal.events, "streams": seal.streams,
            "last_event_id": seal.last_event_id, "root": seal.root, "hash": seal.hash, "prev_hash": seal.prev_hash,
            "sealed_by": seal.sealed_by}


def verification_json(row: AuditVerification, problems: list[dict]) -> dict:
    """A stored verification, with only the problems in the caller's scope (`problems`)."""
    return {"checked_at": row.at, "valid": row.valid, "events": row.events, "dossiers": row.dossiers,
            "seal_id": row.seal_id, "problems": problems}


@bp.get("/audit/seals")
@operation(summary="The audit's seals, oldest first: each a Merkle root over every chain's head, chained to the "
                   "previous seal (`flask audit-seal` appends one)", query=schemas.PageQuery,
           response=schemas.SealPage)
def audit_seals(query: schemas.PageQuery):
    listing.audit_paths(g.api_user)  # 403 for those who may not read the audit
    return page(select(AuditSeal), AuditSeal.id, seal_json, query)


# --- public ------------------------------------------------------------------------------------------------------

def _public_lookup(kind: str) -> None:
    """Counts one public lookup of `kind` from this address; 429 when it asked too often this minute."""
    if not lookup_allowed(kind):
        raise TooManyAttempts(TOO_MANY)


@bp.get("/track/<code:tracking_code>")
@operation(summary="Public progress of a dossier (no names, no scores)", response=schemas.TrackOut, public=True,
           errors=(429,))
def track(tracking_code: str):
    _public_lookup("track")
    dossier = find_by_code(tracking_code)
    if dossier is None:
        raise NotFound("Không tìm thấy mã hồ sơ.")
    return {"tracking_code": dossier.tracking_code, "title": dossier.title, "state": dossier.state,
            "state_label": STATE_LABELS[State(dossier.state)],
            "steps": [{"state": s, "at": iso(at)} for s, at in public_steps(dossier)]}


@bp.get("/public/notices")
@operation(summary="A residential group's dossiers on public notice now (title, subject's name, last day of the "
                   "notice, tracking code; nothing personal)", query=schemas.NoticeQuery,
           response=schemas.NoticePage, public=True, errors=(429,))
def public_notices(query: schemas.NoticeQuery):
    _public_lookup("notices")
    group = notice_board.find_group(query.unit_code)
    if group is None:
        raise NotFound("Không tìm thấy tổ dân phố có mã này.")
    return page(notice_board.on_notice_query(group), Dossier.id, notice_board.public_item, query)


@bp.get("/openapi.json")
@operation(summary="This document", public=True, media={"application/json": {"schema": {"type": "object"}}})
def openapi():
    return openapi_document(current_app)


# --- streaks and Giấy khen (issue 8) -----------------------------------------------------------------------------

@bp.get("/streaks")
@operation(summary="Consecutive years each subject was recognized (in the caller's scope, under unit_id when "
                   "given) and whether it has earned a Giấy khen", query=schemas.StreakQuery,
           response=schemas.StreakPage)
def list_streaks(query: schemas.StreakQuery):
    return {"items": [s.json() for s in streaks.streaks(g.api_user, query.unit_id)], "next_cursor": None}


# --- the public check of a certificate (issue 8) -------------------------------------------------------------------

@bp.get("/public/certificates/<certificate:certificate_code>")
@operation(summary="Whether a certificate still stands (title, subject's name, year, group, decision; nothing "
                   "personal); its QR code opens the page of the same path without /api/v1",
           response=schemas.CertificateOut, public=True, errors=(429,))
def public_certificate(certificate_code: str):
    _public_lookup("certificates")
    found = certificates.verify(certificate_code)
    if found is None:
        raise NotFound("Không tìm thấy giấy công nhận có mã này.")
    return found.json()


# --- the public check of a signed paper (issue 16) ---------------------------------------------------------------

def _count_verify_pdf() -> dict:
    """The lookup counted before the upload is read: an address over its limit costs no parsing."""
    _public_lookup("verify_pdf")
    return {}


@bp.post("/public/verify-pdf")
@operation(summary="Who signed a PDF (the ward's decisions, notices, revocations, certificates), when, and whether "
                   "a byte of it changed since; the file is read in memory and never kept",
           form=schemas.VerifyPdfForm, response=schemas.VerifyPdfOut, public=True, errors=(429,),
           load=_count_verify_pdf)
def public_verify_pdf(form: schemas.VerifyPdfForm):
    from workflow.services.signing import verify_upload

    found = verify_upload(form.file.stream, current_app.config["VERIFY_PDF_MAX_BYTES"])
    return {"signed": found.signed, "intact": found.intact, "signer": found.signer or None,
            "issuer": found.issuer or None, "signed_at": iso(found.signed_at), "chain_valid": found.chain_valid}


# --- the public list of those recognized (issue 8) ---------------------------------------------------------------

@bp.get("/public/recognized")
@operation(summary="A campaign's list of those recognized by a signed decision, revoked titles left out (name, "
                   "title, group, decision, certificate code; nothing personal)", query=schemas.RecognizedQuery,
           response=schemas.RecognizedPage, public=True, errors=(429,))
def public_recognized(query: schemas.RecognizedQuery):
    _public_lookup("recognized")
    campaign = publication.find_campaign(query.campaign_id)
    if campaign is None:
        raise NotFound("Không tìm thấy đợt thi đua.")
    return {"items": [item.json() for item in publication.recognized_list(campaign.id)], "next_cursor": None}
