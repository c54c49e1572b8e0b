"""The dossier list and a campaign's results as spreadsheets (Excel or CSV), exactly as the list filters them."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Campaign
from states.enums import State
from workflow import exports
from workflow.dossiers import bp
from workflow.extensions import db
from workflow.filters import translated
from workflow.forms import parse_id
from workflow.services.errors import ServiceError
from workflow.web import error_page

FILTERS = ("state", "title", "unit_id", "campaign_id", "q", "overdue")


def _format() -> str | None:
    fmt = request.args.get("format", "xlsx")
    return fmt if fmt in ("xlsx", "csv") else None


def _refused(message: str, status: int = 422):
    return error_page(status, message)


@bp.get("/dossiers/export")
@login_required
def export():
    """The whole filtered list (not only the page shown)."""
    fmt = _format()
    if fmt is None:
        return _refused(_("Định dạng không hỗ trợ: chỉ có Excel (xlsx) hoặc CSV."), 400)
    filters = {k: v for k, v in request.args.items() if k in FILTERS}
    try:
        rows = exports.dossiers(current_user, filters)
    except ServiceError as error:
        return _refused(translated(error.message) + " " + "; ".join(translated(m) for m in error.fields.values()))
    return exports.download(fmt, rows, exports.dossier_columns(current_user), "danh-sach-ho-so", "Hồ sơ")


@bp.get("/dossiers/results")
@login_required
def results():
    """A campaign's results list: STT, name, group, title, result, decision — in the caller's scope."""
    fmt = _format()
    if fmt is None:
        return _refused(_("Định dạng không hỗ trợ: chỉ có Excel (xlsx) hoặc CSV."), 400)
    campaign_id = parse_id(request.args.get("campaign_id"))
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
    if campaign is None:
        return _refused(_("Chọn một đợt thi đua để tải danh sách kết quả."))
    filters = {k: v for k, v in request.args.items() if k in FILTERS and k != "campaign_id"}
    try:
        rows = exports.dossiers(current_user, {**filters, "campaign_id": str(campaign.id)})
    except ServiceError as error:
        return _refused(translated(error.message) + " " + "; ".join(translated(m) for m in error.fields.values()))
    # Those refused are told by a notice, never listed in what is shared (DOMAIN.md v3).
    rows = (dossier for dossier in rows if dossier.state != State.NOT_RECOGNIZED)
    return exports.download(fmt, rows, exports.result_columns(), f"ket-qua-{campaign.year}",
                            f"Kết quả {campaign.year}")
