"""Inputs that used to end in a 500, each with the fix at its root: the int converter (paths), the schemas
(bodies and queries), the JSON reader (nesting, content types), the upload route (file names), the error
handler (405 keeps Allow). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json

import pytest

from states.enums import State
from workflow import limits

HUGE = [2**31, 2**63, 2**64, 10**20]
ODD_DIGITS = ["--5", "-5", "²", "١٢", "１２", "5.0", "0x10", " 5", "1e3"]


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["code"] == code and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def raw(api, method: str, url: str, data: bytes | str, content_type="application/json", token=True):
    headers = {"Authorization": f"Bearer {api.token}"} if token and api.token else {}
    return api.client.open("/api/v1" + url, method=method, data=data, content_type=content_type, headers=headers)


# (a) integers beyond what the database holds ------------------------------------------------------------------


@pytest.mark.parametrize("number", [*HUGE, 0, "0" * 30 + "1", "9" * 5000])
def test_path_ids_beyond_the_database_are_404(api, world, number):
    chairman = api.as_("chairman")
    for url in (f"/dossiers/{number}", f"/dossiers/{number}/history", f"/decisions/{number}",
                f"/dossiers/1/attachments/{number}"):
        error_of(chairman.get(url), 404, "not_found")
    error_of(chairman.post(f"/dossiers/{number}/transitions", json={"trigger": "accept", "version": 1}),
             404, "not_found")
    error_of(api.as_("admin").patch(f"/campaigns/{number}", json={"name": "x"}), 404, "not_found")


def test_the_largest_id_is_still_a_plain_not_found(api, world):
    error_of(api.as_("chairman").get(f"/dossiers/{limits.ID_MAX}"), 404, "not_found")


@pytest.mark.parametrize("number", HUGE)
def test_body_integers_beyond_the_database_are_422(api, world, number):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    committee = api.as_("group_committee")
    error = error_of(committee.post(f"/dossiers/{dossier.id}/transitions",
                                    json={"trigger": "submit_assessment", "version": number}),
                     422, "validation_failed")
    assert error["fields"] == {"version": f"phải ≤ {limits.ID_MAX}"}
    error = error_of(committee.put(f"/dossiers/{dossier.id}/assessment", json={
        "version": dossier.version, "meeting": {"held_on": "2026-01-05", "invited": number, "attendees": 1,
                                                "votes_for": 1}}), 422, "validation_failed")
    assert set(error["fields"]) == {"meeting.invited"}
    error = error_of(api.as_("applicant").post("/dossiers", json={
        "campaign_id": number, "title": "model_family", "unit_id": world.units["G1"].id, "subject_name": "A",
        "subject_ref": "B"}), 422, "validation_failed")
    assert set(error["fields"]) == {"campaign_id"}
    error = error_of(api.as_("chairman").post("/decisions", json={
        "number": "1/QĐ", "signed_on": "2026-01-05", "outcome": "recognize", "dossier_ids": [dossier.id, number]}),
        422, "validation_failed")
    assert set(error["fields"]) == {"dossier_ids[1]"}


@pytest.mark.parametrize("number", HUGE)
def test_query_integers_beyond_the_database_are_422(api, world, number):
    auditor = api.as_("auditor")
    for url in (f"/dossiers?unit_id={number}", f"/dossiers?campaign_id={number}", f"/dossiers?limit={number}",
                f"/audit/events?dossier_id={number}", f"/audit/events?unit_id={number}"):
        error = error_of(auditor.get(url), 422, "validation_failed")
        assert len(error["fields"]) == 1
    from workflow.api.schemas import encode_cursor

    error = error_of(auditor.get(f"/dossiers?cursor={encode_cursor(number)}"), 422, "validation_failed")
    assert error["fields"] == {"cursor": "cursor không hợp lệ"}


# (b) numbers written in other ways -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ODD_DIGITS)
def test_numbers_that_are_not_ascii_digits_are_422_in_queries(api, world, text):
    auditor = api.as_("auditor")
    for name in ("unit_id", "campaign_id", "limit"):
        error = error_of(auditor.get("/dossiers", query_string={name: text}), 422, "validation_failed")
        assert error["fields"] == {name: "phải là số nguyên"}
    error = error_of(auditor.get("/audit/events", query_string={"dossier_id": text}), 422, "validation_failed")
    assert error["fields"] == {"dossier_id": "phải là số nguyên"}


@pytest.mark.parametrize("text", ["١٢", "²", "--5", "１２"])
def test_numbers_that_are_not_ascii_digits_name_no_path(api, world, text):
    world.dossier(State.DRAFT)  # id 1 exists; "١" must not reach it
    error_of(api.as_("chairman").get(f"/dossiers/{text}"), 404, "not_found")


@pytest.mark.parametrize("value", ["١٢", "12", "--5", 1.0, True, [1], {"n": 1}])
def test_body_integers_must_be_json_integers(api, world, value):
    dossier = world.dossier(State.REGISTERED)
    error = error_of(api.as_("group_committee").post(f"/dossiers/{dossier.id}/transitions",
                                                     json={"trigger": "accept", "version": value}),
                     422, "validation_failed")
    assert error["fields"] == {"version": "phải là số nguyên"}


# (c) a lone surrogate, a NUL or a control character in any text --------------------------------------------------


def test_a_lone_surrogate_at_sign_in_is_422(client, world):
    body = b'{"username": "\\ud800", "password": "demo12345"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    error = error_of(response, 422, "validation_failed")
    assert error["fields"] == {"username": "chứa ký tự không hợp lệ (ký tự điều khiển hoặc mã UTF-16 lẻ)"}
    body = b'{"username": "chairman", "password": "demo\\udfff"}'
    error = error_of(client.post("/api/v1/auth/token", data=body, content_type="application/json"),
                     422, "validation_failed")
    assert set(error["fields"]) == {"password"}


BAD_TEXTS = ["\\ud800", "\\udc00x", "a\\u0000b", "a\\u001bb", "\\u0085"]  # JSON escapes, sent as they are


def with_bad(body: dict, bad: str) -> bytes:
    """`body` as JSON with every "BAD" replaced by the raw escape (json.dumps cannot write a lone surrogate)."""
    return json.dumps(body).replace("BAD", bad).encode()


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_bad_characters_in_any_text_are_422(api, world, bad):
    draft = world.dossier(State.DRAFT)
    review = world.dossier(State.COUNCIL_REVIEW)
    awaiting = world.dossier(State.AWAITING_DECISION)
    applicant, chairman = api.as_("applicant"), api.as_("chairman")
    create = {"campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G1"].id,
              "subject_name": "BAD", "subject_ref": "HK-1"}
    recognize = {"trigger": "recognize", "version": awaiting.version}
    cases = [
        (applicant, "POST", "/dossiers", create, "subject_name"),
        (applicant, "POST", "/dossiers", {**create, "subject_name": "A", "members": [{"name": "BAD"}]},
         "members[0].name"),
        (applicant, "PATCH", f"/dossiers/{draft.id}", {"version": draft.version, "note": "BAD"}, "note"),
        (api.as_("council1"), "POST", f"/dossiers/{review.id}/votes", {"vote": "approve", "comment": "BAD"},
         "comment"),
        (chairman, "POST", f"/dossiers/{awaiting.id}/transitions",
         {**recognize, "data": {"decision_number": "BAD", "signed_on": "2026-01-05"}}, "data"),
        (chairman, "POST", f"/dossiers/{awaiting.id}/transitions", {**recognize, "data": {"BAD": 1}}, "data"),
        (chairman, "POST", f"/dossiers/{awaiting.id}/transitions", {**recognize, "comment": "BAD"}, "comment"),
        (chairman, "POST", "/decisions", {"number": "BAD", "signed_on": "2026-01-05", "outcome": "recognize",
                                          "dossier_ids": [awaiting.id]}, "number"),
    ]
    for who, method, url, body, field in cases:
        error = error_of(raw(who, method, url, with_bad(body, bad)), 422, "validation_failed")
        assert field in error["fields"], (url, error)
        assert error["fields"][field] == "chứa ký tự không hợp lệ (ký tự điều khiển hoặc mã UTF-16 lẻ)"


def test_a_nul_in_a_query_is_422(api, world):
    error = error_of(api.as_("auditor").get("/dossiers?q=a%00b"), 422, "validation_failed")
    assert set(error["fields"]) == {"q"}
    error = error_of(api.as_("auditor").get("/audit/events?actor=x%00"), 422, "validation_failed")
    assert set(error["fields"]) == {"actor"}


def test_far_dates_in_the_audit_filter_are_422(api, world):
    for since in ("0001-01-01", "0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "२०२६-01-01"):
        error = error_of(api.as_("auditor").get("/audit/events", query_string={"since": since}),
                         422, "validation_failed")
        assert set(error["fields"]) == {"since"}
    assert api.as_("auditor").get("/audit/events?until=9999-12-31").status_code == 200


def test_a_nul_in_a_tracking_code_is_404(client, world):
    error_of(client.get("/api/v1/track/KM%00"), 404, "not_found")
    error_of(client.get("/api/v1/track/" + "A" * 5000), 404, "not_found")


# (d) a body that is not one JSON object -------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    '{"data": ' + "[" * 40 + "]" * 40 + "}",
    "", "   ", "[]", "[1, 2]", '"text"', "5", "null", "true", "{not json", '{"a": NaN}', '{"a": 1e400}',
    '{"a": Infinity}',
])
def test_bodies_that_are_not_one_json_object_are_400(api, world, body):
    dossier = world.dossier(State.REGISTERED)
    response = raw(api.as_("group_committee"), "POST", f"/dossiers/{dossier.id}/transitions", body.encode())
    error_of(response, 400, "bad_request")


def test_bytes_that_are_not_utf8_are_400(api, world):
    response = raw(api.as_("applicant"), "POST", "/dossiers", b'{"subject_name": "\xff\xfe"}')
    error_of(response, 400, "bad_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/xml", ""])
def test_a_body_that_is_not_declared_json_is_400(api, world, content_type):
    body = json.dumps({"trigger": "accept", "version": 1}).encode()
    dossier = world.dossier(State.REGISTERED)
    response = raw(api.as_("group_committee"), "POST", f"/dossiers/{dossier.id}/transitions", body,
                   content_type=content_type)
    error_of(response, 400, "bad_request")


def test_a_json_body_with_a_charset_is_fine(api, world):
    dossier = world.dossier(State.REGISTERED)
    body = json.dumps({"trigger": "accept", "version": dossier.version}).encode()
    response = raw(api.as_("group_committee"), "POST", f"/dossiers/{dossier.id}/transitions", body,
                   content_type="application/json; charset=utf-8")
    assert response.status_code == 200, response.json


# (e) a list or an object where a choice is expected ------------------------------------------------------------


@pytest.mark.parametrize("wrong", [["approve"], {"vote": "approve"}, 1, True, None])
def test_choices_given_as_lists_or_objects_are_422(api, world, wrong):
    review = world.dossier(State.COUNCIL_REVIEW)
    error = error_of(api.as_("council1").post(f"/dossiers/{review.id}/votes", json={"vote": wrong}),
                     422, "validation_failed")
    assert set(error["fields"]) == {"vote"}
    inspection = world.dossier(State.WARD_INSPECTION)
    error = error_of(api.as_("ward_inspector").put(f"/dossiers/{inspection.id}/inspection", json={
        "version": inspection.version, "recommendation": wrong if wrong is not None else ["pass"]}),
        422, "validation_failed")
    assert set(error["fields"]) == {"recommendation"}
    error = error_of(api.as_("group_committee").post(f"/dossiers/{review.id}/transitions", json={
        "trigger": wrong, "version": review.version}), 422, "validation_failed")
    assert set(error["fields"]) == {"trigger"}
    awaiting = world.dossier(State.AWAITING_DECISION)
    error = error_of(api.as_("chairman").post("/decisions", json={
        "number": "3/QĐ", "signed_on": "2026-01-05", "outcome": wrong, "dossier_ids": [awaiting.id]}),
        422, "validation_failed")
    assert "outcome" in error["fields"]


# (f) file names with NUL, control characters or folders ----------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(api, dossier_id, name):
    return api.post(f"/dossiers/{dossier_id}/attachments",
                    data={"file": (io.BytesIO(PDF), name), "kind": "evidence"}, content_type="multipart/form-data")


@pytest.mark.parametrize(("name", "stored"), [
    ("bien\x00ban.pdf", "bienban.pdf"),
    ("a\tb\x1b\x7f\x85.pdf", "ab.pdf"),
    ("\x00\x01\x1f", "tep-dinh-kem"),
    ("../../etc/passwd", "passwd"),
    ("C:/Users/me/biên bản.pdf", "biên bản.pdf"),
    ("\u202egpj.pdf", "gpj.pdf"),
])
def test_upload_names_are_cleaned_and_download_fine(api, world, name, stored):
    dossier = world.dossier(State.DRAFT)
    applicant = api.as_("applicant")
    response = upload(applicant, dossier.id, name)
    assert response.status_code == 201, response.json
    assert response.json["filename"] == stored
    download = applicant.get(f"/dossiers/{dossier.id}/attachments/{response.json['id']}")
    assert download.status_code == 200 and download.data == PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition and "\x00" not in disposition
    download.close()


def test_an_upload_name_in_broken_utf8_is_refused_not_a_crash(api, world):
    dossier = world.dossier(State.DRAFT)
    boundary = "xYz"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nevidence\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"").encode() \
        + b"\xff\xfe\xed\xa0\x80.pdf" + b"\"\r\nContent-Type: application/pdf\r\n\r\n" + PDF \
        + f"\r\n--{boundary}--\r\n".encode()
    applicant = api.as_("applicant")
    response = raw(applicant, "POST", f"/dossiers/{dossier.id}/attachments", body,
                   content_type=f"multipart/form-data; boundary={boundary}")
    error = error_of(response, 422, "validation_failed")  # werkzeug drops a form it cannot decode
    assert error["fields"] == {"file": "bắt buộc"}


def test_an_upload_that_is_not_multipart_is_400(api, world):
    dossier = world.dossier(State.DRAFT)
    response = raw(api.as_("applicant"), "POST", f"/dossiers/{dossier.id}/attachments", b'{"kind": "evidence"}')
    error_of(response, 400, "bad_request")


# HTTP-level errors answer JSON --------------------------------------------------------------------------------


def test_405_answers_json_and_keeps_allow(client, api, world):
    response = client.delete("/api/v1/auth/token")
    error_of(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST", "OPTIONS"}
    response = api.as_("chairman").put("/dossiers/1/votes", json={})
    error_of(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_unknown_api_paths_are_json_404(client):
    for url in ("/api/v1/nothing", "/api/v1/dossiers/1/nothing", "/api/v1/", "/api/v2/dossiers"):
        error_of(client.get(url), 404, "not_found")


def test_a_body_over_the_limit_is_json_413(api, world, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = raw(api.as_("applicant"), "POST", "/dossiers", b'{"note": "' + b"x" * 2000 + b'"}')
    error_of(response, 413, "too_large")


# logout ------------------------------------------------------------------------------------------------------------


def test_logout_revokes_the_calling_token_only(client, world):
    def sign_in():
        response = client.post("/api/v1/auth/token", json={"username": "auditor", "password": "demo12345"})
        assert response.status_code == 200
        return {"Authorization": f"Bearer {response.json['token']}"}

    first, second = sign_in(), sign_in()
    assert client.get("/api/v1/me", headers=first).status_code == 200
    response = client.post("/api/v1/auth/logout", headers=first)
    assert response.status_code == 204 and response.data == b""
    error_of(client.get("/api/v1/me", headers=first), 401, "unauthenticated")
    error_of(client.post("/api/v1/auth/logout", headers=first), 401, "unauthenticated")
    assert client.get("/api/v1/me", headers=second).status_code == 200
    error_of(client.post("/api/v1/auth/logout"), 401, "unauthenticated")
