"""GET /api/v1/public/certificates/{certificate_code} (API.md, v1 additions), no sign-in: what the printed QR code
confirms — valid, then revoked after the chairman's revoke step through the API — and never anything personal."""

from __future__ import annotations

from states.enums import State
from tests.api.helpers import fire
from workflow import clock
from workflow.extensions import db
from workflow.services import decisions

FIELDS = {"certificate_code", "title", "subject_name", "year", "unit_name", "decision_number", "signed_on",
          "status", "revoked_on"}
REASON = "Phát hiện thành viên hộ vi phạm pháp luật sau khi công nhận"


def recognized(world):
    dossier = world.dossier(State.AWAITING_DECISION, subject_name="Hộ ông Lê Văn Hùng", subject_ref="038085001111",
                            subject_address="Số 12 ngõ Hoa Sữa")
    decision = decisions.record_decision(world.users["chairman"], {
        "number": "312/QĐ-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [dossier.id]})
    db.session.commit()
    return dossier, decision


def test_valid_then_revoked_after_the_chairmans_revoke(api, world):
    dossier, decision = recognized(world)
    response = api.get(f"/public/certificates/{dossier.certificate_code}")  # no token
    assert response.status_code == 200
    assert response.json == {
        "certificate_code": dossier.certificate_code, "title": "model_family", "subject_name": "Hộ ông Lê Văn Hùng",
        "year": world.campaign.year, "unit_name": "Tổ dân phố 1", "decision_number": "312/QĐ-UBND",
        "signed_on": decision.signed_on.isoformat(), "status": "valid", "revoked_on": None}

    fire(api.as_("chairman"), dossier.id, "revoke", REASON)
    response = api.get(f"/public/certificates/{dossier.certificate_code}")
    assert response.status_code == 200 and set(response.json) == FIELDS
    assert response.json["status"] == "revoked"
    assert response.json["revoked_on"] == clock.now().date().isoformat()
    assert response.json["decision_number"] == "312/QĐ-UBND"
    text = response.get_data(as_text=True)
    for private in ("038085001111", "Hoa Sữa", "vi phạm", "chairman"):
        assert private not in text, private


def test_the_code_in_any_case(api, world):
    dossier, _ = recognized(world)
    response = api.get(f"/public/certificates/{dossier.certificate_code.lower()}")
    assert response.status_code == 200 and response.json["certificate_code"] == dossier.certificate_code


def test_an_unknown_code_is_a_404_error(api, world):
    world.dossier(State.AWAITING_DECISION)
    for code in ("2026-ABCDEFGH", "KM00000001", "x", "2026-" + "A" * 15):
        response = api.get(f"/public/certificates/{code}")
        assert response.status_code == 404, code
        assert response.json["error"]["code"] == "not_found" and set(response.json["error"]) == {
            "code", "message", "fields"}
    assert api.get("/public/certificates/" + "A" * 21).status_code == 404  # longer than any code: no route
    assert api.get("/public/certificates/2026%20ABC").status_code == 404


def test_the_lookups_are_limited_per_address(app, api, world):
    dossier, _ = recognized(world)
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 3
    answers = [api.get(f"/public/certificates/{dossier.certificate_code}").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert api.get(f"/public/certificates/{dossier.certificate_code}").json["error"]["code"] == "too_many_attempts"


def test_the_public_page_says_valid_then_revoked_in_plain_words(api, client, world):
    dossier, decision = recognized(world)
    page = client.get(f"/public/certificates/{dossier.certificate_code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for part in ("Giấy công nhận hợp lệ", "Gia đình kiểu mẫu", f"năm {world.campaign.year}", "Hộ ông Lê Văn Hùng",
                 "Tổ dân phố 1", "312/QĐ-UBND", decision.signed_on.strftime("%d/%m/%Y"), dossier.certificate_code):
        assert part in text, part
    assert "038085001111" not in text and "Hoa Sữa" not in text and "thu hồi" not in text

    fire(api.as_("chairman"), dossier.id, "revoke", REASON)
    text = client.get(f"/public/certificates/{dossier.certificate_code}").get_data(as_text=True)
    assert "Danh hiệu đã bị thu hồi" in text and "Giấy công nhận hợp lệ" not in text
    assert f"thu hồi ngày {clock.now().strftime('%d/%m/%Y')}" in text
    assert REASON not in text and "038085001111" not in text


def test_the_public_page_takes_a_typed_code_and_says_when_none_matches(client, world):
    dossier, _ = recognized(world)
    empty = client.get("/public/certificates")
    assert empty.status_code == 200 and 'name="code"' in empty.get_data(as_text=True)
    typed = " " + dossier.certificate_code.lower().replace("-", " ") + " "
    found = client.get("/public/certificates", query_string={"code": typed})
    assert found.status_code == 200 and "Giấy công nhận hợp lệ" in found.get_data(as_text=True)
    missing = client.get("/public/certificates/2026-ZZZZZZZZ")
    text = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "Không tìm thấy giấy công nhận có mã này" in text
    assert 'name="code"' in text and 'value="2026-ZZZZZZZZ"' in text  # the form, to correct the code
    assert client.get("/public/certificates/%3Cscript%3E").status_code == 404
