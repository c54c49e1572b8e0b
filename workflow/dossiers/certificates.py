"""The certificates (giấy công nhận) as papers: one dossier's, and every one of a decision for a batch print;
each the page for the browser's print or, on `?format=pdf`, its PDF. A decision past PAPERS_INLINE_MAX sheets gets
its PDF from a job (`flask render-papers`): the page says it is being prepared, then serves the file.

`?blank=1` prints the same certificates onto the ward's pre-printed blanks (phôi): only the variable text, where
the ward's layout puts it (workflow/services/blanks.py), in the same order, the revoked ones left out alike."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Unit
from workflow.dossiers import bp
from workflow.extensions import db
from workflow.papers import KEY_UNREADABLE, paper, signature_context, wants_pdf
from workflow.services import blanks, certificates, documents, paper_jobs
from workflow.services.decisions import decision_for
from workflow.services.scope import get_dossier_in_full
from workflow.web import error_page

PREPARING_REFRESH_SECONDS = 5
BLANK_TEMPLATE = paper_jobs.BLANK_TEMPLATE


def wants_blank() -> bool:
    """`?blank=1`: the print for the ward's pre-printed blanks."""
    return request.args.get("blank", "").strip().lower() in ("1", "true", "yes", "on")


@bp.get("/dossiers/<int:dossier_id>/certificate")
@login_required
def certificate(dossier_id: int):
    """One recognized dossier's certificate; whoever sees the dossier in full, else 404."""
    dossier = get_dossier_in_full(current_user, dossier_id)
    found = certificates.certificate_of(dossier)
    if found is None:
        return error_page(404, _(
            "Hồ sơ chưa được công nhận nên chưa có giấy công nhận."))
    return paper("dossiers/certificate.html", f"giay-cong-nhan-{found.code}", certificate=found,
                 qr=certificates.qr_of(found), signed=True)


@bp.get("/dossiers/<int:dossier_id>/revocation")
@login_required
def revocation(dossier_id: int):
    """The decision that took a dossier's title back (Quyết định thu hồi); whoever sees the dossier in full."""
    dossier = get_dossier_in_full(current_user, dossier_id)
    doc = documents.revocation_document(dossier)
    if doc is None:
        return error_page(404, _("Danh hiệu của hồ sơ này chưa bị thu hồi bằng quyết định nào."))
    return paper("dossiers/revocation.html", f"quyet-dinh-thu-hoi-{dossier.tracking_code}", doc=doc,
                 decision=doc.decision, dossier=dossier, signed=True)


@bp.get("/decisions/<int:decision_id>/certificates")
@login_required
def decision_certificates(decision_id: int):
    """Every standing certificate of a decision that recognizes, one per sheet, to print at once; `?blank=1` only
    their variable text, for the ward's pre-printed blanks."""
    decision = decision_for(current_user, decision_id)
    if decision is None:
        return error_page(404, _("Không tìm thấy quyết định."))
    blank = wants_blank()
    if wants_pdf() and paper_jobs.standing_count(decision) > current_app.config["PAPERS_INLINE_MAX"]:
        return _prepared_pdf(decision, blank)
    found, revoked = certificates.certificates_of(decision)
    if not found:
        return error_page(404, _(
            "Quyết định này không có giấy công nhận nào để in."))
    if blank:
        # The ward's own sheet as the full certificate is: signed alike when a key is configured.
        return paper(BLANK_TEMPLATE, f"giay-cong-nhan-phoi-qd-{decision.number}", decision=decision,
                     layout=blanks.layout_of(db.session.get(Unit, decision.unit_id)),
                     blank_sheets=[blanks.sheet_of(c) for c in found], revoked=revoked, sheets="blank_sheets",
                     signed=True)
    return paper("review/certificates.html", f"giay-cong-nhan-qd-{decision.number}", decision=decision,
                 certificates=[(c, certificates.qr_of(c)) for c in found], revoked=revoked, sheets="certificates",
                 signed=True)


def _prepared_pdf(decision, blank: bool):
    """The file once a worker made it; until then a page that says so and looks again by itself."""
    if signature_context(pdf=True)["broken"]:  # the job would only fail: say so now
        return error_page(503, _(KEY_UNREADABLE))
    job = paper_jobs.request_certificates(decision, current_user, blank=blank)
    if job.status == "done":
        safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in decision.number)
        return send_file(paper_jobs.folder() / job.file_name, mimetype="application/pdf", max_age=0,
                         download_name=f"giay-cong-nhan-{'phoi-' if blank else ''}qd-{safe}.pdf",
                         as_attachment=False)
    waiting = job.status in ("queued", "running")
    return render_template("review/certificates_preparing.html", decision=decision, job=job, blank=blank,
                           ahead=paper_jobs.ahead_of(job) if job.status == "queued" else 0,
                           refresh=PREPARING_REFRESH_SECONDS if waiting else None), 202 if waiting else 200


@bp.post("/decisions/<int:decision_id>/certificates/again")
@login_required
def decision_certificates_again(decision_id: int):
    """"Tạo lại": a failed PDF of the decision's certificates (`?blank=1`: on blanks) queued again."""
    decision = decision_for(current_user, decision_id)
    if decision is None:
        return error_page(404, _("Không tìm thấy quyết định."))
    blank = wants_blank()
    paper_jobs.retry(paper_jobs.request_certificates(decision, current_user, blank=blank))
    return redirect(url_for("dossiers.decision_certificates", decision_id=decision.id, format="pdf",
                            blank=1 if blank else None))


@bp.app_template_global()
def printable_certificates(decision) -> int:
    """For the decision page: how many certificates its batch print holds (none for a refusal), by one count."""
    return paper_jobs.standing_count(decision)
