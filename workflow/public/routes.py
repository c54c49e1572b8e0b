from flask import current_app, render_template, request
from sqlalchemy import select

from models import Dossier
from states.enums import State
from states.labels import STATE_LABELS
from workflow.extensions import db
from workflow.public import bp
from workflow.public.ratelimit import track_limiter
from workflow.tracking import public_steps


@bp.get("/track")
@bp.get("/track/<code>")
def track(code: str | None = None):
    code = (code or request.args.get("code") or "").strip().upper()
    if not code:
        return render_template("public/track.html", code="", dossier=None, steps=[])
    if not track_limiter.allow(request.remote_addr or "unknown", current_app.config["TRACK_REQUESTS_PER_MINUTE"]):
        return render_template("public/track.html", code=code, dossier=None, steps=[],
                               error="Tra cứu quá nhiều lần, vui lòng thử lại sau một phút."), 429
    dossier = db.session.scalars(select(Dossier).where(Dossier.tracking_code == code)).first()
    if dossier is None:
        return render_template("public/track.html", code=code, dossier=None, steps=[],
                               error="Không tìm thấy hồ sơ có mã này."), 404
    return render_template("public/track.html", code=code, dossier=dossier, steps=public_steps(dossier),
                           state_label=STATE_LABELS[State(dossier.state)])
