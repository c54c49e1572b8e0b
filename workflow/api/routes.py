"""JSON API v1 (API.md). Routes parse input, load in scope, call one service and commit once."""

from __future__ import annotations

import base64
from functools import wraps

from flask import current_app, g, jsonify, request
from sqlalchemy import select

from models import AuditEvent, Campaign, Dossier, Unit
from states.enums import State, Title
from states.labels import STATE_LABELS
from workflow.api import bp
from workflow.api.openapi import openapi_document
from workflow.api.serialize import (
    attachment_json,
    campaign_json,
    decision_json,
    dossier_json,
    dossier_list_item,
    event_json,
    iso,
    me_json,
    title_json,
    unit_json,
)
from workflow.downloads import csv_response, send_attachment
from workflow.extensions import csrf, db
from workflow.public.ratelimit import track_limiter
from workflow.services import accounts, attachments, audit, campaigns, decisions, dossier_view, listing, records
from workflow.services.dossiers import apply_transition, create_dossier, edit_dossier, trigger_options
from workflow.services.errors import (
    BadRequest,
    NotFound,
    ServiceError,
    TooManyAttempts,
    Unauthenticated,
    ValidationFailed,
)
from workflow.services.scope import (
    get_dossier_for,
    visible_units,
)
from workflow.services.validate import Fields
from workflow.tracking import find_by_code, public_steps

csrf.exempt(bp)  # bearer tokens, never cookies: nothing for a forged form to ride on

@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    db.session.rollback()
    return jsonify(error.as_json()), error.status


