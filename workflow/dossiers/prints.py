"""The dossier's papers for the archive, each a page or a PDF (`?format=pdf`): the Mẫu 01 registration filled in,
the ward's inspection minutes, and the whole dossier. Whoever sees the dossier in full reads them; anyone else
finds nothing (404)."""

from __future__ import annotations

from flask_login import current_user, login_required

from workflow.dossiers import bp
from workflow.filters import translated
from workflow.papers import paper
from workflow.services import archive
from workflow.services.errors import NotFound
from workflow.web import error_page


@bp.app_template_global("paper_place")
def paper_place(unit, day) -> str:
    """'Tân Dân, ngày 05 tháng 01 năm 2026': where and when a paper of `unit`'s ward is dated (Decree 30/2020)."""
    return archive.place_and_date(unit, day)


def _not_found(error: NotFound):
    return error_page(404, translated(error.message))


@bp.get("/dossiers/<int:dossier_id>/registration")
@login_required
def registration(dossier_id: int):
    """Mẫu 01: the registration form as the applicant signed it."""
    try:
        form = archive.registration(current_user, dossier_id)
    except NotFound as error:
        return _not_found(error)
    return paper("papers/registration.html", f"don-dang-ky-{form.dossier.tracking_code}", form=form,
                 dossier=form.dossier)


@bp.get("/dossiers/<int:dossier_id>/inspection-minutes")
@login_required
def inspection_minutes(dossier_id: int):
    """The ward's inspection minutes, once the inspection is completed."""
    try:
        minutes = archive.inspection_minutes(current_user, dossier_id)
    except NotFound as error:
        return _not_found(error)
    return paper("papers/inspection_minutes.html", f"bien-ban-kiem-tra-{minutes.dossier.tracking_code}",
                 minutes=minutes, dossier=minutes.dossier)


@bp.get("/dossiers/<int:dossier_id>/print")
@login_required
def print_dossier(dossier_id: int):
    """The whole dossier for the paper archive."""
    try:
        whole = archive.dossier_print(current_user, dossier_id)
    except NotFound as error:
        return _not_found(error)
    return paper("papers/dossier.html", f"ho-so-{whole.dossier.tracking_code}", whole=whole, dossier=whole.dossier)


@bp.get("/dossiers/<int:dossier_id>/notice")
@login_required
def refusal_notice(dossier_id: int):
    """A refused household's own letter: the notice's words for it alone, with its reason."""
    from workflow.services.decisions import refusal_letter
    from workflow.services.documents import letter_of

    try:
        dossier, decision = refusal_letter(current_user, dossier_id)
    except NotFound as error:
        return _not_found(error)
    return paper("papers/refusal_notice.html", f"thong-bao-{dossier.tracking_code}",
                 letter=letter_of(dossier, decision), dossier=dossier, decision=decision)
