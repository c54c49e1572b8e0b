"""The public check of a signed paper (kiểm tra văn bản), no sign-in: anyone uploads a PDF the ward issued and reads
who signed it, when, and whether a byte changed since. The file is read in memory and never kept; the checks are
limited per address like the other public lookups."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from workflow.filters import translated
from workflow.public import bp
from workflow.public.forms import VerifyPdfForm
from workflow.public.ratelimit import lookup_allowed, too_many
from workflow.services.attachments import clean_filename
from workflow.services.errors import ServiceError


@bp.route("/public/verify-pdf", methods=["GET", "POST"])
def verify_pdf():
    form = VerifyPdfForm()
    if request.method == "GET":
        return _page(form)
    if not lookup_allowed("verify_pdf"):
        return _page(form, error=too_many()), 429
    if not form.validate_on_submit():  # the CSRF token: the page's own form, not another site's
        return _page(form, error=_("Phiên làm việc đã hết hạn. Hãy tải lại trang rồi chọn tệp lần nữa.")), 400
    upload = form.file.data
    if not upload:
        return _page(form, error=_("Hãy chọn một tệp PDF để kiểm tra.")), 422
    from workflow.services.signing import verify_upload

    try:
        result = verify_upload(upload.stream, current_app.config["VERIFY_PDF_MAX_BYTES"])
    except ServiceError as error:
        return _page(form, error=translated(error.message)), error.status
    return _page(form, result=result, filename=clean_filename(upload.filename or ""))


def _page(form: VerifyPdfForm, **context):
    return render_template("public/verify_pdf.html", form=form,
                           max_mb=current_app.config["VERIFY_PDF_MAX_BYTES"] // (1024 * 1024), **context)
