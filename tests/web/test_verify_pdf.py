"""Signed papers and the public check "Kiểm tra văn bản" (issue 16): with the ward's key the PDFs of a decision (or a
refusal's notice) and of the certificates are signed, and anyone who uploads one reads who signed it, when (Vietnam
time) and that it is intact, or that it was changed; without a key the PDFs say "Bản in chưa ký số" on every page
and carry no signature; a file that is no PDF, empty or too large is told so plainly, never a 500, never kept."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_from
from tests.signing_keys import CA, WARD
from tests.web.test_certificates import signed
from workflow.services import paper_jobs, signing

UNSIGNED = "Bản in chưa ký số"


def pdf_of(client, url: str) -> bytes:
    response = client.get(url)
    data = response.get_data()
    response.close()
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return data


def pages_text(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def check(client, data: bytes, filename: str = "quyet-dinh.pdf", token: str | None = None):
    """The public page's answer to one uploaded file, as a browser sends it (the page's CSRF token)."""
    token = token if token is not None else csrf_from(client.get("/public/verify-pdf").get_data(as_text=True))
    # encoded here, in memory: the test client's own encoder spools a large body to a file it never closes
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename)})
    return client.post("/public/verify-pdf", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_signed_decision_reads_as_intact_with_its_signer_and_time(client, auth, world, ward_key):
    decision, _ = signed(world)
    auth.login("chairman")
    page = text(client.get(f"/decisions/{decision.id}/document"))
    assert f"Bản PDF được ký số bởi {WARD}." in page and 'href="/public/verify-pdf"' in page
    data = pdf_of(client, f"/decisions/{decision.id}/document?format=pdf")
    assert not any(UNSIGNED in t for t in pages_text(data))  # signed: nothing says otherwise

    auth.logout()  # anyone may check, signed in or not
    answer = check(client, data)
    assert answer.status_code == 200
    result = text(answer)
    assert "Văn bản còn nguyên vẹn" in result and "Văn bản đã bị sửa" not in result
    assert f"<strong>{WARD}</strong>" in result and f"Nơi cấp chứng thư số</dt><dd>{CA}</dd>" in result
    assert "Thời điểm ký</dt><dd>" + signing.verify_pdf(data).signed_at.strftime("%d/%m/%Y") in result
    assert "10:00" in result  # the frozen clock's 03:00 UTC, read in Vietnam's time


def test_a_refusal_notice_is_signed_too(client, auth, world, ward_key):
    decision, _ = signed(world, outcome="refuse", number="7/TB-UBND", comment="Chưa đủ tiêu chí")
    auth.login("chairman")
    found = signing.verify_pdf(pdf_of(client, f"/decisions/{decision.id}/document?format=pdf"))
    assert found.signed and found.intact and found.signer == WARD


def test_certificates_one_and_a_decisions_batch_are_signed(client, auth, world, ward_key):
    decision, (family, _) = signed(world)
    auth.login("applicant")
    one = signing.verify_pdf(pdf_of(client, f"/dossiers/{family.id}/certificate?format=pdf"))
    assert one.signed and one.intact and one.signer == WARD
    auth.login("chairman")
    batch = pdf_of(client, f"/decisions/{decision.id}/certificates?format=pdf")
    assert len(pages_text(batch)) == 2
    found = signing.verify_pdf(batch)
    assert found.signed and found.intact and found.signer == WARD


def test_a_batch_joined_from_parts_is_signed_once_whole(app, client, auth, world, ward_key, monkeypatch):
    from workflow import papers

    monkeypatch.setattr(papers, "SHEETS_PER_PART", 1)  # two parts joined in a temporary file, then signed
    decision, _ = signed(world)
    auth.login("chairman")
    data = pdf_of(client, f"/decisions/{decision.id}/certificates?format=pdf")
    assert len(pages_text(data)) == 2
    found = signing.verify_pdf(data)
    assert found.signed and found.intact and found.signer == WARD


def test_a_big_decisions_certificates_made_by_a_job_are_signed(app, client, auth, world, ward_key):
    app.config["PAPERS_INLINE_MAX"] = 2
    decision, _ = signed(world, count=3)
    auth.login("chairman")
    assert client.get(f"/decisions/{decision.id}/certificates?format=pdf").status_code == 202
    assert paper_jobs.render_pending(worker="test-worker").made
    data = pdf_of(client, f"/decisions/{decision.id}/certificates?format=pdf")
    assert len(pages_text(data)) == 3 and not any(UNSIGNED in t for t in pages_text(data))
    found = signing.verify_pdf(data)
    assert found.signed and found.intact and found.signer == WARD


def test_a_job_made_unsigned_is_made_again_once_a_key_is_set(app, client, auth, world, tmp_path):
    from tests.signing_keys import PASSWORD, make_pkcs12

    app.config["PAPERS_INLINE_MAX"] = 2
    decision, _ = signed(world, count=3)
    auth.login("chairman")
    client.get(f"/decisions/{decision.id}/certificates?format=pdf")
    paper_jobs.render_pending()
    unsigned = pdf_of(client, f"/decisions/{decision.id}/certificates?format=pdf")
    assert all(UNSIGNED in t for t in pages_text(unsigned)) and not signing.verify_pdf(unsigned).signed

    app.config.update(SIGNING_KEY_FILE=str(make_pkcs12(tmp_path)), SIGNING_KEY_PASSWORD=PASSWORD)
    assert client.get(f"/decisions/{decision.id}/certificates?format=pdf").status_code == 202
    paper_jobs.render_pending()
    assert signing.verify_pdf(pdf_of(client, f"/decisions/{decision.id}/certificates?format=pdf")).intact


def test_a_changed_byte_is_reported(client, auth, world, ward_key):
    decision, _ = signed(world)
    auth.login("chairman")
    data = bytearray(pdf_of(client, f"/decisions/{decision.id}/document?format=pdf"))
    data[data.index(b"stream") + 30] ^= 0x01
    result = text(check(client, bytes(data)))
    assert "Văn bản đã bị sửa sau khi ký" in result and "Văn bản còn nguyên vẹn" not in result
    assert f"<strong>{WARD}</strong>" in result  # who signed the original is still told


def test_without_a_key_the_pdfs_say_they_are_unsigned(client, auth, world):
    decision, (family, _) = signed(world)
    auth.login("chairman")
    assert "Bản PDF chưa được ký số: phường chưa cài đặt chữ ký số." in text(
        client.get(f"/decisions/{decision.id}/document"))
    for url in (f"/decisions/{decision.id}/document?format=pdf", f"/dossiers/{family.id}/certificate?format=pdf",
                f"/decisions/{decision.id}/certificates?format=pdf"):
        data = pdf_of(client, url)
        assert all(UNSIGNED in t for t in pages_text(data)), url  # every page, in its margin
        assert not PdfReader(io.BytesIO(data)).get_fields()  # no signature field, filled or empty
        assert "Tệp này không có chữ ký số" in text(check(client, data))


def test_other_papers_are_not_marked(client, auth, world):
    """Only the papers the ward signs speak of a signature: a dossier's print is not one of them."""
    decision, (family, _) = signed(world)
    auth.login("chairman")
    data = pdf_of(client, f"/dossiers/{family.id}/print?format=pdf")
    assert not any(UNSIGNED in t for t in pages_text(data))


