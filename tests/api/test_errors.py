"""Every refusal has the contract's status, code and a message; none writes anything; no input gives a 500."""

import pytest
from sqlalchemy import func, select

from models import AuditEvent, RoleAssignment
from states.enums import State
from tests.api.helpers import read
from workflow.extensions import db


def event_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def test_malformed_json_is_400(api, world):
    response = api.as_("applicant").client.post(
        "/api/v1/dossiers", data="{not json", content_type="application/json",
        headers={"Authorization": f"Bearer {api.as_('applicant').token}"})
    error_of(response, 400, "bad_request")
    error_of(api.as_("applicant").post("/dossiers", json=[1, 2]), 400, "bad_request")


def test_missing_and_invalid_fields_are_422_with_fields(api, world):
    before = event_count()
    error = error_of(api.as_("applicant").post("/dossiers", json={"title": "model_hero", "campaign_id": "x"}),
                     422, "validation_failed")
    assert {"title", "campaign_id", "unit_id", "subject_name", "subject_ref"} <= set(error["fields"])
    assert event_count() == before


def test_unit_must_be_a_group_or_agency_of_the_campaigns_ward(api, world):
    body = {"campaign_id": world.campaign.id, "title": "model_family", "subject_name": "A", "subject_ref": "B"}
    error = error_of(api.as_("applicant").post("/dossiers", json={**body, "unit_id": world.units["WARD"].id}),
                     422, "validation_failed")
    assert "unit_id" in error["fields"]
    family_in_agency = error_of(api.as_("applicant").post("/dossiers", json={**body, "unit_id": world.units["AG"].id}),
                                422, "validation_failed")
    assert "tổ dân phố" in family_in_agency["fields"]["unit_id"]
    error_of(api.as_("applicant").post("/dossiers", json={**body, "unit_id": world.units["G2"].id}),
             403, "forbidden")


def test_authentication_errors(api, world, client):
    error_of(client.get("/api/v1/me"), 401, "unauthenticated")
    error_of(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401, "unauthenticated")
    error_of(client.post("/api/v1/auth/token", json={"username": "chairman", "password": "wrong"}),
             401, "invalid_credentials")
    ok = client.post("/api/v1/auth/token", json={"username": "chairman", "password": "demo12345"})
    assert ok.status_code == 200 and ok.json["expires_at"].endswith("Z")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {ok.json['token']}"})
    assert me.json["roles"] == [{"role": "chairman", "unit_id": world.units["WARD"].id, "unit_code": "WARD"}]


def test_tokens_expire(api, world, client, frozen_clock):
    token = client.post("/api/v1/auth/token", json={"username": "auditor", "password": "demo12345"}).json["token"]
    frozen_clock.advance(hours=13)
    error_of(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "unauthenticated")


def test_repeated_failures_for_one_username_are_throttled(client, world, frozen_clock):
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "chairman", "password": "guess"})
    error_of(client.post("/api/v1/auth/token", json={"username": "chairman", "password": "demo12345"}),
             429, "too_many_attempts")
    frozen_clock.advance(minutes=16)
    assert client.post("/api/v1/auth/token", json={"username": "chairman", "password": "demo12345"}).status_code == 200


def test_outside_scope_is_404_not_403(api, world):
    dossier = world.dossier(State.REGISTERED)
    outsider = api.as_("outsider_committee")
    for response in (outsider.get(f"/dossiers/{dossier.id}"), outsider.get(f"/dossiers/{dossier.id}/history"),
                     outsider.post(f"/dossiers/{dossier.id}/transitions", json={"trigger": "accept", "version": 1})):
        error_of(response, 404, "not_found")
    error_of(api.as_("applicant2").get(f"/dossiers/{dossier.id}"), 404, "not_found")
    error_of(outsider.get("/dossiers/999999"), 404, "not_found")


def test_stale_version_is_409_and_changes_nothing(api, world):
    dossier = world.dossier(State.REGISTERED)
    before = event_count()
    error = error_of(api.as_("group_committee").post(
        f"/dossiers/{dossier.id}/transitions", json={"trigger": "accept", "version": dossier.version - 1}),
        409, "version_conflict")
    assert "version" in error["fields"]
    assert read(api.as_("group_committee"), dossier.id)["state"] == "registered"
    assert event_count() == before


