"""POST /api/v1/dossiers/{id}/renew {"campaign_id"} → 201 next campaign's dossier, subject copied (API.md)."""

from __future__ import annotations

from states.enums import State
from tests.services.test_renew import last_year, next_year_campaign


def error_of(response) -> tuple[int, str | None]:
    return response.status_code, (response.get_json(silent=True) or {}).get("error", {}).get("code")


def test_the_applicant_renews_and_gets_next_years_draft(api, world):
    old = last_year(world)
    later = next_year_campaign(world)
    response = api.as_("applicant").post(f"/dossiers/{old.id}/renew", json={"campaign_id": later.id})
    assert response.status_code == 201, response.json
    new = response.json
    assert (new["state"], new["campaign_id"], new["unit_id"], new["title"]) == (
        "draft", later.id, old.unit_id, "model_family")
    assert (new["subject_name"], new["subject_ref"], new["subject_address"], new["note"]) == (
        "Hộ ông Trần Văn Bình", old.subject_ref, "12 ngõ 3, Tổ dân phố 1", "")
    assert [m["name"] for m in new["members"]] == ["Trần Thị Hoa", "Trần Minh Khôi"]
    assert new["id"] != old.id and "submit" in new["available_triggers"]

    history = api.as_("applicant").get(f"/dossiers/{new['id']}/history").json["events"]
    assert [e["trigger"] for e in history] == ["created"] and history[0]["data"]["renewed_from"] == old.id
    old_history = api.as_("applicant").get(f"/dossiers/{old.id}/history").json["events"]
    assert old_history[-1]["trigger"] == "renewed" and old_history[-1]["data"]["dossier_id"] == new["id"]

    again = api.as_("applicant").post(f"/dossiers/{old.id}/renew", json={"campaign_id": later.id})
    assert error_of(again) == (409, "conflict") and new["tracking_code"] in again.json["error"]["message"]


def test_without_a_campaign_id_the_wards_next_open_campaign(api, world):
    old = last_year(world, State.NOT_RECOGNIZED)
    refused = api.as_("applicant").post(f"/dossiers/{old.id}/renew", json={})
    assert error_of(refused) == (409, "conflict") and "campaign_id" in refused.json["error"]["fields"]
    later = next_year_campaign(world)
    response = api.as_("group_committee").post(f"/dossiers/{old.id}/renew", json={})
    assert response.status_code == 201 and response.json["campaign_id"] == later.id
    assert response.json["state"] == "registered" and response.json["entered_by"] == "group_committee"


def test_refusals_in_the_error_shape(api, world):
    old = last_year(world)
    live = last_year(world, State.WARD_INSPECTION, subject_ref="HK-4242")
    closed = next_year_campaign(world, opens_in=-40, closes_in=-2)
    other_ward = next_year_campaign(world, ward="WARD2")
    cases = [
        ("applicant", old.id, {"campaign_id": closed.id}, (409, "conflict")),
        ("applicant", old.id, {"campaign_id": world.campaign.id}, (422, "validation_failed")),
        ("applicant", old.id, {"campaign_id": other_ward.id}, (422, "validation_failed")),
        ("applicant", old.id, {"campaign_id": "mười"}, (422, "validation_failed")),
        ("applicant", old.id, {"campaign_id": 10**20}, (422, "validation_failed")),
        ("applicant", live.id, {"campaign_id": closed.id}, (409, "invalid_transition")),
        ("applicant2", old.id, {"campaign_id": closed.id}, (404, "not_found")),
        ("committee2", old.id, {"campaign_id": closed.id}, (404, "not_found")),
        ("outsider_committee", old.id, {"campaign_id": closed.id}, (404, "not_found")),
        ("chairman", old.id, {"campaign_id": closed.id}, (403, "forbidden")),
    ]
    for username, dossier_id, body, want in cases:
        response = api.as_(username).post(f"/dossiers/{dossier_id}/renew", json=body)
        assert error_of(response) == want, (username, body, response.json)
        assert set(response.json["error"]) == {"code", "message", "fields"}
    assert api.as_("auditor").get(f"/dossiers?campaign_id={closed.id}").json["items"] == []
