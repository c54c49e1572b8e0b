from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Dossier, Unit
from states.enums import Action, State
from states.machine import mermaid
from states.policy import local_day
from workflow import clock, limits
from workflow.diagram import workflow_svg
from workflow.public import bp
from workflow.public.forms import BoardObjectionForm
from workflow.public.ratelimit import lookup_allowed, too_many
from workflow.public.redirects import local_target
from workflow.services import notice_board, permissions, records
from workflow.services.errors import ServiceError
from workflow.services.scope import get_dossier_for
from workflow.tracking import find_by_code, public_steps
from workflow.web import refusal_to_form


@bp.get("/track")
@bp.get("/track/<code>")
def track(code: str | None = None):
    code = (code or request.args.get("code") or "").strip().upper()
    if not code:
        return render_template("public/track.html", code="", dossier=None, steps=[])
    if not lookup_allowed("track"):
        return render_template("public/track.html", code=code, dossier=None, steps=[], error=too_many()), 429
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


# --- the public notice board (niêm yết công khai) ----------------------------------------------------------------

def _too_many():
    """The board's lookups are limited per address like the tracking page's (a count of their own): the 429 page
    when this address has asked too often this minute, None otherwise."""
    if lookup_allowed("notices"):
        return None
    return render_template("public/notices.html", wards=[], chosen=None, error=too_many()), 429


@bp.get("/public/notices")
def notices():
    """The wards with residential groups (a province's ~150), and the chosen ward's boards: the ward `?ward=`
    names, or the only one."""
    if refused := _too_many():
        return refused
    today = local_day(clock.now())
    wards = notice_board.wards(today)
    asked = request.args.get("ward", "")[:200]
    ward = notice_board.find_ward(wards, asked) if asked.strip() else (wards[0] if len(wards) == 1 else None)
    if asked.strip() and ward is None:
        return render_template("public/notices.html", wards=wards, chosen=None,
                               error=_("Không tìm thấy phường, xã này.")), 404
    return render_template("public/notices.html", wards=wards,
                           chosen=notice_board.ward_boards(ward, today) if ward is not None else None)


@bp.get("/public/notices/<unit_code>")
def notice_board_page(unit_code: str):
    if refused := _too_many():
        return refused
    group = notice_board.find_group(unit_code)
    if group is None:
        abort(404)
    return _board(group)


def _board(group: Unit, status: int = 200, failed: tuple[int, BoardObjectionForm] | None = None):
    """The board's page (the page `?after=` names, so a form sent from it comes back to it)."""
    after = request.args.get("after")
    page = notice_board.on_notice_page(group, after)
    dossiers = page.dossiers
    signed_in = current_user.is_authenticated
    may_object = {d.id for d in dossiers if signed_in and permissions.allows(current_user, Action.OBJECTION, d)}
    forms = {d.id: BoardObjectionForm(formdata=None) for d in dossiers if d.id in may_object}
    if failed is not None and failed[0] in forms:
        forms[failed[0]] = failed[1]
    return render_template(
        "public/notice_board.html", group=group, ward=notice_board.ward_of(group), page=page,
        after=after if after and not page.key_refused else None, dossiers=dossiers, forms=forms,
        signed_in=signed_in, ended=not group.exists_on(local_day(clock.now())),
        sent=notice_board.objections_by(current_user, dossiers) if signed_in else {},
        failed_id=failed[0] if failed else None, text_max=limits.OBJECTION), status


@bp.post("/public/notices/<unit_code>/dossiers/<int:dossier_id>/objection")
@login_required
def object_on_board(unit_code: str, dossier_id: int):
    """A resident files an objection to a dossier on the board: the objection service asks the policy."""
    group = notice_board.find_group(unit_code)
    if group is None:
        abort(404)
    dossier: Dossier = get_dossier_for(current_user, dossier_id)  # outside the user's scope: 404
    if dossier.unit_id != group.id:
        abort(404)
    form = BoardObjectionForm()
    if form.validate_on_submit():
        try:
            records.record_objection(current_user, dossier, form.text.data)
        except ServiceError as error:
            refusal_to_form(error, form)
            return _board(group, error.status, (dossier.id, form))
        flash(_("Đã gửi ý kiến của bạn về hồ sơ %(code)s (%(name)s). Ban chỉ đạo phường sẽ xác minh và trả lời "
                "trước khi kết thúc niêm yết.", code=dossier.tracking_code, name=dossier.subject_name), "success")
        # The confirmation at the top of the page the resident was reading.
        return redirect(url_for("public.notice_board_page", unit_code=group.code, after=_kept_after()))
    flash(_("Chưa gửi được ý kiến về hồ sơ %(code)s: xem ghi chú ngay dưới hồ sơ.", code=dossier.tracking_code),
          "error")
    return _board(group, 422, (dossier.id, form))


def _kept_after() -> str | None:
    """The `after` of the board's page a form was sent from, when it is one of ours (else the first page)."""
    after = request.args.get("after")
    return after if after and notice_board.notice_key(after) is not None else None


@bp.app_template_global()
def notice_board_code(dossier: Dossier) -> str | None:
    """For the dossier and tracking pages: the code of the board the dossier is on now, if it is on notice."""
    return notice_board.board_code(dossier)


@bp.app_template_global()
def my_notice_boards() -> list[notice_board.Board]:
    """For the home page: the boards of the groups where the signed-in user may object."""
    if not current_user.is_authenticated:
        return []
    return notice_board.boards_for(current_user)
