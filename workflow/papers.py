"""Official papers as pages and as PDF: one template serves the screen, the browser's print and `?format=pdf`.

The PDF is WeasyPrint's rendering of the same HTML with its print styles (A4, the decree's margins, no app
chrome). WeasyPrint reads only the app's own static files and inline `data:` images: a paper never reaches the
network, whatever its text holds.

A paper the ward issues as a legal act (a decision, a notice, a revocation, a certificate) asks `paper(...,
signed=True)`: its PDF is signed with the ward's key (workflow.services.signing) when one is configured, and says
"Bản in chưa ký số" on every page when none is; its page says who the PDF is signed by.
"""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.security import safe_join
from werkzeug.wsgi import wrap_file

from states.labels import N_
from workflow.web import error_page

PDF = "pdf"
KEY_UNREADABLE = N_("Chưa đọc được khóa ký số của phường nên chưa tạo được bản PDF có ký số. Hãy báo quản trị hệ "
                    "thống.")


def wants_pdf() -> bool:
    return request.args.get("format", "").strip().lower() == PDF


def paper(template: str, filename: str, status: int = 200, *, sheets: str | None = None, signed: bool = False,
          **context):
    """The page, or its PDF when the request asks `?format=pdf` (`filename` without extension). An unknown
    format is refused with a page saying which exist.

    `sheets` names a list in `context` of one-page items (a decision's certificates): its PDF is rendered
    SHEETS_PER_PART at a time and the parts joined in a temporary file, so a worker's memory and each layout stay
    the size of one part, however many sheets the decision has.

    `signed`: a paper the ward signs digitally (the template includes papers/_digital_signature.html): its PDF is
    signed with the ward's key, or marked unsigned when no key is configured; a key that cannot be read is a 503,
    never a paper passed off as signed or silently left unsigned."""
    fmt = request.args.get("format", "").strip().lower()
    if fmt not in ("", "html", PDF):
        return error_page(400, _("Định dạng không hỗ trợ: chỉ có trang web hoặc PDF (format=pdf)."))
    if signed:
        context["signing"] = signature_context(pdf=fmt == PDF and status == 200)
    if fmt != PDF or status != 200:
        return render_template(template, **context), status
    if signed and context["signing"]["broken"]:
        return error_page(503, _(KEY_UNREADABLE))
    context["bare"] = True  # the paper without the app's menu and screen styles: a third less work for WeasyPrint
    try:
        if sheets is not None and len(context[sheets]) > SHEETS_PER_PART:
            joined = _joined_pdf(template, sheets, context)
            if signed:
                from workflow.services.signing import sign_file

                sign_file(joined)
            return _pdf_response(joined, filename)
        data = render_pdf(render_template(template, **context))
        if signed:
            from workflow.services.signing import sign_pdf

            data = sign_pdf(data)
        return _pdf_response(data, filename)
    except OSError:  # WeasyPrint's system libraries (Pango) are missing on this server
        current_app.logger.exception("PDF rendering is not available")
        return error_page(503, _("Máy chủ chưa cài được phần tạo PDF. Hãy dùng nút In của trình duyệt."))


def signature_context(pdf: bool) -> dict:
    """What papers/_digital_signature.html needs: who signs the PDF (None: no key), whether a configured key
    cannot be read, and whether this rendering is the PDF (marked unsigned when no key) or the page."""
    from workflow.services.signing import status

    return {**status(), "pdf": pdf}


SHEETS_PER_PART = 50


def _joined_pdf(template: str, sheets: str, context: dict):
    """The sheets' PDF in parts joined by pypdf into a spooled temporary file (on disk past 8 MB)."""
    import tempfile

    from pypdf import PdfWriter

    items = context[sheets]
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (closed by the response)
    writer = PdfWriter()
    for start in range(0, len(items), SHEETS_PER_PART):
        part = render_pdf(render_template(template, **{**context, sheets: items[start:start + SHEETS_PER_PART]}))
        writer.append(io.BytesIO(part))
    writer.write(out)
    writer.close()
    out.seek(0)
    return out


def _pdf_response(data, filename: str):
    if isinstance(data, bytes):
        response = make_response(data)
    else:  # a file: sent in blocks, closed when sent
        response = current_app.response_class(wrap_file(request.environ, data), direct_passthrough=True)
    response.headers["Content-Type"] = "application/pdf"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in filename) or "giay-to"
    response.headers["Content-Disposition"] = f'inline; filename="{safe}.pdf"'
    return response


def render_pdf(html: str) -> bytes:
    """The PDF of a page rendered in this request."""
    return html_to_pdf(html, *static_source())


def static_source() -> tuple[str, str, str]:
    """What html_to_pdf needs to read the app's static files: (the site's root URL, the static folder, its URL
    prefix) — plain strings, so a worker process can render without the app."""
    static = current_app.static_folder or "static"
    prefix = (current_app.static_url_path or "/static").strip("/") + "/"
    return request.url_root, static, prefix


def html_to_pdf(html: str, root: str, static: str, prefix: str) -> bytes:
    """WeasyPrint's PDF of a paper's HTML, fetching only the app's static files under `root` + `prefix`."""
    from weasyprint import HTML  # imported here: its Pango libraries are needed only for a PDF

    return HTML(string=html, base_url=root, url_fetcher=_static_fetcher(root, Path(static), prefix),
                media_type="print").write_pdf()


def _static_fetcher(root: str, static: Path, prefix: str):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        """The app's static files and `data:` URLs; anything else is refused (WeasyPrint skips it)."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(root):
                path = unquote(urlsplit(url).path).lstrip("/")
                if path.startswith(prefix):
                    found = safe_join(str(static), path[len(prefix):])
                    if found and Path(found).is_file():
                        kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
                        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": kind})
            raise ValueError(f"not fetched for a paper: {url}")

    return StaticOnly(allowed_protocols=("data",))
