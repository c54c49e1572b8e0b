"""Ward leaders' statistics page (/stats): the figures of services/stats.py as charts with their numbers beside."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import Campaign, Unit
from states.enums import Action, State, Title, UnitKind
from workflow.extensions import db
from workflow.filters import translated
from workflow.services import permissions
from workflow.services import stats as stats_service
from workflow.services.errors import ValidationFailed
from workflow.services.scope import visible_units
from workflow.services.unit_choices import filter_choices
from workflow.stats import bp
from workflow.web import error_page

FILTERS = ("campaign_id", "unit_id", "title")


@bp.get("/stats")
@login_required
def index():
    if not permissions.may_somewhere(current_user, Action.STATS):
        return error_page(403, _("Trang thống kê dành cho Chủ tịch UBND, kiểm toán viên và quản trị."))
    args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    try:
        figures = stats_service.compute(current_user, args)
        status = 200
    except ValidationFailed as error:
        figures = stats_service.compute(current_user, {})
        args, status = {}, 422
        error_text = translated(error.message) + " " + "; ".join(translated(m) for m in error.fields.values())
    else:
        error_text = ""
    units = filter_choices(current_user, args.get("unit_id"))  # the list's bounded unit filter
    wards = db.session.scalars(visible_units(current_user).where(Unit.kind == UnitKind.WARD.value)).all()
    campaigns = [c for c in db.session.scalars(select(Campaign).options(joinedload(Campaign.unit))
                                               .order_by(Campaign.year.desc()))
                 if any(c.unit.path.startswith(w.path) or w.path.startswith(c.unit.path) for w in wards)] \
        if wards else []
    return render_template("stats/index.html", s=figures, args=args, units=units, campaigns=campaigns,
                           titles=list(Title), stages=stats_service.STAGES, states=list(State),
                           error_text=error_text), status
