"""“Lập hồ sơ … cho các hộ”: the group committee starts, in one step, a dossier of a title assessed for every
household (Decree 86/2023: Gia đình văn hóa) for each household of its group that has none (services/households.py).

The page shows who would get a dossier and who is left out (already has one) before anything is written; the
confirmation carries the preview's fingerprint, so a list that changed in between is shown again, not started.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import HiddenField

from models import Unit
from states.enums import Action, UnitKind
from states.labels import TITLE_LABELS
from states.titles import EVERY_HOUSEHOLD_TITLES
from workflow.dossiers import bp
from workflow.extensions import db
from workflow.filters import translated
from workflow.formbase import Form
from workflow.forms import parse_id
from workflow.services import households, permissions
from workflow.services.errors import ServiceError
from workflow.services.listing import local_today
from workflow.services.scope import unit_filter
from workflow.services.work import registration_campaigns
from workflow.web import error_page, refusal_to_form


class StartForm(Form):
    """The confirmation: what the preview showed (group, campaign, title and the list's fingerprint)."""

    unit_id = HiddenField()
    campaign_id = HiddenField()
    title = HiddenField()
    seen = HiddenField()


def _groups() -> list[Unit]:
    """The residential groups where the user registers on residents' behalf, still existing today."""
    paths = [u.path for u in permissions.units_for(current_user, Action.REGISTER_ON_BEHALF)]
    condition = unit_filter(Unit.path, paths)
    if condition is None:
        return []
    today = local_today()
    return [u for u in db.session.scalars(select(Unit).where(condition, Unit.kind == UnitKind.GROUP.value)
                                          .order_by(Unit.code)) if u.exists_on(today)]


def _picked(options: list, raw: str | None, key=lambda o: o.id):
    """The option the query names, else the first one (a stale or hostile value falls back, never fails)."""
    return next((o for o in options if str(key(o)) == (raw or "").strip()), options[0] if options else None)


@bp.route("/dossiers/every-household", methods=["GET", "POST"])
@login_required
def every_household():
    """Choose the group, campaign and title; see who gets a dossier and who already has one; start them all."""
    groups = _groups()
    if not groups:
        return error_page(403, _("Chỉ Ban vận động của tổ dân phố lập hồ sơ cho các hộ của tổ."))
    source = request.form if request.method == "POST" else request.args
    group = _picked(groups, source.get("unit_id"))
    titles = list(EVERY_HOUSEHOLD_TITLES)
    title = _picked(titles, source.get("title"), key=lambda t: t.value)
    registration = registration_campaigns([group], titles=[title])
    campaign = _picked(registration.open, source.get("campaign_id"))
    form = StartForm()
    status, blockers, found = 200, {}, None
    if request.method == "POST":
        unit_id, campaign_id = parse_id(form.unit_id.data), parse_id(form.campaign_id.data)
        if not form.validate_on_submit():
            flash(_("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại."), "error")
            status = 400 if form.csrf_token.errors else 422
        else:
            try:
                started = households.start(current_user, campaign_id, unit_id, form.title.data,
                                           seen=form.seen.data or "")
            except households.HouseholdsBlocked as error:
                db.session.rollback()
                blockers = {ref: translated(why) for ref, why in error.fields.items()}
                flash(_("Chưa lập hồ sơ nào: %(n)s hộ chưa thể lập hồ sơ (xem danh sách bên dưới).",
                        n=len(error.blocked)), "error")
                status = error.status
            except ServiceError as error:
                refusal_to_form(error)
                status = error.status
            else:
                flash(_("Đã lập %(n)s hồ sơ “%(title)s” cho các hộ của %(group)s; mỗi hồ sơ ở trạng thái “Đã đăng "
                        "ký”, chờ Ban vận động chấp nhận.", n=len(started), title=_(TITLE_LABELS[title]),
                        group=group.name), "success")
                return redirect(url_for("dossiers.index", unit_id=group.id, campaign_id=campaign_id,
                                        title=title.value, state="registered"))
    if campaign is not None:
        try:
            found = households.plan(current_user, campaign.id, group.id, title.value)
        except ServiceError as error:
            db.session.rollback()
            flash(translated(error.message), "error")
            status = status if status != 200 else error.status
    if found is not None:
        form.unit_id.data, form.campaign_id.data = str(group.id), str(campaign.id)
        form.title.data, form.seen.data = title.value, found.digest
    return render_template("dossiers/every_household.html", groups=groups, group=group, titles=titles, title=title,
                           registration=registration, campaign=campaign, found=found, form=form,
                           blockers=blockers), status
