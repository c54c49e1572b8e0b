"""The certificates (giấy công nhận) as papers: one dossier's, and every one of a decision for a batch print;
each the page for the browser's print or, on `?format=pdf`, its PDF."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflow.dossiers import bp
from workflow.papers import paper
from workflow.services import certificates
from workflow.services.decisions import decision_for
from workflow.services.scope import get_dossier_in_full
from workflow.web import error_page


def verification_url(code: str) -> str:
    """The absolute address of the code's public check, as the QR code carries it: under PUBLIC_URL when the
    ward set one (the address residents reach), else where this page was asked."""
    base = (current_app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if base:
        return base + url_for("public.certificate", code=code)
    return url_for("public.certificate", code=code, _external=True)


def _qr(certificate: certificates.Certificate) -> dict:
    url = verification_url(certificate.code)
    return {"url": url, "svg": certificates.qr_svg(url)}


@bp.get("/dossiers/<int:dossier_id>/certificate")
@login_required
def certificate(dossier_id: int):
    """One recognized dossier's certificate; whoever sees the dossier in full, else 404."""
    dossier = get_dossier_in_full(current_user, dossier_id)
    found = certificates.certificate_of(dossier)
    if found is None:
        return error_page(404, _(
            "Hồ sơ chưa được công nhận nên chưa có giấy công nhận."))
    return paper("dossiers/certificate.html", f"giay-cong-nhan-{found.code}", certificate=found, qr=_qr(found))


@bp.get("/decisions/<int:decision_id>/certificates")
@login_required
def decision_certificates(decision_id: int):
    """Every standing certificate of a decision that recognizes, one per sheet, to print at once."""
    decision = decision_for(current_user, decision_id)
    if decision is None:
        return error_page(404, _("Không tìm thấy quyết định."))
    found, revoked = certificates.certificates_of(decision)
    if not found:
        return error_page(404, _(
            "Quyết định này không có giấy công nhận nào để in."))
    return paper("review/certificates.html", f"giay-cong-nhan-qd-{decision.number}", decision=decision,
                 certificates=[(c, _qr(c)) for c in found], revoked=revoked, sheets="certificates")


@bp.app_template_global()
def printable_certificates(decision) -> int:
    """For the decision page: how many certificates its batch print holds (none for a refusal)."""
    return len(certificates.certificates_of(decision)[0])
