"""The ward's rules of DOMAIN.md at their boundaries: identity and subjects, objections, disqualifiers, passing
assessments and inspections, withdrawing, secret ballots, delegation, paper registrations, and the unit of
work that publishes only committed events."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Decision, Dossier
from states.enums import State, Trigger
from workflow import clock, uow
from workflow.extensions import db
from workflow.services import delegations, records
from workflow.services.dossiers import apply_transition, create_dossier
from workflow.services.errors import Forbidden, GuardRefused, InvalidTransition, NotFound
from workflow.services.scope import get_dossier_for
from workflow.services.walkthrough import full_assessment, full_inspection, morning_after

DECISION = {"decision_number": "07/QĐ-UBND"}


def step(user, dossier, trigger, comment="", data=None):
    return apply_transition(user, dossier, trigger, dossier.version, comment, data or {})


def refused(error, call, match=None):
    """`call` is refused with `error` and writes nothing."""
    db.session.commit()
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(error, match=match) as info:
        call()
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    return info.value


def scored(dossier, total: int) -> dict:
    """A self-assessment of a 100-point set worth `total`, taking points off the largest standard first while
    every standard keeps at least half of its maximum."""
    payload = full_assessment(dossier, held_on=clock.now().date())
    by_code = {c.code: c for c in dossier.criteria_set.criteria}
    to_remove = 100 - total
    for item in sorted(payload["items"], key=lambda i: -by_code[i["criterion"]].standard.max_points):
        take = min(to_remove, item["points"])
        item["points"] -= take
        to_remove -= take
    return payload


# --- the group proposes only passing dossiers -----------------------------------------------------------------

@pytest.mark.parametrize(("total", "ok"), [(33, False), (84, False), (85, True)])
def test_the_group_proposes_only_a_passing_self_assessment(world, total, ok):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    committee = world.users["group_committee"]
    records.save_assessment(committee, dossier, scored(dossier, total))
    if ok:
        step(committee, dossier, Trigger.SUBMIT_ASSESSMENT)
        assert dossier.state == State.PUBLIC_NOTICE
    else:
        error = refused(GuardRefused, lambda: step(committee, dossier, Trigger.SUBMIT_ASSESSMENT),
                        f"kết quả tự đánh giá chưa đạt: .*tổng điểm {total}/100, cần ≥ 85")
        assert error.status == 422 and dossier.state == State.SELF_ASSESSMENT


# --- objections -------------------------------------------------------------------------------------------------

def test_an_upheld_objection_blocks_closing_the_notice_until_the_group_revises(world, frozen_clock):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    inspector, resident = world.users["ward_inspector"], world.users["resident"]
    objection = records.record_objection(resident, dossier, "Gia đình này để rác lấn chiếm lối đi chung")
    records.answer_objection(inspector, dossier, objection.id, "Đã xác minh: đúng", True)
    frozen_clock.advance(days=11)
    refused(GuardRefused, lambda: step(inspector, dossier, Trigger.CLOSE_NOTICE), "được kết luận là đúng")
    step(inspector, dossier, Trigger.RETURN_TO_GROUP, "Phản ánh đúng: tổ xem xét lại")
    committee = world.users["group_committee"]
    records.save_assessment(committee, dossier, {**full_assessment(dossier, held_on=clock.now().date())})
    step(committee, dossier, Trigger.SUBMIT_ASSESSMENT)
    frozen_clock.current = morning_after(dossier.notice_ends_on)
    step(inspector, dossier, Trigger.CLOSE_NOTICE)  # the earlier notice's objection no longer counts
    assert dossier.state == State.WARD_INSPECTION


def test_answers_are_given_only_while_the_notice_runs(world, frozen_clock):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    inspector = world.users["ward_inspector"]
    first = records.record_objection(inspector, dossier, "Ý kiến của bà Lan, tổ 1")
    records.answer_objection(inspector, dossier, first.id, "Không có cơ sở", False)
    frozen_clock.advance(days=11)
    step(inspector, dossier, Trigger.CLOSE_NOTICE)
    db.session.commit()
    error = refused(InvalidTransition, lambda: records.record_objection(inspector, dossier, "Ý kiến muộn"))
    assert error.status == 409


def test_residents_object_in_their_own_group_only_and_never_to_their_own_dossier(world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    resident, neighbour_elsewhere, applicant = (world.users[n] for n in ("resident", "applicant2", "applicant"))
    assert get_dossier_for(resident, dossier.id) == dossier  # on notice in her group: she can read it
    objection = records.record_objection(resident, dossier, "Hộ này chưa tham gia vệ sinh môi trường")
    assert objection.filed_by_id == resident.id
    with pytest.raises(NotFound):
        get_dossier_for(neighbour_elsewhere, dossier.id)  # another group's dossier does not exist for her
    refused(Forbidden, lambda: records.record_objection(applicant, dossier, "Tự phản ánh"), "tự phê duyệt")
    accepted = world.dossier(State.SELF_ASSESSMENT)
    with pytest.raises(NotFound):
        get_dossier_for(resident, accepted.id)  # not on notice: not hers to read


# --- inspection ------------------------------------------------------------------------------------------------

def test_a_pass_recommendation_needs_a_passing_inspection(world):
    dossier = world.dossier(State.WARD_INSPECTION)
    inspector = world.users["ward_inspector"]
    payload = full_inspection(dossier)
    for item in payload["items"][:4]:  # the first standard (32 points) scored 0: below half, total 68
        item["points"], item["met"] = 0, False
    records.save_inspection(inspector, dossier, payload)
    refused(GuardRefused, lambda: step(inspector, dossier, Trigger.COMPLETE_INSPECTION),
            "kiến nghị “đạt” nhưng kết quả kiểm tra chưa đạt")
    records.save_inspection(inspector, dossier, {**payload, "version": dossier.version, "recommendation": "fail"})
    step(inspector, dossier, Trigger.COMPLETE_INSPECTION)
    assert dossier.state == State.COUNCIL_REVIEW and dossier.recommendation == "fail"


# --- withdraw ------------------------------------------------------------------------------------------------------

def test_the_applicant_withdraws_until_the_inspection_starts(world):
    applicant = world.users["applicant"]
    on_notice = world.dossier(State.PUBLIC_NOTICE)
    step(applicant, on_notice, Trigger.WITHDRAW, "Gia đình chuyển nơi ở")
    assert on_notice.state == State.WITHDRAWN
    inspected = world.dossier(State.WARD_INSPECTION)
    refused(InvalidTransition, lambda: step(applicant, inspected, Trigger.WITHDRAW))
    assert inspected.state == State.WARD_INSPECTION


# --- subjects ----------------------------------------------------------------------------------------------------

def test_the_subject_and_household_members_never_review_their_own_dossier(world):
    committee = world.users["group_committee"]
    committee.personal_id = "038090001234"
    council = world.users["council1"]
    council.personal_id = "038090005678"
    db.session.commit()
    subject_is_committee = world.dossier(State.REGISTERED, subject_ref="038090001234")
    refused(Forbidden, lambda: step(committee, subject_is_committee, Trigger.ACCEPT), "tự phê duyệt")
    member_is_council = world.dossier(State.COUNCIL_REVIEW, members=[
        {"name": "Trần Văn Hội", "personal_id": "038090005678", "relation": "con"}])
    refused(Forbidden, lambda: records.cast_vote(council, member_is_council, "approve"), "tự phê duyệt")
    assert get_dossier_for(council, member_is_council.id)  # she still sees it, as a reviewer and member


# --- secret ballot ------------------------------------------------------------------------------------------------

def test_a_secret_ballot_shows_the_tally_only(api, world):
    world.campaign.secret_ballot = True
    db.session.commit()
    dossier = world.dossier(State.AWAITING_DECISION)
    for reader in ("council1", "auditor", "chairman"):
        history = api.as_(reader).get(f"/dossiers/{dossier.id}/history").json["events"]
        votes = [e for e in history if e["trigger"] == "vote_cast"]
        assert votes and all(e["actor"] is None and e["data"] == {} for e in votes), reader
        closing = next(e for e in history if e["trigger"] == "close_review")
        assert closing["data"]["votes"]["approve"] == 6  # the tally stands
    world.campaign.secret_ballot = False
    db.session.commit()
    open_history = api.as_("auditor").get(f"/dossiers/{dossier.id}/history").json["events"]
    assert {e["actor"] for e in open_history if e["trigger"] == "vote_cast"} >= {"council1", "council2"}


# --- delegation ----------------------------------------------------------------------------------------------------

def test_the_vice_chairman_signs_on_the_chairmans_behalf_for_the_dates_given(world, frozen_clock):
    chairman, vice = world.users["chairman"], world.users["vice_chairman"]
    dossier = world.dossier(State.AWAITING_DECISION)
    today = clock.now().date()
    refused(Forbidden, lambda: step(vice, dossier, Trigger.RECOGNIZE, data={**DECISION, "signed_on": str(today)}))
    delegation = delegations.grant(chairman, {
        "to_username": "vice_chairman", "role": "chairman", "unit_code": "WARD", "starts_on": today,
        "ends_on": today + timedelta(days=6), "reason": "Chủ tịch đi công tác tỉnh"})
    db.session.commit()
    step(vice, dossier, Trigger.RECOGNIZE, data={**DECISION, "signed_on": str(today)})
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                               .order_by(AuditEvent.seq.desc())).first()
    assert (event.actor, event.role, event.data["on_behalf_of"]) == ("vice_chairman", "chairman", "chairman")
    decision = db.session.get(Decision, dossier.decision_id)
    assert decision.created_by_id == vice.id and decision.on_behalf_of_id == chairman.id
    later = world.dossier(State.AWAITING_DECISION)
    frozen_clock.advance(days=7)  # the delegation has run out
    refused(Forbidden, lambda: step(vice, later, Trigger.SEND_BACK, "Xem lại"))
    delegations.end(chairman, delegation.id)
    with pytest.raises(Exception, match="đã kết thúc"):
        delegations.end(chairman, delegation.id)


def test_only_a_holder_lends_a_role_and_never_to_himself(world):
    from workflow.services.errors import ValidationFailed

    today = clock.now().date()
    base = {"role": "chairman", "unit_code": "WARD", "starts_on": today, "ends_on": today, "reason": "Nghỉ phép"}
    with pytest.raises(ValidationFailed, match="Ủy quyền chưa hợp lệ"):
        delegations.grant(world.users["council1"], {**base, "to_username": "council2"})  # not his role
    with pytest.raises(ValidationFailed):
        delegations.grant(world.users["chairman"], {**base, "to_username": "chairman"})
    with pytest.raises(ValidationFailed):
        delegations.grant(world.users["chairman"], {**base, "to_username": "vice_chairman",
                                                     "ends_on": today - timedelta(days=1)})


# --- paper registrations ------------------------------------------------------------------------------------------

def test_the_committee_registers_a_resident_who_signed_a_paper_form(world):
    committee = world.users["group_committee"]
    dossier = create_dossier(committee, {
        "campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G1"].id,
        "subject_name": "Hộ bà Phạm Thị Giấy", "subject_ref": "038190007777", "on_behalf": True})
    db.session.commit()
    assert dossier.state == State.REGISTERED and dossier.created_by_id is None
    assert dossier.entered_by_id == committee.id
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)).one()
    assert created.data["on_behalf"] is True and created.role == "group_committee"
    # The committee member who typed it is not its applicant: another step of hers is not self-approval.
    step(committee, dossier, Trigger.ACCEPT)
    assert dossier.state == State.SELF_ASSESSMENT
    refused(Forbidden, lambda: create_dossier(world.users["applicant"], {
        "campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G1"].id,
        "subject_name": "Hộ X", "subject_ref": "HK-X", "on_behalf": True}))


# --- the unit of work ----------------------------------------------------------------------------------------------

def test_only_committed_steps_are_published(world):
    heard = []
    uow.subscribe(heard.extend)
    try:
        dossier = world.dossier(State.REGISTERED)
        heard.clear()
        step(world.users["group_committee"], dossier, Trigger.ACCEPT)
        db.session.rollback()
        assert heard == []
        dossier = db.session.get(Dossier, dossier.id)
        step(world.users["group_committee"], dossier, Trigger.ACCEPT)
        db.session.commit()
        assert [(e.dossier_id, e.trigger, e.to_state) for e in heard] == [(dossier.id, "accept", "self_assessment")]
    finally:
        uow.unsubscribe(heard.extend)
