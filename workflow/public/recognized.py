"""The public list of those recognized (danh sách được công nhận), per campaign: the page and its CSV, no sign-in.

What is shown comes from services/publication.py only (names, titles, groups, decisions, certificate codes);
lookups are limited per address like the other public pages.
"""

from __future__ import annotations

import csv
import io

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _

from models import Campaign
from states.labels import TITLE_LABELS
from workflow.public import bp
from workflow.public.ratelimit import track_limiter
from workflow.services import publication

CSV_HEADERS = ["STT", "Họ và tên / Tên hộ", "Tổ dân phố / Đơn vị", "Danh hiệu", "Quyết định số", "Ngày ký",
               "Mã giấy công nhận"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _allowed() -> bool:
    return track_limiter.allow("recognized:" + (request.remote_addr or "unknown"),
                               current_app.config["TRACK_REQUESTS_PER_MINUTE"])


def _asked_campaign(campaigns: list[Campaign]) -> tuple[Campaign | None, bool]:
    """The campaign `?campaign=` names (the newest public one when none is asked), and whether the ask named one
    that does not exist."""
    raw = request.args.get("campaign", "").strip()
    if not raw:
        return (campaigns[0] if campaigns else None), False
    found = publication.find_campaign(int(raw)) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None
    return found, found is None


@bp.get("/public/recognized")
def recognized():
    if not _allowed():
        return render_template("public/recognized.html", campaigns=[], campaign=None, tables=[], count=0,
                               error=_("Tra cứu quá nhiều lần, vui lòng thử lại sau một phút.")), 429
    campaigns = publication.public_campaigns()
    campaign, unknown = _asked_campaign(campaigns)
    items = publication.recognized_list(campaign.id) if campaign is not None else []
    return render_template("public/recognized.html", campaigns=campaigns, campaign=campaign,
                           tables=publication.by_title(items), count=len(items),
                           error=_("Không tìm thấy đợt thi đua này.") if unknown else None), 404 if unknown else 200


def neutral(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ (or a tab, a return) gets a
    leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.get("/public/recognized.csv")
def recognized_csv():
    if not _allowed():
        return Response(_("Tra cứu quá nhiều lần, vui lòng thử lại sau một phút.") + "\n", status=429,
                        mimetype="text/plain")
    campaign, _unknown = _asked_campaign(publication.public_campaigns())
    if campaign is None:
        return Response(_("Không tìm thấy đợt thi đua này.") + "\n", status=404, mimetype="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for n, item in enumerate(publication.recognized_list(campaign.id), start=1):
        writer.writerow([n] + [neutral(v) for v in (
            item.subject_name, item.unit_name, TITLE_LABELS.get(item.title, item.title),
            item.decision_number, f"{item.signed_on:%d/%m/%Y}", item.certificate_code)])
    filename = f"danh-sach-cong-nhan-{campaign.year}-{campaign.id}.csv"
    # The byte-order mark lets Excel read the file as UTF-8 (Vietnamese letters intact).
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
