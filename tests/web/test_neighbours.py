"""A neighbour sees a dossier on notice in her group as the notice board shows it — never its personal data."""

from __future__ import annotations

from states.enums import State

MEMBERS = [{"name": "Nguyễn Thị Con", "personal_id": "038199001122", "relation": "con"}]


def on_notice(world):
    return world.dossier(State.PUBLIC_NOTICE, subject_ref="038090001234", subject_address="Số 7 ngõ Hoa Sữa",
                         members=MEMBERS)


def test_a_neighbour_reads_only_what_the_board_shows(client, auth, api, world):
    dossier = on_notice(world)
    auth.login("resident")
    page = client.get(f"/dossiers/{dossier.id}")
    assert page.status_code == 302 and f"/public/notices/G1#d-{dossier.tracking_code}" in page.location
    board = client.get(page.location).get_data(as_text=True)
    assert dossier.subject_name in board and "038090001234" not in board and "Hoa Sữa" not in board
    neighbour = api.as_("resident")
    shown = neighbour.get(f"/dossiers/{dossier.id}").json
    assert shown["subject_name"] == dossier.subject_name and shown["state"] == "public_notice"
    assert (shown["subject_ref"], shown["subject_address"], shown["members"]) == ("", "", [])
    assert "objection" not in shown["available_triggers"]  # objections are a data step, not a trigger
    listed = {i["id"]: i for i in neighbour.get("/dossiers").json["items"]}
    assert listed[dossier.id]["subject_ref"] == ""
    assert neighbour.get(f"/dossiers/{dossier.id}/history").status_code == 404
    # She still objects through the API, as API.md says.
    assert neighbour.post(f"/dossiers/{dossier.id}/objections", json={"text": "Hộ này xả rác"}).status_code == 201


def test_the_dossiers_own_people_and_reviewers_see_it_in_full(api, world):
    dossier = on_notice(world)
    for who in ("applicant", "group_committee", "ward_inspector", "auditor"):
        shown = api.as_(who).get(f"/dossiers/{dossier.id}").json
        assert shown["subject_ref"] == "038090001234" and shown["members"][0]["personal_id"] == "038199001122", who
        assert api.as_(who).get(f"/dossiers/{dossier.id}/history").status_code == 200