@pytest.mark.parametrize("body", [
    {"trigger": "fly", "version": 1}, {"version": 1}, {"trigger": "accept", "version": "3"},
    {"trigger": "accept", "version": 1, "data": [1]}, {"trigger": "accept", "version": 1, "comment": ["x"]},
])
def test_bad_transition_bodies_are_422(api, world, body):
    dossier = world.dossier(State.REGISTERED)
    if body.get("version") == 1:
        body = {**body, "version": dossier.version}
    error_of(api.as_("group_committee").post(f"/dossiers/{dossier.id}/transitions", json=body),
             422, "validation_failed")


def test_reasons_and_decision_data_are_required(api, world):
    registered = world.dossier(State.REGISTERED)
    error = error_of(api.as_("group_committee").post(f"/dossiers/{registered.id}/transitions", json={
        "trigger": "reject_registration", "version": registered.version, "comment": "  "}), 422, "validation_failed")
    assert "comment" in error["fields"]
    awaiting = world.dossier(State.AWAITING_DECISION)
    error = error_of(api.as_("chairman").post(f"/dossiers/{awaiting.id}/transitions", json={
        "trigger": "recognize", "version": awaiting.version, "data": {"signed_on": "hôm qua"}}), 422,
        "validation_failed")
    assert set(error["fields"]) == {"decision_number", "signed_on"}
    error = error_of(api.as_("chairman").post(f"/dossiers/{awaiting.id}/transitions", json={
        "trigger": "recognize", "version": awaiting.version,
        "data": {"decision_number": "5/QĐ", "signed_on": "2999-01-01"}}), 422, "validation_failed")
    assert error["fields"] == {"signed_on": "ngày ký không thể ở tương lai"}


def test_nobody_approves_their_own_dossier(api, world):
    # The committee member registers their own family, then tries to accept it.
    committee = world.users["group_committee"]
    committee.roles.append(RoleAssignment(role="applicant", unit=world.units["G1"]))
    db.session.commit()
    created = api.as_("group_committee").post("/dossiers", json={
        "campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G1"].id,
        "subject_name": "Hộ tổ trưởng", "subject_ref": "HK-SELF"}).json
    submitted = api.as_("group_committee").post(f"/dossiers/{created['id']}/transitions",
                                                json={"trigger": "submit", "version": created["version"]}).json
    assert submitted["available_triggers"] == ["withdraw"]
    error = error_of(api.as_("group_committee").post(f"/dossiers/{created['id']}/transitions", json={
        "trigger": "accept", "version": submitted["version"]}), 403, "forbidden")
    assert "chính mình" in error["message"]


