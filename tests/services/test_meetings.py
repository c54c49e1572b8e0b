"""One review meeting per group and campaign: entered once for every dossier of the group, through the policy
(the group's committee; each voted dossier in self-assessment and not the recorder's own family), one event per
dossier whose meeting data change, and the submit guards read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Dossier, GroupMeeting, MeetingVote
from states.enums import State, Trigger
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import batch, meetings, permissions, records
from workflow.services.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from workflow.services.walkthrough import full_assessment

# 12 households; 30 of the 40 invited came (75%: a quorum); 60% of 30 is 18 votes in favour.
VOTES = [30, 28, 25, 24, 22, 20, 19, 18, 26, 17, 12, 5]
SHORT = [17, 12, 5]


def assessed_group(world, count: int = 12, group: str = "G1") -> list[Dossier]:
    """`count` dossiers of the group in self-assessment, every criterion assessed and passing, no meeting yet."""
    committee = world.users["group_committee" if group == "G1" else "committee2"]
    dossiers = []
    for _ in range(count):
        dossier = world.dossier(State.SELF_ASSESSMENT, group=group)
        payload = full_assessment(dossier)
        del payload["meeting"]
        records.save_assessment(committee, dossier, payload)
        dossiers.append(dossier)
    db.session.commit()
    return dossiers


def meeting_payload(dossiers, votes=VOTES, **figures) -> dict:
    return {"held_on": (clock.now().date() - timedelta(days=1)).isoformat(), "invited": 40, "attendees": 30,
            "chaired_by": "Nguyễn Văn Hùng", "note": "Họp tại nhà văn hóa tổ.",
            "votes": [{"dossier_id": d.id, "votes_for": v} for d, v in zip(dossiers, votes, strict=False)],
            **figures}


def events_of(dossier_id: int, trigger: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == dossier_id,
                                                                      AuditEvent.trigger == trigger)) or 0


def test_a_meeting_of_twelve_entered_once_and_the_guard_names_the_short_ones(world):
    dossiers = assessed_group(world)
    versions = [d.version for d in dossiers]
    committee = world.users["group_committee"]
    meeting = meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id, meeting_payload(dossiers))
    db.session.commit()

    assert db.session.scalar(select(func.count(GroupMeeting.id))) == 1
    assert sorted(v.votes_for for v in meeting.votes) == sorted(VOTES)
    for dossier, version, votes in zip(dossiers, versions, VOTES, strict=True):
        assert dossier.version == version + 1  # a data step like any other
        assert events_of(dossier.id, "meeting_recorded") == 1
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                                   .order_by(AuditEvent.seq.desc())).first()
        assert event.data["votes_for"] == votes and event.data["attendees"] == 30 and event.data["invited"] == 40
        verdict = permissions.verdict(committee, Trigger.SUBMIT_ASSESSMENT, dossier)
        if votes in SHORT:
            assert not verdict and verdict.status == 422
            assert f"chưa đủ số người dự họp đồng ý: {votes}/30, cần ≥ 60%" in verdict.reasons
        else:
            assert verdict.allowed, verdict.reasons

    # A batch of all twelve refuses naming exactly the short ones, and nothing moves.
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    items = [{"dossier_id": d.id, "version": d.version} for d in dossiers]
    with pytest.raises(batch.BatchBlocked) as refused:
        batch.apply_batch(committee, "submit_assessment", items)
    db.session.rollback()
    short_ids = {str(d.id) for d, v in zip(dossiers, VOTES, strict=True) if v in SHORT}
    assert set(refused.value.fields) == short_ids and refused.value.status == 422
    assert all("chưa đủ số người dự họp đồng ý" in refused.value.fields[i] for i in short_ids)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert {db.session.get(Dossier, d.id).state for d in dossiers} == {State.SELF_ASSESSMENT}

    # A batch of the good ones moves them all, one event each.
    good = [d for d, v in zip(dossiers, VOTES, strict=True) if v not in SHORT]
    moved = batch.apply_batch(committee, "submit_assessment", [{"dossier_id": d.id, "version": d.version}
                                                               for d in good])
    db.session.commit()
    assert [d.id for d in moved] == sorted(d.id for d in good)
    assert all(db.session.get(Dossier, d.id).state == State.PUBLIC_NOTICE for d in good)
    assert all(events_of(d.id, "submit_assessment") == 1 for d in good)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before + len(good)


def test_the_meeting_keeps_its_own_chain_and_resaving_the_same_writes_nothing(world):
    dossiers = assessed_group(world, 3)
    committee = world.users["group_committee"]
    payload = meeting_payload(dossiers)
    meeting = meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id, payload)
    db.session.commit()
    stream = db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"meeting:{meeting.id}")).all()
    assert len(stream) == 1 and stream[0].data["chaired_by"] == "Nguyễn Văn Hùng"
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    versions = [d.version for d in dossiers]
    meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id, payload)
    db.session.commit()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert [d.version for d in dossiers] == versions


def test_only_the_changed_votes_are_written_and_unlisted_dossiers_keep_theirs(world):
    dossiers = assessed_group(world, 3)
    committee = world.users["group_committee"]
    unit, campaign = world.units["G1"].id, world.campaign.id
    meetings.record_meeting(committee, unit, campaign, meeting_payload(dossiers, [20, 21, 22]))
    db.session.commit()
    meetings.record_meeting(committee, unit, campaign, meeting_payload(dossiers[:1], [25]))
    db.session.commit()
    assert [d.meeting_vote.votes_for for d in dossiers] == [25, 21, 22]
    assert [events_of(d.id, "meeting_recorded") for d in dossiers] == [2, 1, 1]
    # New figures change every voted dossier's meeting: each gets its event.
    meetings.record_meeting(committee, unit, campaign, meeting_payload([], [], attendees=28))
    db.session.commit()
    assert [events_of(d.id, "meeting_recorded") for d in dossiers] == [3, 2, 2]
    assert all(d.meeting_vote.attendees == 28 for d in dossiers)


def test_every_field_is_checked_and_named(world):
    dossiers = assessed_group(world, 2)
    other_group = world.dossier(State.SELF_ASSESSMENT, group="G2")
    committee = world.users["group_committee"]
    tomorrow = (clock.now().date() + timedelta(days=2)).isoformat()
    with pytest.raises(ValidationFailed) as refused:
        meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id, {
            "held_on": tomorrow, "invited": 10, "attendees": 12, "chaired_by": "x" * (limits.NAME + 1),
            "votes": [{"dossier_id": dossiers[0].id, "votes_for": 13}, {"dossier_id": dossiers[0].id, "votes_for": 1},
                      {"dossier_id": "một", "votes_for": -1}]})
    fields = refused.value.fields
    assert fields["held_on"] == "ngày họp không thể ở tương lai"
    assert "không thể lớn hơn số được mời" in fields["attendees"]
    assert fields["chaired_by"] == f"dài quá {limits.NAME} ký tự"
    assert "không thể lớn hơn số dự họp" in fields["votes[0].votes_for"]
    assert fields["votes[1].dossier_id"] == "hồ sơ lặp lại trong danh sách"
    assert fields["votes[2].dossier_id"] == "phải là số nguyên" and fields["votes[2].votes_for"] == "phải ≥ 0"
    with pytest.raises(ValidationFailed) as refused:
        meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id,
                                meeting_payload([other_group], [20], invited=limits.MEETING_PEOPLE_MAX + 1))
    assert set(refused.value.fields) == {"invited"}
    with pytest.raises(ValidationFailed) as refused:
        meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id,
                                meeting_payload([other_group], [20]))
    assert set(refused.value.fields) == {"votes[0].dossier_id"}  # another group's dossier
    db.session.rollback()
    assert db.session.scalar(select(func.count(GroupMeeting.id))) == 0


def test_who_may_record_it(world):
    dossiers = assessed_group(world, 1)
    unit, campaign = world.units["G1"].id, world.campaign.id
    with pytest.raises(Forbidden):  # in scope, but not the group's committee
        meetings.record_meeting(world.users["ward_inspector"], unit, campaign, meeting_payload(dossiers))
    with pytest.raises(NotFound):  # another ward's committee: the group does not exist for them
        meetings.record_meeting(world.users["outsider_committee"], unit, campaign, meeting_payload(dossiers))
    with pytest.raises(NotFound):  # a campaign of another ward
        meetings.record_meeting(world.users["group_committee"], unit, world.campaign2.id, meeting_payload(dossiers))
    with pytest.raises(NotFound):  # not a group
        meetings.record_meeting(world.users["group_committee"], world.units["WARD"].id, campaign,
                                meeting_payload(dossiers))
    db.session.rollback()
    assert db.session.scalar(select(func.count(MeetingVote.id))) == 0


def test_no_votes_on_ones_own_family_nor_on_a_dossier_past_self_assessment(world):
    own = world.dossier(State.SELF_ASSESSMENT, subject_ref="038090001111")
    committee = world.users["group_committee"]
    committee.personal_id = "038090001111"  # the committee member's household is this dossier's subject
    db.session.commit()
    sent = world.dossier(State.PUBLIC_NOTICE)
    fine = assessed_group(world, 1)[0]
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(Forbidden) as refused:
        meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id,
                                meeting_payload([own, sent, fine], [20, 20, 20]))
    db.session.rollback()
    fields = refused.value.fields
    assert set(fields) == {"votes[0].dossier_id", "votes[1].dossier_id"}
    assert own.tracking_code in fields["votes[0].dossier_id"] and "gia đình" in fields["votes[0].dossier_id"]
    assert sent.tracking_code in fields["votes[1].dossier_id"] and "Niêm yết công khai" in fields["votes[1].dossier_id"]
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert fine.meeting_vote is None
    # Another member of the committee records the family's votes.
    records_by = world.users["committee2"]
    from tests.factories import add_role
    add_role("committee2", "group_committee@G1")
    db.session.commit()
    held = meetings.meeting_of(world.units["G1"].id, world.campaign.id)  # the one `sent` went to the ward with
    meetings.record_meeting(records_by, world.units["G1"].id, world.campaign.id,
                            meeting_payload([own, fine], [20, 20], held_on=held.held_on.isoformat(),
                                            invited=held.invited, attendees=held.attendees))
    db.session.commit()
    assert own.meeting_vote.votes_for == 20


def test_the_figures_of_a_meeting_that_sent_dossiers_on_are_history(world):
    dossiers = assessed_group(world, 2)
    committee = world.users["group_committee"]
    unit, campaign = world.units["G1"].id, world.campaign.id
    meetings.record_meeting(committee, unit, campaign, meeting_payload(dossiers, [20, 10]))
    db.session.commit()
    batch.apply_batch(committee, "submit_assessment", [{"dossier_id": dossiers[0].id,
                                                        "version": dossiers[0].version}])
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        meetings.record_meeting(committee, unit, campaign, meeting_payload([dossiers[1]], [25], attendees=25))
    db.session.rollback()
    assert dossiers[0].tracking_code in refused.value.fields["attendees"]
    assert "Niêm yết công khai" in refused.value.fields["attendees"]
    assert dossiers[1].meeting_vote.votes_for == 10
    # The votes of a dossier still in the group may still be corrected.
    meetings.record_meeting(committee, unit, campaign, meeting_payload([dossiers[1]], [25]))
    db.session.commit()
    assert dossiers[1].meeting_vote.votes_for == 25
    assert permissions.verdict(committee, Trigger.SUBMIT_ASSESSMENT, dossiers[1]).allowed
    # Listing the one sent on, unchanged, is no change at all; changed, it is refused by its state.
    meetings.record_meeting(committee, unit, campaign, meeting_payload(dossiers, [20, 25]))
    with pytest.raises(InvalidTransition):
        meetings.record_meeting(committee, unit, campaign, meeting_payload(dossiers, [21, 25]))
    db.session.rollback()


def test_a_stale_version_is_refused_by_name(world):
    dossiers = assessed_group(world, 2)
    committee = world.users["group_committee"]
    payload = meeting_payload(dossiers, [20, 20])
    payload["votes"][1]["version"] = dossiers[1].version - 1
    from workflow.services.errors import VersionConflict
    with pytest.raises(VersionConflict) as refused:
        meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id, payload)
    db.session.rollback()
    assert dossiers[1].tracking_code in refused.value.fields["votes[1].version"]


def test_the_per_dossier_assessment_meeting_goes_through_the_same_meeting(world, frozen_clock):
    first, second = assessed_group(world, 2)
    frozen_clock.advance(minutes=5)
    committee = world.users["group_committee"]
    payload = full_assessment(first, invited=40, attendees=30, votes_for=24, held_on=clock.now().date())
    version = first.version
    records.save_assessment(committee, first, payload)
    db.session.commit()
    assert first.version == version + 1
    assert events_of(first.id, "assessment_saved") == 2 and events_of(first.id, "meeting_recorded") == 0
    meeting = meetings.meeting_of(world.units["G1"].id, world.campaign.id)
    assert (meeting.invited, meeting.attendees, first.meeting_vote.votes_for) == (40, 30, 24)
    # The second dossier's own save joins the same meeting.
    records.save_assessment(committee, second, full_assessment(second, invited=40, attendees=30, votes_for=10,
                                                               held_on=clock.now().date()))
    db.session.commit()
    assert db.session.scalar(select(func.count(GroupMeeting.id))) == 1
    assert sorted(v.votes_for for v in meeting.votes) == [10, 24]
    # A different head count through one dossier changes the other's meeting too: it gets its event.
    records.save_assessment(committee, second, full_assessment(second, invited=40, attendees=35, votes_for=10,
                                                               held_on=clock.now().date()))
    db.session.commit()
    assert events_of(first.id, "meeting_recorded") == 1 and first.meeting_vote.attendees == 35