def test_a_key_that_cannot_be_read_gives_no_pdf(app, client, auth, world, ward_key):
    app.config["SIGNING_KEY_PASSWORD"] = "sai"
    decision, _ = signed(world)
    auth.login("chairman")
    response = client.get(f"/decisions/{decision.id}/document?format=pdf")
    assert response.status_code == 503 and "Chưa đọc được khóa ký số của phường" in text(response)
    page = client.get(f"/decisions/{decision.id}/document")
    assert page.status_code == 200 and "Chưa đọc được khóa ký số của phường" in text(page)
    app.config["PAPERS_INLINE_MAX"] = 1  # a big decision: said at once, no job queued only to fail
    big = client.get(f"/decisions/{decision.id}/certificates?format=pdf")
    assert big.status_code == 503 and "Chưa đọc được khóa ký số của phường" in text(big)
    assert paper_jobs.render_pending().made == []


@pytest.mark.parametrize("content, status, said", [
    (b"", 422, "Chưa chọn tệp PDF để kiểm tra."),
    (b"MZ\x90\x00 a program, not a paper", 422, "Tệp này không phải tệp PDF đọc được."),
    (b"%PDF-1.7\n" + b"\xff" * 300, 422, "Tệp này không phải tệp PDF đọc được."),
])
def test_what_is_not_a_pdf_is_told_plainly(client, content, status, said):
    response = check(client, content, "tep.pdf")
    assert response.status_code == status and said in text(response)


def test_too_large_a_file_is_refused_and_nothing_is_kept(app, client):
    app.config["VERIFY_PDF_MAX_BYTES"] = 1024 * 1024
    response = check(client, b"%PDF-1.7\n" + b"0" * (1024 * 1024))
    assert response.status_code == 413 and "Tệp quá lớn: tối đa 1 MB." in text(response)
    over_the_body_limit = check(client, b"%PDF-1.7\n" + b"0" * app.config["MAX_CONTENT_LENGTH"])
    assert over_the_body_limit.status_code == 413
    for folder in ("UPLOAD_FOLDER", "PAPERS_FOLDER"):
        from pathlib import Path

        assert not Path(app.config[folder]).exists() or not any(Path(app.config[folder]).rglob("*"))


def test_no_file_or_no_token(client):
    token = csrf_from(client.get("/public/verify-pdf").get_data(as_text=True))
    no_file = client.post("/public/verify-pdf", data={"csrf_token": token}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "Hãy chọn một tệp PDF để kiểm tra." in text(no_file)
    no_token = check(client, b"%PDF-1.7\n", token="")
    assert no_token.status_code == 400


def test_checks_are_limited_per_address(app, client):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 2
    token = csrf_from(client.get("/public/verify-pdf").get_data(as_text=True))
    assert [check(client, b"x", token=token).status_code for _ in range(3)] == [422, 422, 429]
    refused = check(client, b"x", token=token)
    assert "Tra cứu quá nhiều lần" in text(refused) and refused.headers.get("Retry-After")


def test_the_page_is_found_from_the_certificate_check(client):
    page = client.get("/public/certificates")
    assert 'href="/public/verify-pdf"' in text(page)
    form = text(client.get("/public/verify-pdf"))
    assert "Kiểm tra văn bản" in form and 'enctype="multipart/form-data"' in form and "tối đa 10 MB" in form


def test_the_browsers_print_never_claims_a_signature(client, auth, world, ward_key):
    """The page's line about the signed PDF is hidden in print: a sheet from the browser is not the signed file."""
    decision, _ = signed(world)
    auth.login("chairman")
    page = text(client.get(f"/decisions/{decision.id}/document"))
    assert f'<p class="no-print paper-hint signature-note">Bản PDF được ký số bởi {WARD}.' in page
