"""GET /api/v1/public/recognized: a campaign's list of those recognized by a signed decision (API.md), no token."""

from __future__ import annotations

import pytest

from tests.services.test_publication import DECISION, build_ward

FIELDS = {"subject_name", "title", "unit_name", "decision_number", "signed_on", "certificate_code"}


@pytest.fixture
def ward(world):
    return build_ward(world)


def test_the_list_holds_exactly_the_recognized_dossiers_and_nothing_personal(client, ward, world):
    response = client.get(f"/api/v1/public/recognized?campaign_id={world.campaign.id}")
    assert response.status_code == 200, response.json
    items = response.json["items"]
    assert response.json["next_cursor"] is None
    assert all(set(item) == FIELDS for item in items)
    assert {i["certificate_code"] for i in items} == {d.certificate_code for d in ward.recognized}
    assert [(i["title"], i["unit_name"], i["subject_name"]) for i in items] == [
        ("model_family", "Tổ dân phố 1", "Hộ bà Lê Thị Hoa"),
        ("model_family", "Tổ dân phố 1", "Hộ ông Trần Văn Bình"),
        ("model_family", "Tổ dân phố 2", "Hộ ông Đỗ Văn Cường"),
        ("model_group", "Tổ dân phố 2", "Tổ dân phố 2"),
    ]
    assert {(i["decision_number"], i["signed_on"]) for i in items} == {(DECISION, ward.decision.signed_on.isoformat())}
    text = response.get_data(as_text=True)
    assert not [n for n in ward.personal_numbers() if n in text] and "ngõ Chợ" not in text


def test_another_campaign_has_its_own_list(client, ward, world):
    last_year = client.get(f"/api/v1/public/recognized?campaign_id={ward.last_year.campaign_id}").json["items"]
    assert [i["subject_name"] for i in last_year] == ["Hộ ông Mạc Văn Tùng"]
    assert client.get(f"/api/v1/public/recognized?campaign_id={world.campaign2.id}").json["items"] == []


def test_an_unknown_campaign_is_404_and_a_bad_id_422(client, ward):
    response = client.get("/api/v1/public/recognized?campaign_id=999999")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    for raw in ("abc", "0", "-1", "9" * 30, "1.5", ""):
        response = client.get(f"/api/v1/public/recognized?campaign_id={raw}")
        assert response.status_code == 422, (raw, response.json)
        assert set(response.json["error"]["fields"]) == {"campaign_id"}
    assert client.get("/api/v1/public/recognized").status_code == 422


def test_it_is_rate_limited_like_the_other_public_lookups(client, app, world):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 1
    assert client.get(f"/api/v1/public/recognized?campaign_id={world.campaign.id}").status_code == 200
    response = client.get(f"/api/v1/public/recognized?campaign_id={world.campaign.id}")
    assert response.status_code == 429 and response.json["error"]["code"] == "too_many_attempts"
