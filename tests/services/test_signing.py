"""The ward's digital signature (issue 16): a PDF signed with the ward's PKCS#12 key carries the signer, its chain and
the signing time of the app's clock, and reads as intact; a flipped byte in the signed range or bytes appended after
it read as changed; an unsigned PDF, garbage, an empty or a too large file are told apart and never raise."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.signing_keys import CA, WARD, make_pkcs12
from workflow.papers import html_to_pdf
from workflow.services import signing
from workflow.services.errors import TooLarge, ValidationFailed


@pytest.fixture
def paper_pdf() -> bytes:
    """A small paper as WeasyPrint makes every PDF of the app."""
    return html_to_pdf("<html><body><h1>QUYẾT ĐỊNH</h1><p>Về việc công nhận danh hiệu Gia đình kiểu mẫu</p>"
                       "</body></html>", "http://localhost/", "static", "static/")


def signed_range(data: bytes) -> tuple[int, int]:
    """Where the signature's own bytes (/Contents <…>) sit: every other byte is covered by the signature."""
    start = data.rindex(b"/Contents <") + len(b"/Contents ")
    return start, data.index(b">", start) + 1


def test_a_signed_paper_names_its_signer_its_issuer_and_the_clocks_time(app, ward_key, frozen_clock, paper_pdf):
    data = signing.sign_pdf(paper_pdf)
    assert data != paper_pdf and data.startswith(paper_pdf)  # an incremental update: the paper's bytes unchanged
    found = signing.verify_pdf(data)
    assert found.signed and found.intact and found.chain_valid
    assert found.signer == WARD and found.issuer == CA
    assert found.signed_at == frozen_clock.now().replace(microsecond=0)
    assert PdfReader(io.BytesIO(data)).pages[0].extract_text().startswith("QUYẾT ĐỊNH")  # still reads


def test_the_signature_is_the_wards_field_and_carries_the_chain(app, ward_key, paper_pdf):
    data = signing.sign_pdf(paper_pdf)
    fields = PdfReader(io.BytesIO(data)).get_fields()
    assert list(fields) == [signing.FIELD_NAME] and fields[signing.FIELD_NAME]["/FT"] == "/Sig"
    from pyhanko.pdf_utils.reader import PdfFileReader

    embedded = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    assert {c.subject.native["common_name"] for c in embedded.other_embedded_certs} >= {CA}


def test_one_flipped_byte_in_the_signed_range_reads_as_changed(app, ward_key, paper_pdf):
    data = bytearray(signing.sign_pdf(paper_pdf))
    start, end = signed_range(bytes(data))
    where = data.index(b"stream", 0, start) + 20  # inside the paper's first content stream
    assert where < start
    data[where] ^= 0x01
    found = signing.verify_pdf(bytes(data))
    assert found.signed and not found.intact and found.signer == WARD


def test_bytes_added_after_the_signature_read_as_changed(app, ward_key, paper_pdf):
    data = signing.sign_pdf(paper_pdf)
    added = data + b"\n1 0 obj (un trang them) endobj\n"
    assert signing.verify_pdf(data).intact
    assert not signing.verify_pdf(added).intact


def test_an_unsigned_pdf_and_garbage_are_told_apart_and_never_raise(app, paper_pdf):
    unsigned = signing.verify_pdf(paper_pdf)
    assert unsigned.readable and not unsigned.signed and not unsigned.intact and unsigned.signer == ""
    for junk in (b"", b"garbage", b"%PDF-1.7\n" + b"\x00" * 500, paper_pdf[: len(paper_pdf) // 3],
                 b"%PDF-1.7\n1 0 obj <</Type /Catalog /AcroForm <</Fields [2 0 R]>>>> endobj\n"
                 b"2 0 obj <</FT /Sig /V <</Contents <00> /ByteRange [0 1 2 3]>>>> endobj\n"
                 b"trailer <</Root 1 0 R>>\n%%EOF\n"):
        found = signing.verify_pdf(junk)
        assert not found.intact and not found.chain_valid


def test_a_compression_bomb_is_refused_without_inflating_it(app):
    """A 20 KB upload whose cross-reference stream inflates to 32 MB: refused as unreadable, its bytes never grown
    past the upload limits."""
    import zlib

    bomb = zlib.compress(b"\0" * (32 * 1024 * 1024), 9)
    data = (b"%PDF-1.7\n1 0 obj <</Type /XRef /Size 2 /W [1 4 2] /Filter /FlateDecode /Length "
            + str(len(bomb)).encode() + b">>\nstream\n" + bomb + b"\nendstream\nendobj\nstartxref\n9\n%%EOF\n")
    assert len(data) < 64 * 1024
    import tracemalloc

    tracemalloc.start()
    try:
        found = signing.verify_pdf(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not found.readable and not found.signed
    assert peak < 8 * 1024 * 1024  # read without limits it takes over 80 MB


def test_without_a_key_nothing_is_signed(app, paper_pdf):
    assert app.config["SIGNING_KEY_FILE"] == ""
    assert signing.identity() is None and signing.status() == {"signer": None, "broken": False}
    assert signing.sign_pdf(paper_pdf) == paper_pdf
    handle = io.BytesIO(paper_pdf)
    assert signing.sign_file(handle) is False and handle.getvalue() == paper_pdf


def test_a_file_signed_in_place_verifies(app, ward_key, paper_pdf, tmp_path):
    path = tmp_path / "giay.pdf"
    path.write_bytes(paper_pdf)
    with path.open("r+b") as handle:
        assert signing.sign_file(handle) is True
    found = signing.verify_pdf(path.read_bytes())
    assert found.signed and found.intact and found.signer == WARD


def test_a_key_that_cannot_be_read_is_said_so(app, tmp_path, paper_pdf):
    app.config["SIGNING_KEY_FILE"] = str(make_pkcs12(tmp_path))
    app.config["SIGNING_KEY_PASSWORD"] = "sai mật khẩu"
    assert signing.status() == {"signer": None, "broken": True}
    with pytest.raises(signing.SigningUnavailable):
        signing.sign_pdf(paper_pdf)
    app.config["SIGNING_KEY_FILE"] = str(tmp_path / "khong-co.p12")
    with pytest.raises(signing.SigningUnavailable):
        signing.identity()


def test_an_upload_is_read_up_to_its_limit_and_must_be_a_pdf(app, paper_pdf):
    assert signing.verify_upload(io.BytesIO(paper_pdf), len(paper_pdf)).readable
    with pytest.raises(TooLarge) as too_large:
        signing.verify_upload(io.BytesIO(paper_pdf), len(paper_pdf) - 1)
    assert "Tệp quá lớn" in too_large.value.message and "file" in too_large.value.fields
    with pytest.raises(ValidationFailed) as empty:
        signing.verify_upload(io.BytesIO(b""), 1000)
    assert empty.value.fields == {"file": "tệp rỗng"}
    with pytest.raises(ValidationFailed) as junk:
        signing.verify_upload(io.BytesIO(b"MZ\x90\x00 not a pdf"), 1000)
    assert junk.value.message == "Tệp này không phải tệp PDF đọc được."
