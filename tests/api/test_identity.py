"""API v1 additions of identity and delegation: personal numbers on /me, household members and paper
registrations on dossiers, delegations that a stand-in signs under, disqualifiers recorded and cleared."""

from datetime import timedelta

from states.enums import State
from tests.api.helpers import fire, read
from workflow import clock
from workflow.extensions import db

DECISION = {"decision_number": "12/QĐ-UBND"}


def test_me_shows_the_personal_number_and_email(api, world):
    user = world.users["applicant"]
    user.personal_id, user.email = "038085001111", "hung@example.org"
    db.session.commit()
    me = api.as_("applicant").get("/me").json
    assert (me["personal_id"], me["email"]) == ("038085001111", "hung@example.org")


def test_a_family_dossier_lists_its_members_and_a_paper_registration_its_typist(api, world):
    payload = {"campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G1"].id,
               "subject_name": "Hộ ông Lê Văn Hùng", "subject_ref": "038085001111",
               "members": [{"name": "Lê Thị Hoa", "personal_id": "038190002222", "relation": "vợ"}]}
    bad = api.as_("applicant").post("/dossiers", json={**payload, "members": [{"name": "X", "personal_id": "12"}]})
    assert bad.status_code == 422 and "members[0].personal_id" in bad.json["error"]["fields"]
    made = api.as_("applicant").post("/dossiers", json=payload)
    assert made.status_code == 201 and made.json["members"] == [
        {"name": "Lê Thị Hoa", "personal_id": "038190002222", "relation": "vợ"}]
    assert made.json["state"] == "draft" and made.json["entered_by"] is None
    paper = api.as_("group_committee").post("/dossiers", json={**payload, "subject_ref": "038085009999",
                                                               "on_behalf": True})
    assert paper.status_code == 201, paper.json
    assert paper.json["state"] == "registered" and paper.json["entered_by"] == "group_committee"
    assert "accept" in paper.json["available_triggers"]
    refused = api.as_("applicant").post("/dossiers", json={**payload, "subject_ref": "X-1", "on_behalf": True})
    assert refused.status_code == 403


def test_the_vice_chairman_signs_under_a_delegation_until_it_is_ended(api, world):
    dossier = world.dossier(State.AWAITING_DECISION)
    today = clock.now().date()
    vice = api.as_("vice_chairman")
    data = {**DECISION, "signed_on": today.isoformat()}
    assert vice.post(f"/dossiers/{dossier.id}/transitions", json={
        "trigger": "recognize", "version": dossier.version, "data": data}).status_code == 403
    lent = api.as_("chairman").post("/delegations", json={
        "to_username": "vice_chairman", "role": "chairman", "unit_code": "WARD", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=3)).isoformat(), "reason": "Chủ tịch đi học tập trung"})
    assert lent.status_code == 201 and lent.json["from_username"] == "chairman"
    fire(vice, dossier.id, "recognize", data=data)
    history = api.as_("auditor").get(f"/dossiers/{dossier.id}/history").json["events"]
    assert (history[-1]["actor"], history[-1]["on_behalf_of"]) == ("vice_chairman", "chairman")
    decision = api.as_("auditor").get(f"/decisions/{read(vice, dossier.id)['decision_id']}").json
    assert (decision["signed_by"], decision["on_behalf_of"]) == ("vice_chairman", "chairman")
    assert api.as_("council1").delete(f"/delegations/{lent.json['id']}").status_code == 404
    assert vice.delete(f"/delegations/{lent.json['id']}").status_code == 403  # the stand-in cannot end it
    assert api.as_("chairman").delete(f"/delegations/{lent.json['id']}").status_code == 204
    other = world.dossier(State.AWAITING_DECISION)
    assert vice.post(f"/dossiers/{other.id}/transitions", json={
        "trigger": "send_back", "version": other.version, "comment": "Xem lại"}).status_code == 403


def test_a_delegation_needs_a_role_the_giver_holds_and_dates_in_order(api, world):
    today = clock.now().date().isoformat()
    base = {"to_username": "vice_chairman", "role": "chairman", "unit_code": "WARD", "starts_on": today,
            "ends_on": today, "reason": "Nghỉ phép"}
    assert api.as_("council1").post("/delegations", json=base).status_code == 422
    assert api.as_("chairman").post("/delegations", json={**base, "role": "admin"}).status_code == 422
    backwards = api.as_("chairman").post("/delegations", json={**base, "ends_on": "2000-01-01"})
    assert backwards.status_code == 422 and "ends_on" in backwards.json["error"]["fields"]


def test_a_disqualifier_is_recorded_at_any_stage_and_cleared_only_with_a_reason(api, world):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    inspector = api.as_("ward_inspector")
    recorded = inspector.post(f"/dossiers/{dossier.id}/disqualifiers",
                              json={"version": dossier.version, "code": "KX3", "standing": True})
    assert recorded.status_code == 200 and recorded.json["disqualifiers"] == ["KX3"]
    version = recorded.json["version"]
    silent = inspector.post(f"/dossiers/{dossier.id}/disqualifiers",
                            json={"version": version, "code": "KX3", "standing": False})
    assert silent.status_code == 422 and "reason" in silent.json["error"]["fields"]
    cleared = inspector.post(f"/dossiers/{dossier.id}/disqualifiers", json={
        "version": version, "code": "KX3", "standing": False, "reason": "Đã hoàn thành nghĩa vụ thuế"})
    assert cleared.status_code == 200 and cleared.json["disqualifiers"] == []
    council = api.as_("council1").post(f"/dossiers/{dossier.id}/disqualifiers",
                                       json={"version": cleared.json["version"], "code": "KX3", "standing": True})
    assert council.status_code == 403