def test_assessment_input_errors_name_the_field(api, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    body = {"version": dossier.version, "items": [
        {"criterion": "9.9", "met": True}, {"criterion": "1.1", "points": 99}, {"criterion": "1.2", "met": "yes"}],
        "meeting": {"held_on": "2026-01-05", "invited": 10, "attendees": 12, "votes_for": 13}}
    error = error_of(api.as_("group_committee").put(f"/dossiers/{dossier.id}/assessment", json=body),
                     422, "validation_failed")
    assert {"items[0].criterion", "items[1].points", "items[2].met", "meeting.attendees", "meeting.votes_for"} \
        <= set(error["fields"])
    error_of(api.as_("ward_inspector").put(f"/dossiers/{dossier.id}/assessment", json=body), 403, "forbidden")
    error_of(api.as_("ward_inspector").put(f"/dossiers/{dossier.id}/inspection", json={"version": dossier.version}),
             409, "invalid_transition")


def test_votes_only_by_members_in_review_with_a_valid_choice(api, world):
    in_review = world.dossier(State.COUNCIL_REVIEW)
    error_of(api.as_("council_secretary").post(f"/dossiers/{in_review.id}/votes", json={"vote": "approve"}),
             403, "forbidden")
    error_of(api.as_("council1").post(f"/dossiers/{in_review.id}/votes", json={"vote": "maybe"}),
             422, "validation_failed")
    waiting = world.dossier(State.AWAITING_DECISION)
    error_of(api.as_("council1").post(f"/dossiers/{waiting.id}/votes", json={"vote": "approve"}),
             409, "invalid_transition")


def test_draft_edits_by_owner_only_while_draft(api, world):
    dossier = world.dossier(State.DRAFT)
    first_version = dossier.version
    edited = api.as_("applicant").patch(f"/dossiers/{dossier.id}", json={"version": first_version,
                                                                       "subject_address": "Số 9 phố Mới"})
    assert edited.status_code == 200 and edited.json["subject_address"] == "Số 9 phố Mới"
    assert edited.json["version"] == first_version + 1
    error_of(api.as_("applicant").patch(f"/dossiers/{dossier.id}", json={"version": first_version}),
             409, "version_conflict")
    error_of(api.as_("group_committee").patch(f"/dossiers/{dossier.id}", json={"version": edited.json["version"]}),
             403, "forbidden")
    error_of(api.as_("applicant").patch(f"/dossiers/{dossier.id}", json={"version": edited.json["version"],
                                                                       "subject_name": ""}),
             422, "validation_failed")
    registered = world.dossier(State.REGISTERED)
    error_of(api.as_("applicant").patch(f"/dossiers/{registered.id}", json={"version": registered.version,
                                                                          "note": "x"}), 409, "invalid_transition")


def test_unknown_paths_and_methods_answer_in_json(client):
    error_of(client.get("/api/v1/nothing-here"), 404, "not_found")
    error_of(client.delete("/api/v1/auth/token"), 405, "method_not_allowed")


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=abc", "cursor=%%%", "state=flying",
                                   "unit_id=x"])
def test_bad_list_parameters_are_422(api, world, query):
    error_of(api.as_("auditor").get(f"/dossiers?{query}"), 422, "validation_failed")


def test_a_body_over_the_size_limit_is_413(api, world):
    response = api.as_("applicant").post("/dossiers", json={"note": "x" * (13 * 1024 * 1024)})
    error_of(response, 413, "too_large")


def test_a_write_race_ends_in_409_not_500(api, world, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from workflow.services import records

    def racing(*args, **kwargs):
        raise IntegrityError("INSERT INTO audit_events", {}, Exception("duplicate key (stream, seq)"))

    dossier = world.dossier(State.COUNCIL_REVIEW)
    monkeypatch.setattr(records, "cast_vote", racing)
    error_of(api.as_("council1").post(f"/dossiers/{dossier.id}/votes", json={"vote": "approve"}), 409, "conflict")


def test_lock_contention_is_a_409_to_retry(api, world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from workflow.services import records

    class Deadlock(Exception):
        sqlstate = "40P01"

    def contended(*args, **kwargs):
        raise OperationalError("SELECT ... FOR UPDATE", {}, Deadlock("deadlock detected"))

    dossier = world.dossier(State.COUNCIL_REVIEW)
    monkeypatch.setattr(records, "cast_vote", contended)
    error = error_of(api.as_("council1").post(f"/dossiers/{dossier.id}/votes", json={"vote": "approve"}),
                     409, "conflict")
    assert "thử lại" in error["message"]


def test_data_steps_refuse_the_wrong_state_role_or_a_missing_version(api, world):
    from workflow.services import records

    noticed = world.dossier(State.PUBLIC_NOTICE)
    objection = records.record_objection(world.users["ward_inspector"], noticed, "Ồn ào ban đêm")
    db.session.commit()
    # the group's committee and the inspector answer objections (issue 16); a council member does not
    error_of(api.as_("council1").post(f"/dossiers/{noticed.id}/objections/{objection.id}/answer",
                                      json={"answer": "Không", "upheld": False}), 403, "forbidden")
    inspecting = world.dossier(State.WARD_INSPECTION)
    error_of(api.as_("ward_inspector").post(f"/dossiers/{inspecting.id}/objections", json={"text": "Muộn"}),
             409, "invalid_transition")
    assessing = world.dossier(State.SELF_ASSESSMENT)
    error = error_of(api.as_("group_committee").put(f"/dossiers/{assessing.id}/assessment", json={"items": []}),
                     422, "validation_failed")
    assert "version" in error["fields"]
