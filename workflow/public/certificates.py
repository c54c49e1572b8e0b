"""The public check of a certificate (kiểm tra giấy công nhận), no sign-in: the page its QR code opens, and a
small form to type a code read off the paper. Lookups are limited per address like the other public pages."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from workflow.public import bp
from workflow.public.ratelimit import lookup_allowed, too_many
from workflow.services import certificates


@bp.get("/public/certificates")
@bp.get("/public/certificates/<code>")
def certificate(code: str | None = None):
    asked = (code if code is not None else request.args.get("code", ""))[:200]
    if not asked.strip():
        return render_template("public/certificate.html", asked="", found=None)
    if not lookup_allowed("certificates"):
        return render_template("public/certificate.html", asked=asked, found=None, error=too_many()), 429
    found = certificates.verify(asked)
    if found is None:
        return render_template("public/certificate.html", asked=asked, found=None, error=_(
            "Không tìm thấy giấy công nhận có mã này. Hãy kiểm tra lại mã in dưới mã QR (dạng 2026-XXXXXXXX).")), 404
    return render_template("public/certificate.html", asked=found.certificate_code, found=found)
