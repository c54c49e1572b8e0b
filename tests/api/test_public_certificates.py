"""GET /api/v1/public/certificates/{certificate_code} (API.md, v1 additions), no sign-in: what the printed QR code
confirms — valid, then revoked after the chairman's revoke step through the API — and never anything personal."""

from __future__ import annotations

from states.enums import State
from tests.api.helpers import fire
from workflow import clock
from workflow.extensions import db
from workflow.services import decisions

FIELDS = {"certificate_code", "title", "subject_name", "year", "unit_name", "decision_number", "signed_on",
          "status", "revoked_on", "certificate_number", "revoked_by"}
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
        "signed_on": decision.signed_on.isoformat(), "status": "valid", "revoked_on": None,
        "certificate_number": 1, "revoked_by": None}

    fire(api.as_("chairman"), dossier.id, "revoke", REASON,
         {"decision_number": "313/QĐ-UBND", "signed_on": clock.now().date().isoformat()})
    response = api.get(f"/public/certificates/{dossier.certificate_code}")
    assert response.status_code == 200 and set(response.json) == FIELDS
    assert response.json["status"] == "revoked"
    assert response.json["revoked_on"] == clock.now().date().isoformat()
    assert response.json["revoked_by"] == "313/QĐ-UBND" and response.json["certificate_number"] == 1
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
