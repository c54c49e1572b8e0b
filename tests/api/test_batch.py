"""POST /transitions/batch (API.md): one trigger for many dossiers, every item moves or none does, every blocker
named in `fields` by dossier id."""

from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEvent
from states.enums import State
from workflow import limits
from workflow.extensions import db


def events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def test_every_item_moves_or_none_and_each_blocker_is_named(api, world):
    ready = [world.dossier(State.REGISTERED) for _ in range(2)]
    taken = world.dossier(State.SELF_ASSESSMENT)
    elsewhere = world.dossier(State.REGISTERED, group="G2")
    committee = api.as_("group_committee")
    versions = {d.id: d.version for d in (*ready, taken, elsewhere)}
    items = [{"dossier_id": i, "version": v} for i, v in versions.items()]
    items[1]["version"] -= 1  # the second ready one was read before a change
    before = events()
    refused = committee.post("/transitions/batch", json={"trigger": "accept", "items": items})
    error = refused.json["error"]
    assert refused.status_code == 404 and error["code"] == "not_found"  # the first refusal: out of scope
    assert set(error["fields"]) == {str(ready[1].id), str(taken.id), str(elsewhere.id)}
    assert error["fields"][str(elsewhere.id)] == "không tìm thấy hồ sơ"
    assert ready[1].tracking_code in error["message"] and elsewhere.tracking_code not in error["message"]
    assert events() == before
    assert committee.get(f"/dossiers/{ready[0].id}").json["state"] == State.REGISTERED

    fresh = [{"dossier_id": d.id, "version": d.version} for d in ready]
    moved = committee.post("/transitions/batch", json={"trigger": "accept", "items": fresh, "comment": "Đủ điều kiện"})
    assert moved.status_code == 200
    assert moved.json == {"moved": [{"dossier_id": d.id, "state": "self_assessment", "version": versions[d.id] + 1}
                                    for d in sorted(ready, key=lambda d: d.id)]}
    assert events() == before + 2
    history = committee.get(f"/dossiers/{ready[0].id}/history").json["events"]
    assert history[-1]["trigger"] == "accept" and history[-1]["comment"] == "Đủ điều kiện"


def test_a_step_with_data_and_a_guard_in_a_batch(api, world, frozen_clock):
    ready = [world.dossier(State.AWAITING_DECISION) for _ in range(2)]
    chairman = api.as_("chairman")
    data = {"decision_number": "15/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat()}
    response = chairman.post("/transitions/batch", json={
        "trigger": "recognize", "items": [{"dossier_id": d.id, "version": d.version} for d in ready], "data": data})
    assert response.status_code == 200, response.json
    decisions = {chairman.get(f"/dossiers/{d.id}").json["decision_id"] for d in ready}
    assert len(decisions) == 1 and None not in decisions  # one decision for the batch
    pending = world.dossier(State.AWAITING_DECISION)
    unexplained = chairman.post("/transitions/batch", json={  # refusing needs its reason, for each dossier
        "trigger": "refuse", "items": [{"dossier_id": pending.id, "version": pending.version}]})
    assert unexplained.status_code == 422 and unexplained.json["error"]["code"] == "validation_failed"
    assert "bắt buộc ghi rõ lý do" in unexplained.json["error"]["fields"][str(pending.id)]

def test_a_batch_body_is_checked_by_the_schema(api, world):
    committee = api.as_("group_committee")
    for bad, field in (({"trigger": "accept", "items": []}, "items"),
                       ({"trigger": "nope", "items": [{"dossier_id": 1, "version": 1}]}, "trigger"),
                       ({"trigger": "accept", "items": [{"dossier_id": 1, "version": 1}] * 2}, "items[1].dossier_id"),
                       ({"trigger": "accept", "items": [{"dossier_id": 1, "version": True}]}, "items[0].version"),
                       ({"trigger": "accept", "items": [{"dossier_id": 1, "version": 1}] * (limits.BATCH_MAX + 1)},
                        "items")):
        response = committee.post("/transitions/batch", json=bad)
        assert response.status_code == 422 and field in response.json["error"]["fields"], (bad, response.json)
    response = committee.post("/transitions/batch", json={"trigger": "accept",
                                                          "items": [{"dossier_id": 2**31 - 1, "version": 1}]})
    assert response.status_code == 404 and response.json["error"]["fields"] == {str(2**31 - 1): "không tìm thấy hồ sơ"}
