"""GET /api/v1/streaks: years recognized per subject, in the caller's scope only (API.md, v1 additions)."""

from __future__ import annotations

from states.enums import State
from tests.services.test_streaks import recognize


def test_streaks_list_years_consecutive_and_eligible(api, world):
    this = world.campaign.year
    for year in (this - 2, this - 1, this):
        recognize(world, year, "HK-0101", name="Hộ ông Vũ Văn Nam")
    recognize(world, this - 2, "HK-0102", name="Hộ bà Ngô Thị Mai")
    recognize(world, this - 1, "HK-0102", name="Hộ bà Ngô Thị Mai", target=State.REVOKED)
    recognize(world, this, "HK-0102", name="Hộ bà Ngô Thị Mai")
    response = api.as_("chairman").get("/streaks")
    assert response.status_code == 200, response.json
    assert response.json["next_cursor"] is None
    items = {i["subject_ref"]: i for i in response.json["items"]}
    assert items["HK-0101"] == {"subject_ref": "HK-0101", "subject_name": "Hộ ông Vũ Văn Nam",
                                "title": "model_family", "years": [this - 2, this - 1, this],
                                "consecutive": 3, "eligible": True}
    assert items["HK-0102"]["years"] == [this - 2, this]
    assert items["HK-0102"]["consecutive"] == 1 and items["HK-0102"]["eligible"] is False


def test_streaks_answer_in_scope_only(api, world, client):
    this = world.campaign.year
    recognize(world, this - 1, "HK-0201")
    recognize(world, this, "HK-0201")
    recognize(world, this, "HK-0202", group="G2", name="Hộ ông Bùi Văn Tư")
    g1, g2 = world.units["G1"].id, world.units["G2"].id
    refs = lambda response: sorted(i["subject_ref"] for i in response.json["items"])  # noqa: E731
    assert refs(api.as_("chairman").get("/streaks")) == ["HK-0201", "HK-0202"]
    assert refs(api.as_("chairman").get(f"/streaks?unit_id={g1}")) == ["HK-0201"]
    assert refs(api.as_("group_committee").get("/streaks")) == ["HK-0201"]
    assert refs(api.as_("group_committee").get(f"/streaks?unit_id={g2}")) == []
    assert refs(api.as_("outsider_chairman").get("/streaks")) == []
    assert client.get("/api/v1/streaks").status_code == 401


def test_a_bad_unit_id_is_named(api):
    for raw in ("abc", "0", "-1", "9" * 30):
        response = api.as_("chairman").get(f"/streaks?unit_id={raw}")
        assert response.status_code == 422, (raw, response.json)
        assert set(response.json["error"]["fields"]) == {"unit_id"}
    assert api.as_("chairman").get("/streaks?unit_id=").status_code == 200  # empty: not sent
