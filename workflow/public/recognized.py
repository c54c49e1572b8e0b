"""The public list of those recognized (danh sách được công nhận), per campaign: the page and its CSV, no sign-in.

What is shown comes from services/publication.py only (names, titles, groups, decisions, certificate codes);
lookups are limited per address like the other public pages. The page shows PAGE_SIZE lines at a time (`after`:
the key of the next page), a search by name and a group filter; the CSV is the whole list, streamed.
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext as _

from models import Campaign
from states.labels import TITLE_LABELS
from workflow import exports
from workflow.forms import parse_id
from workflow.public import bp
from workflow.public.ratelimit import lookup_allowed, too_many
from workflow.services import publication

# The CSV's columns (workflow/exports.py writes it: UTF-8 with BOM, dd/mm/yyyy, no cell runs as a formula).
COLUMNS = [exports.Column("STT", lambda r: r[0]),
           exports.Column("Họ và tên / Tên hộ", lambda r: r[1].subject_name),
           exports.Column("Tổ dân phố / Đơn vị", lambda r: r[1].unit_name),
           exports.Column("Danh hiệu", lambda r: TITLE_LABELS.get(r[1].title, r[1].title)),
           exports.Column("Quyết định số", lambda r: r[1].decision_number),
           exports.Column("Ngày ký", lambda r: r[1].signed_on),
           exports.Column("Mã giấy công nhận", lambda r: r[1].certificate_code)]


def asked_campaign(campaigns: list[Campaign]) -> tuple[Campaign | None, bool]:
    """The campaign `?campaign=` names (the first of `campaigns`, the newest, when none is asked), and whether the
    ask named one that does not exist."""
    raw = request.args.get("campaign", "").strip()
    if not raw:
        return (campaigns[0] if campaigns else None), False
    campaign_id = parse_id(raw)
    found = publication.find_campaign(campaign_id) if campaign_id else None
    return found, found is None


@bp.get("/public/recognized")
def recognized():
    if not lookup_allowed("recognized"):
        return render_template("public/recognized.html", campaigns=[], campaign=None, page=None,
                               error=too_many()), 429
    campaigns = publication.public_campaigns()
    campaign, unknown = asked_campaign(campaigns)
    page = None
    if campaign is not None:
        page = publication.recognized_page(campaign.id, after=request.args.get("after"),
                                           unit_id=parse_id(request.args.get("unit")),
                                           name=request.args.get("q", ""))
    return render_template("public/recognized.html", campaigns=campaigns, campaign=campaign, page=page,
                           error=_("Không tìm thấy đợt thi đua này.") if unknown else None), 404 if unknown else 200


@bp.get("/public/recognized.csv")
def recognized_csv():
    if not lookup_allowed("recognized"):
        return Response(too_many() + "\n", status=429,
                        mimetype="text/plain")
    campaign, _unknown = asked_campaign(publication.public_campaigns())
    if campaign is None:
        return Response(_("Không tìm thấy đợt thi đua này.") + "\n", status=404, mimetype="text/plain")
    return exports.csv_download(publication.recognized_lines(campaign.id), COLUMNS,
                                f"danh-sach-cong-nhan-{campaign.year}-{campaign.id}")
