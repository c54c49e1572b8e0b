"""Regressions found by review: a withdrawn dossier does not freeze its group's meeting; a batch page given more
ticks than a batch takes answers without an error; the meeting's date lies within its campaign."""

from __future__ import annotations

from sqlalchemy import select

from models import Dossier
from states.enums import State, Trigger
from tests.conftest import csrf_from
from tests.services.test_meetings import assessed_group, meeting_payload
from workflow.extensions import db
from workflow.services import meetings, records
from workflow.services.dossiers import apply_transition


def test_a_withdrawn_dossier_does_not_freeze_the_meetings_figures(world):
    dossiers = assessed_group(world, count=3)
    committee = world.users["group_committee"]
    meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id, meeting_payload(dossiers))
    db.session.commit()
    gone = dossiers[0]
    apply_transition(world.users["applicant"], gone, Trigger.WITHDRAW, gone.version, "Gia đình chuyển đi")
    db.session.commit()
    corrected = meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id,
                                        {**meeting_payload([]), "attendees": 31})
    db.session.commit()
    assert corrected.attendees == 31


def test_a_batch_page_given_too_many_ticks_answers_without_an_error(client, auth, world):
    world.dossier(State.REGISTERED)
    auth.login("group_committee")
    page = client.get("/review/batch/accept").get_data(as_text=True)
    ids = [str(n) for n in range(1, 70_001)]
    response = client.post("/review/batch/accept", data={"csrf_token": csrf_from(page), "dossier_ids": ids})
    assert response.status_code < 500
    assert db.session.scalars(select(Dossier.state)).all() == ["registered"]


def test_the_meeting_date_lies_within_its_campaign(api, world):
    dossiers = assessed_group(world, count=1)
    response = api.as_("group_committee").put(f"/units/{world.units['G1'].id}/meetings/{world.campaign.id}",
                                              json={**meeting_payload(dossiers), "held_on": "2001-01-01"})
    assert response.status_code == 422
    assert "đợt thi đua" in response.json["error"]["fields"]["held_on"]


def test_closing_reviews_in_a_batch_checks_the_council_meeting_date_before_confirming(client, auth, world):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    for member in world.cast().council:
        records.cast_vote(member, dossier, "approve")
    db.session.commit()
    auth.login("council_secretary")
    page = client.get("/review/batch/close_review").get_data(as_text=True)
    response = client.post("/review/batch/close_review", data={
        "csrf_token": csrf_from(page), "dossier_ids": [str(dossier.id)], f"version-{dossier.id}": dossier.version,
        "meeting_date": "2099-01-01"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "ngày họp không thể ở tương lai" in text
    assert "Kết thúc xét" in text and db.session.get(Dossier, dossier.id).state == "council_review"