def body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("Nội dung yêu cầu không phải JSON hợp lệ.")
    if not isinstance(data, dict):
        raise BadRequest("Nội dung yêu cầu phải là một đối tượng JSON.")
    return data


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Cần đăng nhập: gửi Authorization: Bearer <token>.")
        user = accounts.user_for_token(token.strip())
        if user is None:
            raise Unauthenticated("Token không hợp lệ hoặc đã hết hạn.")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def page(query, id_column, serialize):
    """Cursor pagination over ascending ids: {"items": [...], "next_cursor": "..." | null}."""
    fields = Fields(request.args.to_dict())
    limit = fields.integer("limit", required=False, minimum=1, maximum=500) or 50
    cursor = request.args.get("cursor")
    after = 0
    if cursor:
        try:
            after = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
        except (ValueError, UnicodeDecodeError):
            fields.error("cursor", "cursor không hợp lệ")
    fields.done("Tham số danh sách chưa hợp lệ.")
    rows = list(db.session.scalars(query.where(id_column > after).order_by(id_column).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = base64.urlsafe_b64encode(str(rows[-1].id).encode()).decode().rstrip("=")
    return jsonify({"items": [serialize(r) for r in rows], "next_cursor": next_cursor})


def full_dossier(dossier: Dossier) -> dict:
    options = trigger_options(g.api_user, dossier)
    return dossier_json(
        dossier, [o.trigger.value for o in options if o.allowed],
        [{"trigger": o.trigger.value, "reasons": o.reasons} for o in options if not o.allowed],
    )


# --- auth and reference data -------------------------------------------------------------------------------

@bp.post("/auth/token")
def auth_token():
    data = body()
    fields = Fields(data)
    username = fields.text("username", required=True, max_length=80)
    password = data.get("password") if isinstance(data.get("password"), str) else ""
    if not password:
        fields.error("password", "bắt buộc")
    fields.done()
    address = request.remote_addr or "unknown"
    accounts.check_throttle(username, address, current_app.config)
    user = accounts.authenticate(username, password)
    if user is None:
        accounts.record_failure(username, address)
        db.session.commit()
        return jsonify({"error": {"code": "invalid_credentials", "message": "Sai tên đăng nhập hoặc mật khẩu.",
                                  "fields": {}}}), 401
    token, expires_at = accounts.issue_token(user, current_app.config["API_TOKEN_HOURS"])
    db.session.commit()
    return jsonify({"token": token, "expires_at": iso(expires_at)})


@bp.get("/me")
@token_required
def me():
    return jsonify(me_json(g.api_user))


@bp.get("/units")
@token_required
def units():
    return page(visible_units(g.api_user), Unit.id, unit_json)


@bp.get("/campaigns")
@token_required
def list_campaigns():
    ids = select(Unit.id).where(visible_units(g.api_user).whereclause)
    return page(select(Campaign).where(Campaign.unit_id.in_(ids)), Campaign.id, campaign_json)


@bp.post("/campaigns")
@token_required
def post_campaign():
    campaign = campaigns.create_campaign(g.api_user, body())
    db.session.commit()
    return jsonify(campaign_json(campaign)), 201


@bp.patch("/campaigns/<int:campaign_id>")
@token_required
def patch_campaign(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    visible = {u.id for u in db.session.scalars(visible_units(g.api_user))}
    if campaign is None or campaign.unit_id not in visible:
        raise NotFound("Không tìm thấy đợt thi đua.")
    campaigns.update_campaign(g.api_user, campaign, body())
    db.session.commit()
    return jsonify(campaign_json(campaign))


@bp.get("/titles")
@token_required
def titles():
    return jsonify({"items": [title_json(t) for t in Title], "next_cursor": None})


# --- dossiers -------------------------------------------------------------------------------------------------

@bp.post("/dossiers")
@token_required
def post_dossier():
    dossier = create_dossier(g.api_user, body())
    db.session.commit()
    return jsonify(full_dossier(dossier)), 201


@bp.get("/dossiers")
@token_required
def list_dossiers():
    return page(listing.dossier_query(g.api_user, request.args), Dossier.id, dossier_list_item)


@bp.get("/dossiers/<int:dossier_id>")
@token_required
def get_dossier(dossier_id: int):
    return jsonify(full_dossier(get_dossier_for(g.api_user, dossier_id)))


@bp.patch("/dossiers/<int:dossier_id>")
@token_required
def patch_dossier(dossier_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    edit_dossier(g.api_user, dossier, body())
    db.session.commit()
    return jsonify(full_dossier(dossier))


@bp.put("/dossiers/<int:dossier_id>/assessment")
@token_required
def put_assessment(dossier_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    records.save_assessment(g.api_user, dossier, body())
    db.session.commit()
    return jsonify(full_dossier(dossier))


@bp.put("/dossiers/<int:dossier_id>/inspection")
@token_required
def put_inspection(dossier_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    records.save_inspection(g.api_user, dossier, body())
    db.session.commit()
    return jsonify(full_dossier(dossier))


@bp.post("/dossiers/<int:dossier_id>/votes")
@token_required
def post_vote(dossier_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    data = body()
    vote = records.cast_vote(g.api_user, dossier, data.get("vote"), data.get("comment", ""))
    db.session.commit()
    return jsonify({"dossier_id": dossier.id, "vote": vote.choice, "comment": vote.comment,
                    "cast_at": iso(vote.cast_at)}), 201


@bp.post("/dossiers/<int:dossier_id>/objections")
@token_required
def post_objection(dossier_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    objection = records.record_objection(g.api_user, dossier, body().get("text"))
    db.session.commit()
    return jsonify({"id": objection.id, "text": objection.text, "filed_at": iso(objection.filed_at)}), 201


@bp.post("/dossiers/<int:dossier_id>/objections/<int:objection_id>/answer")
@token_required
def answer_objection(dossier_id: int, objection_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    data = body()
    objection = records.answer_objection(g.api_user, dossier, objection_id, data.get("answer"), data.get("upheld"))
    db.session.commit()
    return jsonify({"id": objection.id, "answer": objection.answer, "upheld": objection.upheld})


@bp.post("/dossiers/<int:dossier_id>/transitions")
@token_required
def post_transition(dossier_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    data = body()
    if not isinstance(data.get("trigger"), str):
        raise ValidationFailed("Thiếu thao tác (trigger).", {"trigger": "bắt buộc"})
    apply_transition(g.api_user, dossier, data["trigger"], data.get("version"), data.get("comment") or "",
                     data.get("data") if data.get("data") is not None else {})
    db.session.commit()
    return jsonify(full_dossier(dossier))


@bp.post("/dossiers/<int:dossier_id>/attachments")
@token_required
def post_attachment(dossier_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("Thiếu tệp (trường multipart 'file').", {"file": "bắt buộc"})
    attachment = attachments.add_attachment(
        g.api_user, dossier, upload.stream, upload.filename or "", request.form.get("kind", "evidence"),
        current_app.config["UPLOAD_FOLDER"], current_app.config["ATTACHMENT_MAX_BYTES"])
    db.session.commit()
    return jsonify(attachment_json(attachment)), 201


@bp.get("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>")
@token_required
def get_attachment(dossier_id: int, attachment_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    return send_attachment(dossier, attachment_id)


@bp.post("/decisions")
@token_required
def post_decision():
    decision = decisions.record_decision(g.api_user, body())
    db.session.commit()
    return jsonify(decision_json(decision)), 201


@bp.get("/decisions/<int:decision_id>")
@token_required
def get_decision(decision_id: int):
    decision = decisions.decision_for(g.api_user, decision_id)
    if decision is None:
        raise NotFound("Không tìm thấy quyết định.")
    return jsonify(decision_json(decision))


# --- history and audit --------------------------------------------------------------------------------------

@bp.get("/dossiers/<int:dossier_id>/history")
@token_required
def history(dossier_id: int):
    dossier = get_dossier_for(g.api_user, dossier_id)
    events = audit.stream_events(f"dossier:{dossier.id}")
    show_voters = dossier_view.voters_visible(g.api_user, dossier)
    shown = []
    for event in events:
        item = event_json(event)
        if dossier_view.is_secret_vote(event, show_voters):  # counts only, never who or why
            item.update(actor=None, role="council_member", comment="", data={})
        shown.append(item)
    return jsonify({"events": shown, "chain_valid": not audit.check_chain(events)})


@bp.get("/audit/events")
@token_required
def audit_events():
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ValidationFailed("Định dạng không hợp lệ.", {"format": "json hoặc csv"})
    query = listing.audit_query(g.api_user, request.args)
    if fmt == "csv":
        return csv_response(db.session.scalars(query.order_by(AuditEvent.id)))
    return page(query, AuditEvent.id, event_json)


@bp.get("/audit/verify")
@token_required
def audit_verify():
    report = audit.verify(listing.audit_paths(g.api_user))
    return jsonify({"valid": report.valid, "dossiers_checked": report.dossiers_checked,
                    "events_checked": report.events_checked, "broken": report.broken})


# --- public ------------------------------------------------------------------------------------------------------

@bp.get("/track/<code>")
def track(code: str):
    if not track_limiter.allow(request.remote_addr or "unknown", current_app.config["TRACK_REQUESTS_PER_MINUTE"]):
        raise TooManyAttempts("Tra cứu quá nhiều lần, vui lòng thử lại sau một phút.")
    dossier = find_by_code(code)
    if dossier is None:
        raise NotFound("Không tìm thấy mã hồ sơ.")
    return jsonify({"tracking_code": dossier.tracking_code, "title": dossier.title, "state": dossier.state,
                    "state_label": STATE_LABELS[State(dossier.state)],
                    "steps": [{"state": s, "at": iso(at)} for s, at in public_steps(dossier)]})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
