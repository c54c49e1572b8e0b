"""The chairman's batch decision: one action, one decision record, all dossiers move or none does."""

from sqlalchemy import func, select

from models import AuditEvent, Decision
from states.enums import State
from workflow.extensions import db


def event_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def test_batch_recognizes_every_listed_dossier_under_one_decision(api, world, frozen_clock):
    dossiers = [world.dossier(State.AWAITING_DECISION) for _ in range(3)]
    ids = [d.id for d in dossiers]
    response = api.as_("chairman").post("/decisions", json={
        "number": "45/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": ids, "comment": "Công nhận Gia đình kiểu mẫu năm nay"})
    assert response.status_code == 201, response.json
    assert response.json["dossier_ids"] == sorted(ids)
    assert response.json["number"] == "45/QĐ-UBND"
    for dossier_id in ids:
        body = api.as_("chairman").get(f"/dossiers/{dossier_id}").json
        assert (body["state"], body["decision_id"]) == ("recognized", response.json["id"])
        last = api.as_("auditor").get(f"/dossiers/{dossier_id}/history").json["events"][-1]
        assert last["trigger"] == "recognize" and last["data"]["decision_number"] == "45/QĐ-UBND"
    assert db.session.scalar(select(func.count(Decision.id))) == 1
    again = api.as_("auditor").get(f"/decisions/{response.json['id']}")
    assert again.status_code == 200 and again.json["dossier_ids"] == sorted(ids)


def test_one_blocked_dossier_stops_the_whole_batch_and_is_named(api, world, frozen_clock):
    ready = [world.dossier(State.AWAITING_DECISION) for _ in range(2)]
    not_recommended = world.dossier(State.AWAITING_DECISION, approve=False)
    still_in_council = world.dossier(State.COUNCIL_REVIEW)
    before = event_count()
    response = api.as_("chairman").post("/decisions", json={
        "number": "46/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [ready[0].id, not_recommended.id, ready[1].id, still_in_council.id]})
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "guard_failed"
    assert set(error["fields"]) == {str(not_recommended.id), str(still_in_council.id)}
    assert not_recommended.tracking_code in error["message"] and "không đề nghị" in error["message"]
    db.session.expire_all()
    assert [d.state for d in ready] == [State.AWAITING_DECISION] * 2
    assert event_count() == before
    assert db.session.scalar(select(func.count(Decision.id))) == 0


def test_batch_with_a_dossier_outside_scope_is_refused_as_not_found(api, world, frozen_clock):
    ours = world.dossier(State.AWAITING_DECISION)
    response = api.as_("outsider_chairman").post("/decisions", json={
        "number": "1/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [ours.id]})
    assert response.status_code == 404
    assert response.json["error"]["fields"] == {str(ours.id): "không tìm thấy hồ sơ"}


def test_batch_refusal_needs_a_reason_and_a_valid_body(api, world, frozen_clock):
    dossier = world.dossier(State.AWAITING_DECISION)
    response = api.as_("chairman").post("/decisions", json={
        "number": "", "signed_on": "31/12/2026", "outcome": "refuse", "dossier_ids": [dossier.id, dossier.id]})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"number", "signed_on", "comment", "dossier_ids"}


def test_only_the_chairman_decides(api, world, frozen_clock):
    dossier = world.dossier(State.AWAITING_DECISION)
    response = api.as_("council_secretary").post("/decisions", json={
        "number": "2/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [dossier.id]})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_a_decision_number_is_used_once(api, world, frozen_clock):
    first, second = world.dossier(State.AWAITING_DECISION), world.dossier(State.AWAITING_DECISION)
    body = {"number": "9/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat(), "outcome": "recognize"}
    assert api.as_("chairman").post("/decisions", json={**body, "dossier_ids": [first.id]}).status_code == 201
    again = api.as_("chairman").post("/decisions", json={**body, "dossier_ids": [second.id]})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"


def test_a_refusal_notice_through_the_api_carries_each_households_reason(api, world, frozen_clock):
    refused = [world.dossier(State.AWAITING_DECISION, approve=False) for _ in range(2)]
    body = {"number": "07/TB-UBND", "signed_on": frozen_clock.now().date().isoformat(), "outcome": "refuse",
            "dossier_ids": [d.id for d in refused],
            "reasons": {str(refused[0].id): "Chưa đạt tiêu chí 3", str(refused[1].id): "Chưa đạt tiêu chí 7"}}
    wrong = api.as_("chairman").post("/decisions", json={**body, "number": "07/QĐ-UBND"})
    assert wrong.status_code == 422 and set(wrong.json["error"]["fields"]) == {"number"}
    stray = api.as_("chairman").post("/decisions", json={**body, "reasons": {**body["reasons"], "999999": "x"}})
    assert stray.status_code == 422 and "reasons" in stray.json["error"]["fields"]
    response = api.as_("chairman").post("/decisions", json=body)
    assert response.status_code == 201, response.json
    for dossier, reason in zip(refused, ("Chưa đạt tiêu chí 3", "Chưa đạt tiêu chí 7"), strict=True):
        last = api.as_("auditor").get(f"/dossiers/{dossier.id}/history").json["events"][-1]
        assert last["trigger"] == "refuse" and last["comment"] == reason
