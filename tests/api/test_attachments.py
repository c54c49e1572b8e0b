"""Evidence files: accepted by content (PDF, PNG, JPEG), size-limited, stored outside the database under their
checksum, downloadable only in scope, audited."""

import hashlib
import io
from pathlib import Path

from states.enums import State

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(api, dossier_id, content: bytes, name="bien-ban.pdf", kind="meeting_minutes"):
    return api.post(f"/dossiers/{dossier_id}/attachments",
                    data={"file": (io.BytesIO(content), name), "kind": kind}, content_type="multipart/form-data")


def test_upload_is_stored_by_checksum_and_downloads_in_scope(api, world, app):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    response = upload(api.as_("group_committee"), dossier.id, PDF, name="Biên bản họp.pdf")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["content_type"] == "application/pdf" and body["size"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["filename"] == "Biên bản họp.pdf"
    stored = Path(app.config["UPLOAD_FOLDER"]) / body["sha256"][:2] / body["sha256"]
    assert stored.read_bytes() == PDF
    download = api.as_("auditor").get(f"/dossiers/{dossier.id}/attachments/{body['id']}")
    assert download.status_code == 200 and download.data == PDF
    assert "Bi%C3%AAn%20b%E1%BA%A3n" in download.headers["Content-Disposition"]
    download.close()
    assert api.as_("outsider_auditor").get(f"/dossiers/{dossier.id}/attachments/{body['id']}").status_code == 404
    history = api.as_("auditor").get(f"/dossiers/{dossier.id}/history").json
    assert history["events"][-1]["trigger"] == "attachment_added"
    assert history["events"][-1]["data"]["sha256"] == body["sha256"] and history["chain_valid"]


def test_type_is_judged_by_content_not_by_name(api, world):
    dossier = world.dossier(State.DRAFT)
    fake = upload(api.as_("applicant"), dossier.id, b"MZ\x90\x00 not a pdf", name="don.pdf", kind="evidence")
    assert fake.status_code == 422 and fake.json["error"]["fields"]["file"]
    image = upload(api.as_("applicant"), dossier.id, PNG, name="anh", kind="evidence")
    assert image.status_code == 201 and image.json["content_type"] == "image/png"


def test_too_large_is_413_and_leaves_no_file(api, world, app):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    dossier = world.dossier(State.DRAFT)
    response = upload(api.as_("applicant"), dossier.id, PDF + b"0" * 2000, kind="evidence")
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not [p for p in folder.rglob("*") if p.is_file()]


def test_who_may_attach(api, world):
    late = world.dossier(State.WARD_INSPECTION)
    assert upload(api.as_("applicant"), late.id, PDF, kind="evidence").status_code == 409
    assert upload(api.as_("ward_inspector"), late.id, PDF, kind="inspection_minutes").status_code == 201
    assert upload(api.as_("council1"), late.id, PDF, kind="evidence").status_code == 403
    bad_kind = upload(api.as_("ward_inspector"), late.id, PDF, kind="selfie")
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json["error"]["fields"]
    missing = api.as_("ward_inspector").post(f"/dossiers/{late.id}/attachments", data={"kind": "evidence"},
                                             content_type="multipart/form-data")
    assert missing.status_code == 422


def test_a_changed_file_on_disk_is_not_served(api, world, app):
    dossier = world.dossier(State.DRAFT)
    body = upload(api.as_("applicant"), dossier.id, PDF, kind="evidence").json
    stored = Path(app.config["UPLOAD_FOLDER"]) / body["sha256"][:2] / body["sha256"]
    stored.write_bytes(PDF + b"tampered")
    response = api.as_("applicant").get(f"/dossiers/{dossier.id}/attachments/{body['id']}")
    assert response.status_code == 409 and "SHA-256" in response.json["error"]["message"]
