"""Units as they are now: two tiers, validity dates, and mergers that keep the merged unit's history readable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states.enums import State
from tests.conftest import csrf_from
from workflow.extensions import db
from workflow.services import admin as admin_service
from workflow.services.errors import Forbidden, ValidationFailed
from workflow.services.listing import local_today


def merge_g2_into_g1(world, effective_on: date | None = None):
    unit = admin_service.merge_unit(world.users["admin"], world.units["G2"].id, world.units["G1"].id,
                                    effective_on or local_today())
    db.session.commit()
    return unit


def test_a_merged_group_ends_names_its_successor_and_its_dossiers_stay_readable_there(api, world):
    dossier = world.dossier(State.WARD_INSPECTION, group="G2")
    assert api.as_("group_committee").get(f"/dossiers/{dossier.id}").status_code == 404  # G1's, not G2's
    merge_g2_into_g1(world)

    g1, g2 = world.units["G1"], world.units["G2"]
    assert g2.valid_to == local_today() - timedelta(days=1) and g2.merged_into_id == g1.id
    assert g2.path.startswith(g1.path)
    # The successor's committee now reaches the old group's dossier and its whole, unaltered history.
    history = api.as_("group_committee").get(f"/dossiers/{dossier.id}/history")
    assert history.status_code == 200 and history.json["chain_valid"] is True
    assert [e["trigger"] for e in history.json["events"]][:2] == ["created", "submit"]
    assert api.as_("group_committee").get(f"/dossiers/{dossier.id}").json["unit_id"] == g2.id
    # The ward's people still reach it, and the old group's own committee too (its history is theirs).
    assert api.as_("ward_inspector").get(f"/dossiers/{dossier.id}").status_code == 200
    assert api.as_("committee2").get(f"/dossiers/{dossier.id}").status_code == 200
    # The units list says what happened.
    units = {u["code"]: u for u in api.as_("admin").get("/units?limit=500").json["items"]}
    assert units["G2"]["merged_into_id"] == g1.id
    assert units["G2"]["valid_to"] == (local_today() - timedelta(days=1)).isoformat()
    assert units["G1"]["valid_to"] is None
    # The audit log keeps the merger.
    assert api.as_("auditor").get(f"/dossiers/{dossier.id}/history").json["chain_valid"] is True
    from workflow.services import seals

    seals.record_verification(seals.verify_all())  # as `flask audit-verify` does, outside any request
    db.session.commit()
    assert api.as_("admin").get("/audit/verify").json["valid"] is True


def test_a_merged_group_takes_no_new_registration_and_says_where_to_register(api, world):
    merge_g2_into_g1(world)
    response = api.as_("applicant2").post("/dossiers", json={
        "campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G2"].id,
        "subject_name": "Hộ bà Trần Thị Hoa", "subject_ref": "038190001234"})
    assert response.status_code == 422
    assert "đã sáp nhập vào Tổ dân phố 1" in response.json["error"]["fields"]["unit_id"]


@pytest.mark.parametrize(("day", "words"), [(date(1, 1, 1), "không hợp lệ"), (None, "đã có hiệu lực")])
def test_a_merger_is_recorded_once_in_effect_never_ahead_or_out_of_range(world, day, words):
    day = day or local_today() + timedelta(days=10)  # ahead: the group would answer to its successor too early
    with pytest.raises(ValidationFailed) as refused:
        admin_service.merge_unit(world.users["admin"], world.units["G2"].id, world.units["G1"].id, day)
    assert words in str(refused.value.fields["effective_on"])
    db.session.rollback()
    assert world.units["G2"].valid_to is None and world.units["G2"].merged_into_id is None


@pytest.mark.parametrize(("unit", "into", "field", "words"), [
    ("G1", "G1", "into_id", "chính nó"),
    ("G1", "AG", "into_id", "cùng loại"),
    ("WARD", "G1", "into_id", "cùng loại"),
])
def test_impossible_mergers_are_refused_beside_the_field(world, unit, into, field, words):
    with pytest.raises(ValidationFailed) as refused:
        admin_service.merge_unit(world.users["admin"], world.units[unit].id, world.units[into].id, local_today())
    assert words in str(refused.value.fields[field])
    db.session.rollback()
    assert world.units[unit].valid_to is None


def test_a_unit_merged_once_cannot_merge_again_and_only_an_admin_merges(world):
    merge_g2_into_g1(world)
    with pytest.raises(ValidationFailed) as refused:
        admin_service.merge_unit(world.users["admin"], world.units["G2"].id, world.units["G1"].id, local_today())
    assert "đã kết thúc" in str(refused.value.fields["unit_id"])
    db.session.rollback()
    with pytest.raises(Forbidden):
        admin_service.merge_unit(world.users["chairman"], world.units["G1"].id, world.units["G2"].id, local_today())


def test_admin_page_merges_and_shows_the_tree_with_dates(client, auth, world):
    auth.login("admin")
    page = client.get("/admin/units").get_data(as_text=True)
    assert "Sáp nhập đơn vị" in page
    bad = client.post("/admin/units/merge", data={"csrf_token": csrf_from(page), "unit_id": world.units["G2"].id,
                                                  "into_id": world.units["G2"].id,
                                                  "effective_on": local_today().isoformat()})
    assert bad.status_code == 422 and "không thể sáp nhập một đơn vị vào chính nó" in bad.get_data(as_text=True)
    assert world.units["G2"].valid_to is None
    day = local_today()
    ok = client.post("/admin/units/merge", data={"csrf_token": csrf_from(page), "unit_id": world.units["G2"].id,
                                                 "into_id": world.units["G1"].id, "effective_on": day.isoformat()},
                     follow_redirects=True)
    text = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "Đã sáp nhập Tổ dân phố 2 vào Tổ dân phố 1" in text
    assert "đã sáp nhập vào Tổ dân phố 1" in text
    assert f"đến hết {(day - timedelta(days=1)):%d/%m/%Y}" in text
    # A new unit goes under a province or a commune/ward: no more towns.
    assert 'value="town"' not in text


def test_no_new_town_level(client, auth, world):
    with pytest.raises(ValidationFailed) as refused:
        admin_service.create_unit(world.users["admin"], "TX-MOI", "Thị xã Mới", "town", world.units["WARD"].id)
    assert "kind" in refused.value.fields


def test_the_successors_board_lists_the_merged_groups_dossiers_on_notice(client, world):
    on_notice = world.dossier(State.PUBLIC_NOTICE, group="G2")
    merge_g2_into_g1(world)
    board = client.get("/public/notices/G1").get_data(as_text=True)
    assert on_notice.subject_name in board
    listed = client.get("/api/v1/public/notices?unit_code=G1").json["items"]
    assert [i["tracking_code"] for i in listed] == [on_notice.tracking_code]
    index = client.get("/public/notices?ward=WARD").get_data(as_text=True)
    assert "Tổ dân phố 1" in index and "Tổ dân phố 2" not in index  # merged away: not a board of its own any more
