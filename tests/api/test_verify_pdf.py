"""`POST /api/v1/public/verify-pdf` (API.md v2, issue 16): multipart `file`, no sign-in, limited per address →
`{"signed", "intact", "signer", "signed_at"}` (and who issued the certificate, whether the chain checks out); a file
that is no PDF, empty or too large is a JSON 4xx naming `file`, never a 500."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.api.test_errors import error_of
from tests.signing_keys import CA, WARD
from tests.web.test_certificates import signed
from workflow.services import signing

URL = "/api/v1/public/verify-pdf"


def post(client, data: bytes | None, filename: str = "quyet-dinh.pdf", **extra):
    fields = {**extra, **({"file": FileStorage(io.BytesIO(data), filename)} if data is not None else {})}
    boundary, body = encode_multipart(fields)  # in memory: the test client's encoder leaves large bodies open
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def decision_pdf(client, auth, world, ward_key) -> bytes:
    decision, _ = signed(world)
    auth.login("chairman")
    response = client.get(f"/decisions/{decision.id}/document?format=pdf")
    assert response.status_code == 200
    auth.logout()
    return response.get_data()


def test_a_signed_decision_is_signed_and_intact(client, decision_pdf, frozen_clock):
    response = post(client, decision_pdf)
    assert response.status_code == 200
    assert response.json == {"signed": True, "intact": True, "signer": WARD, "issuer": CA, "chain_valid": True,
                             "signed_at": frozen_clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_a_flipped_byte_is_not_intact(client, decision_pdf):
    data = bytearray(decision_pdf)
    data[data.index(b"stream") + 30] ^= 0x01
    body = post(client, bytes(data)).json
    assert body["signed"] is True and body["intact"] is False and body["signer"] == WARD


def test_an_unsigned_pdf(client, auth, world):
    decision, _ = signed(world)
    auth.login("chairman")
    data = client.get(f"/decisions/{decision.id}/document?format=pdf").get_data()
    assert post(client, data).json == {"signed": False, "intact": False, "signer": None, "issuer": None,
                                       "signed_at": None, "chain_valid": False}


@pytest.mark.parametrize("content", [b"", b"not a pdf at all", b"%PDF-1.7\n" + b"\xff" * 200])
def test_what_is_not_a_pdf_is_422_naming_the_file(client, content):
    error = error_of(post(client, content), 422, "validation_failed")
    assert set(error["fields"]) == {"file"}


def test_no_file_is_422_and_no_multipart_is_400(client):
    assert "file" in error_of(post(client, None, note="x"), 422, "validation_failed")["fields"]
    error_of(client.post(URL, json={"file": "JVBERi0="}), 400, "bad_request")


def test_too_large_is_413(app, client):
    app.config["VERIFY_PDF_MAX_BYTES"] = 1024 * 1024
    error = error_of(post(client, b"%PDF-1.7\n" + b"0" * (1024 * 1024)), 413, "too_large")
    assert error["message"] == "Tệp quá lớn: tối đa 1 MB." and "file" in error["fields"]
    error_of(post(client, b"%PDF-1.7\n" + b"0" * app.config["MAX_CONTENT_LENGTH"]), 413, "too_large")


def test_limited_per_address_before_the_file_is_read(app, client, monkeypatch):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 2
    read = []
    monkeypatch.setattr(signing, "verify_pdf", lambda data: read.append(data) or signing.Verification(True, False))
    assert [post(client, b"%PDF-1.7\n").status_code for _ in range(2)] == [200, 200]
    refused = post(client, b"%PDF-1.7\n")
    error_of(refused, 429, "too_many_attempts")
    assert refused.headers.get("Retry-After") and len(read) == 2
