"""The auditor's pages: the event log across the scope, each chain's status, the whole-scope verification."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from models import AuditEvent, Dossier, Unit, User
from states.enums import EventName, Trigger
from workflow import exports
from workflow.audit import bp
from workflow.extensions import db
from workflow.services import audit as audit_service
from workflow.services.errors import ValidationFailed
from workflow.services.listing import audit_paths, audit_query
from workflow.services.scope import visible_units
from workflow.web import Page

PAGE_SIZE = 50


@bp.get("/events")
@login_required
def events():
    audit_paths(current_user)  # 403 for those who may not read the log
    args = request.args.to_dict()
    try:
        query = audit_query(current_user, args)
    except ValidationFailed as error:
        flash(error.message + " " + "; ".join(error.fields.values()), "error")
        args, query = {}, audit_query(current_user, {})
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    # Past the end is the last page: ?page=10**20 is no offset a database can hold.
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), Page([], total, 1, PAGE_SIZE).pages)
    rows = db.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                              .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    units = db.session.scalars(visible_units(current_user).order_by(Unit.path)).all()
    names = [t.value for t in Trigger] + [e.value for e in EventName]
    return render_template("audit/events.html", page=Page(rows, total, number, PAGE_SIZE), args=args,
                           units=units, names=names, people=_full_names(rows), dossiers=_dossiers(rows))


def _full_names(rows: list[AuditEvent]) -> dict[int, str]:
    """The actors' full names (the log stores the username at the time; people know each other by name)."""
    ids = {e.actor_id for e in rows if e.actor_id}
    if not ids:
        return {}
    return {user_id: name for user_id, name in db.session.execute(
        select(User.id, User.full_name).where(User.id.in_(ids)))}


def _dossiers(rows: list[AuditEvent]) -> dict[int, Dossier]:
    ids = {e.dossier_id for e in rows if e.dossier_id}
    return {d.id: d for d in db.session.scalars(select(Dossier).where(Dossier.id.in_(ids)))} if ids else {}


@bp.get("/events.csv")
@login_required
def export():
    try:
        query = audit_query(current_user, request.args.to_dict())
    except ValidationFailed:
        query = audit_query(current_user, {})
    fmt = "xlsx" if request.args.get("format") == "xlsx" else "csv"
    return exports.download(fmt, exports.events(query), exports.audit_columns(), "nhat-ky-kiem-toan", "Nhật ký")


@bp.get("/verify")
@login_required
def verify():
    from workflow.services import seals

    return render_template("audit/verify.html", report=audit_service.verify(audit_paths(current_user)),
                           seal=seals.latest_seal(), latest=seals.latest_verification(), explain=seals.explain)


# What changes who may do what: shown apart on the auditor's "Phân quyền" page.
ACCOUNT_EVENTS = ("role_granted", "role_revoked", "password_reset", "user_deactivated", "user_reactivated",
                  "token_revoked", "password_changed")


@bp.get("/accounts")
@login_required
def accounts():
    """Phân quyền: every role granted or revoked, password reset, account locked or reopened in the scope — who
    did it, to whom, which role at which unit, when."""
    query = audit_query(current_user, {}).where(AuditEvent.trigger.in_(ACCOUNT_EVENTS))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), Page([], total, 1, PAGE_SIZE).pages)
    rows = db.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                              .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    whom = {int(e.stream.partition(":")[2]) for e in rows if e.stream.partition(":")[2].isdigit()}
    names = {user_id: name for user_id, name in db.session.execute(
        select(User.id, User.full_name).where(User.id.in_(whom | {e.actor_id for e in rows if e.actor_id})))}
    codes = {(e.data or {}).get("unit") for e in rows} - {None}
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))} if codes else {}
    return render_template("audit/accounts.html", page=Page(rows, total, number, PAGE_SIZE), names=names,
                           units=units)
