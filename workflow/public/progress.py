"""The public progress of a ward's campaign (công khai tiến độ giải quyết hồ sơ): counts per step and the share
taken on time, no names; no sign-in, limited per address like the other public lookups."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from workflow.public import bp
from workflow.public.ratelimit import lookup_allowed, too_many
from workflow.public.recognized import asked_campaign
from workflow.services import progress as progress_service


@bp.get("/public/progress")
def progress():
    if not lookup_allowed("progress"):
        return render_template("public/progress.html", campaigns=[], found=None, error=too_many()), 429
    campaigns = progress_service.campaigns()
    campaign, unknown = asked_campaign(campaigns)
    found = progress_service.progress(campaign) if campaign is not None else None
    return render_template("public/progress.html", campaigns=campaigns, found=found,
                           error=_("Không tìm thấy đợt thi đua này.") if unknown else None), 404 if unknown else 200
