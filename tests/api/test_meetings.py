"""PUT/GET /units/{unit_id}/meetings/{campaign_id}: the group's one review meeting, entered once for every dossier
(API.md, "The group's review meeting, and bulk steps")."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models import AuditEvent, GroupMeeting
from states.enums import State
from tests.services.test_meetings import SHORT, VOTES, assessed_group
from workflow import clock
from workflow.extensions import db


def url(world, group: str = "G1", campaign=None) -> str:
    return f"/units/{world.units[group].id}/meetings/{(campaign or world.campaign).id}"


def body(dossiers, votes=VOTES, **figures) -> dict:
    return {"held_on": (clock.now().date() - timedelta(days=1)).isoformat(), "invited": 40, "attendees": 30,
            "chaired_by": "Lê Thị Hoa", "note": "Họp tại nhà văn hóa tổ 1.",
            "votes": [{"dossier_id": d.id, "votes_for": v} for d, v in zip(dossiers, votes, strict=False)],
            **figures}


def test_a_meeting_of_twelve_by_the_api_then_the_guard_and_the_batch(api, world):
    dossiers = assessed_group(world)
    committee = api.as_("group_committee")
    response = committee.put(url(world), json=body(dossiers))
    assert response.status_code == 200, response.json
    meeting = response.json
    assert set(meeting) == {"id", "unit_id", "campaign_id", "held_on", "invited", "attendees", "chaired_by", "note",
                            "votes", "started_at", "ended_at", "place", "secretary", "participants", "vote_method",
                            "opinions"}
    assert (meeting["unit_id"], meeting["campaign_id"], meeting["invited"], meeting["attendees"]) == (
        world.units["G1"].id, world.campaign.id, 40, 30)
    assert sorted((v["dossier_id"], v["votes_for"]) for v in meeting["votes"]) == sorted(
        (d.id, v) for d, v in zip(dossiers, VOTES, strict=True))
    assert api.as_("ward_inspector").get(url(world)).json == meeting  # read by anyone in scope

    short = {d.id for d, v in zip(dossiers, VOTES, strict=True) if v in SHORT}
    for dossier in dossiers:
        shown = committee.get(f"/dossiers/{dossier.id}").json
        if dossier.id in short:
            assert "submit_assessment" not in shown["available_triggers"]
            reasons = next(b["reasons"] for b in shown["blocked_triggers"] if b["trigger"] == "submit_assessment")
            assert any("chưa đủ số người dự họp đồng ý" in r for r in reasons)
        else:
            assert "submit_assessment" in shown["available_triggers"]

    items = [{"dossier_id": d.id, "version": committee.get(f"/dossiers/{d.id}").json["version"]} for d in dossiers]
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    refused = committee.post("/transitions/batch", json={"trigger": "submit_assessment", "items": items})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "guard_failed"
    assert set(refused.json["error"]["fields"]) == {str(i) for i in short}
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before

    good = [i for i in items if i["dossier_id"] not in short]
    moved = committee.post("/transitions/batch", json={"trigger": "submit_assessment", "items": good,
                                                       "comment": "Tổ đề nghị"})
    assert moved.status_code == 200, moved.json
    assert sorted(m["dossier_id"] for m in moved.json["moved"]) == sorted(i["dossier_id"] for i in good)
    assert {m["state"] for m in moved.json["moved"]} == {State.PUBLIC_NOTICE.value}
    assert all(m["version"] == i["version"] + 1 for m, i in zip(
        sorted(moved.json["moved"], key=lambda m: m["dossier_id"]), sorted(good, key=lambda i: i["dossier_id"]),
        strict=True))
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before + len(good)


def test_who_may_read_and_record(api, world):
    dossiers = assessed_group(world, 1)
    assert api.as_("group_committee").get(url(world)).status_code == 404  # not recorded yet
    refused = api.as_("ward_inspector").put(url(world), json=body(dossiers))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    for who, where in (("outsider_committee", url(world)), ("group_committee", url(world, "G9")),
                       ("group_committee", url(world, "G2")), ("group_committee", url(world, "G1", world.campaign2)),
                       ("applicant", url(world))):
        response = api.as_(who).put(where, json=body(dossiers))
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found", (who, where)
    assert api.as_("outsider_committee").get(url(world)).status_code == 404
    assert db.session.scalar(select(func.count(GroupMeeting.id))) == 0


def test_every_bad_field_is_named(api, world):
    dossiers = assessed_group(world, 2)
    committee = api.as_("group_committee")
    response = committee.put(url(world), json={
        "held_on": "25/11/2026", "invited": 10, "attendees": "12", "note": "a\x00b",
        "votes": [{"dossier_id": dossiers[0].id, "votes_for": 3}, {"dossier_id": dossiers[0].id, "votes_for": 1}]})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"held_on", "attendees", "note", "votes[1].dossier_id"}
    response = committee.put(url(world), json=body(dossiers, [31, 22], invited=20, attendees=21))
    assert set(response.json["error"]["fields"]) == {"attendees", "votes[0].votes_for", "votes[1].votes_for"}
    future = (clock.now().date() + timedelta(days=3)).isoformat()
    response = committee.put(url(world), json=body(dossiers, held_on=future))
    assert response.status_code == 422 and response.json["error"]["fields"] == {
        "held_on": "ngày họp không thể ở tương lai"}
    other = world.dossier(State.SELF_ASSESSMENT, group="G2")
    response = committee.put(url(world), json=body([other], [20]))
    assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"votes[0].dossier_id"}


def test_a_refusal_names_every_dossier_and_writes_nothing(api, world):
    sent = world.dossier(State.PUBLIC_NOTICE)
    fresh = assessed_group(world, 1)[0]
    held = api.as_("group_committee").get(url(world)).json  # the meeting `sent` went to the ward with
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    response = api.as_("group_committee").put(url(world), json=body([sent, fresh], [1, 20], held_on=held["held_on"],
                                                                     invited=held["invited"],
                                                                     attendees=held["attendees"]))
    assert response.status_code == 409 and response.json["error"]["code"] == "invalid_transition"
    assert set(response.json["error"]["fields"]) == {"votes[0].dossier_id"}
    assert sent.tracking_code in response.json["error"]["fields"]["votes[0].dossier_id"]
    moved_on = api.as_("group_committee").put(url(world), json=body([fresh], [20], attendees=35))
    assert moved_on.status_code == 409 and moved_on.json["error"]["code"] == "conflict"
    assert sent.tracking_code in moved_on.json["error"]["fields"]["attendees"]
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_the_per_dossier_meeting_still_works_through_the_group_meeting(api, world, frozen_clock):
    dossier = assessed_group(world, 1)[0]
    frozen_clock.advance(minutes=1)
    committee = api.as_("group_committee")
    version = committee.get(f"/dossiers/{dossier.id}").json["version"]
    items = [{"criterion": c.code, "met": True, "points": c.max_points} for c in dossier.criteria_set.criteria]
    response = committee.put(f"/dossiers/{dossier.id}/assessment", json={
        "version": version, "items": items,
        "meeting": {"held_on": clock.now().date().isoformat(), "invited": 20, "attendees": 15, "votes_for": 12}})
    assert response.status_code == 200, response.json
    assert "submit_assessment" in response.json["available_triggers"]
    meeting = committee.get(url(world)).json
    assert (meeting["invited"], meeting["attendees"], meeting["votes"]) == (
        20, 15, [{"dossier_id": dossier.id, "votes_for": 12}])

