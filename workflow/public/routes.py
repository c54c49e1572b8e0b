from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from states.enums import State
from states.machine import mermaid
from workflow.diagram import workflow_svg
from workflow.public import bp
from workflow.public.ratelimit import track_limiter
from workflow.public.redirects import local_target
from workflow.tracking import find_by_code, public_steps


@bp.get("/track")
@bp.get("/track/<code>")
def track(code: str | None = None):
    code = (code or request.args.get("code") or "").strip().upper()
    if not code:
        return render_template("public/track.html", code="", dossier=None, steps=[])
    if not track_limiter.allow(request.remote_addr or "unknown", current_app.config["TRACK_REQUESTS_PER_MINUTE"]):
        return render_template("public/track.html", code=code, dossier=None, steps=[],
                               error=_("Tra cứu quá nhiều lần, vui lòng thử lại sau một phút.")), 429
    dossier = find_by_code(code)
    if dossier is None:
        return render_template("public/track.html", code=code, dossier=None, steps=[],
                               error=_("Không tìm thấy hồ sơ có mã này.")), 404
    return render_template("public/track.html", code=code, dossier=dossier, steps=public_steps(dossier),
                           state=State(dossier.state))


@bp.get("/workflow")
def diagram():
    return render_template("public/diagram.html", svg=workflow_svg(request.args.get("state")), mermaid=mermaid())


@bp.get("/lang/<code>")
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(local_target(request.referrer, request.host) or url_for("dossiers.home"))
