"""The auditor's pages: the event log across the scope, the account changes, the latest verification and seal."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from models import AuditEvent, Dossier, Unit, User
from states.enums import EventName, Trigger
from workflow import exports
from workflow.audit import bp
from workflow.extensions import db
from workflow.services import paging, seals, verification
from workflow.services.errors import ValidationFailed
from workflow.services.listing import audit_paths, audit_query
from workflow.services.unit_choices import filter_choices

PAGE_SIZE = 50
NEWEST_FIRST = paging.Order("at", AuditEvent.at, AuditEvent.id, descending=True)


@bp.get("/events")
@login_required
def events():
    audit_paths(current_user)  # 403 for those who may not read the log
    # ?page= of the numbered pages before is ignored: the link opens the first page.
    args = {k: v for k, v in request.args.to_dict().items() if k not in ("page", "after")}
    try:
        query = audit_query(current_user, args)
    except ValidationFailed as error:
        flash(error.message + " " + "; ".join(error.fields.values()), "error")
        args, query = {}, audit_query(current_user, {})
    page = paging.keyset_page(query, NEWEST_FIRST, request.args.get("after"), PAGE_SIZE)
    if page.key_refused:
        flash(_("Liên kết trang không đúng hoặc đã cũ; đây là trang đầu của nhật ký."), "warning")
    names = [t.value for t in Trigger] + [e.value for e in EventName]
    return render_template("audit/events.html", page=page, count=paging.count_capped(query), args=args,
                           units=filter_choices(current_user, args.get("unit_id")), names=names,
                           people=_full_names(page.items), dossiers=_dossiers(page.items))


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
    """The latest `flask audit-verify` and seal, as they concern the reader's scope (never a check run here)."""
    return render_template("audit/verify.html", check=verification.latest_check(audit_paths(current_user)),
                           explain=seals.explain)


# What changes who may do what: shown apart on the auditor's "Phân quyền" page.
ACCOUNT_EVENTS = ("role_granted", "role_revoked", "password_reset", "user_deactivated", "user_reactivated",
                  "token_revoked", "password_changed")


@bp.get("/accounts")
@login_required
def accounts():
    """Phân quyền: every role granted or revoked, password reset, account locked or reopened in the scope — who
    did it, to whom, which role at which unit, when."""
    query = audit_query(current_user, {}).where(AuditEvent.trigger.in_(ACCOUNT_EVENTS))
    page = paging.keyset_page(query, NEWEST_FIRST, request.args.get("after"), PAGE_SIZE)
    if page.key_refused:
        flash(_("Liên kết trang không đúng hoặc đã cũ; đây là trang đầu của nhật ký."), "warning")
    rows = page.items
    whom = {int(e.stream.partition(":")[2]) for e in rows if e.stream.partition(":")[2].isdigit()}
    names = {user_id: name for user_id, name in db.session.execute(
        select(User.id, User.full_name).where(User.id.in_(whom | {e.actor_id for e in rows if e.actor_id})))}
    codes = {(e.data or {}).get("unit") for e in rows} - {None}
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))} if codes else {}
    return render_template("audit/accounts.html", page=page, count=paging.count_capped(query), names=names,
                           units=units)
