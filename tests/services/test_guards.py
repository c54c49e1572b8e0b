"""Each guard of DOMAIN.md at its boundary: one short refused with the rule and the numbers, the boundary passes."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent
from states.enums import State, Trigger
from states.guards import GuardContext, meets_share, required_fields
from workflow import clock
from workflow.extensions import db
from workflow.services import records
from workflow.services.calendar import local_today
from workflow.services.dossiers import apply_transition
from workflow.services.errors import GuardRefused, ValidationFailed
from workflow.services.walkthrough import full_assessment, full_inspection


def events(dossier) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == dossier.id))


def attempt(user, dossier, trigger, comment="", data=None):
    return apply_transition(user, dossier, trigger, dossier.version, comment, data or {})


def refused(user, dossier, trigger, match: str, data=None):
    db.session.commit()  # what came before is its own request
    before = (dossier.state, events(dossier))
    with pytest.raises(GuardRefused, match=match) as info:
        attempt(user, dossier, trigger, data=data)
    db.session.rollback()
    assert (dossier.state, events(dossier)) == before
    return info.value


# --- submit --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("opens", "closes", "ok"), [(0, 0, True), (1, 5, False), (-5, -1, False), (-5, 0, True)])
def test_submit_only_inside_the_registration_window(world, opens, closes, ok):
    today = local_today()  # the window is in Vietnam's days
    world.campaign.registration_opens = today + timedelta(days=opens)
    world.campaign.registration_closes = today + timedelta(days=closes)
    db.session.commit()
    dossier = world.dossier(State.DRAFT)
    if ok:
        attempt(world.users["applicant"], dossier, Trigger.SUBMIT)
        assert dossier.state == State.REGISTERED
    else:
        refused(world.users["applicant"], dossier, Trigger.SUBMIT, "ngoài thời gian đăng ký")


def test_submit_refused_while_the_subject_has_another_live_dossier_for_the_title(world):
    first = world.dossier(State.REGISTERED, subject_ref="HK-42")
    second = world.dossier(State.DRAFT, subject_ref="hk-42")
    refused(world.users["applicant"], second, Trigger.SUBMIT, "đã có một hồ sơ khác")
    attempt(world.users["applicant"], first, Trigger.WITHDRAW)
    attempt(world.users["applicant"], second, Trigger.SUBMIT)
    assert second.state == State.REGISTERED


def test_required_fields_guard_names_what_is_missing():
    class Blank:
        subject_name, subject_ref = "Nguyễn Văn A", "  "

    assert required_fields(GuardContext(Blank(), None, None, clock.now())) == "thiếu thông tin bắt buộc: subject_ref"


# --- submit_assessment ------------------------------------------------------------------------------------------

def assessed(world, **meeting):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    records.save_assessment(world.users["group_committee"], dossier,
                            full_assessment(dossier, held_on=clock.now().date(), **meeting))
    return dossier


@pytest.mark.parametrize(("attendees", "ok"), [(59, False), (60, True)])
def test_group_meeting_quorum_at_60_percent_of_invited(world, attendees, ok):
    dossier = assessed(world, invited=100, attendees=attendees, votes_for=attendees)
    if ok:
        attempt(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT)
        assert dossier.state == State.PUBLIC_NOTICE
    else:
        refused(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT, "59/100 người được mời, cần ≥ 60%")


@pytest.mark.parametrize(("votes_for", "ok"), [(59, False), (60, True)])
def test_group_meeting_approval_at_60_percent_of_attendees(world, votes_for, ok):
    dossier = assessed(world, invited=120, attendees=100, votes_for=votes_for)
    if ok:
        attempt(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT)
        assert dossier.state == State.PUBLIC_NOTICE
    else:
        refused(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT, "đồng ý: 59/100, cần ≥ 60%")


def test_approval_message_reads_like_the_minutes(world):
    dossier = assessed(world, invited=12, attendees=12, votes_for=5)
    error = refused(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT, "5/12")
    assert "cần ≥ 60%" in error.message


def test_submit_assessment_needs_every_criterion_and_the_meeting(world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    payload = full_assessment(dossier, held_on=clock.now().date(), missing=1)
    del payload["meeting"]
    records.save_assessment(world.users["group_committee"], dossier, payload)
    total = len(dossier.criteria_set.criteria)
    error = refused(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT,
                    f"{total - 1}/{total}")
    assert "biên bản họp bình xét" in error.message


def test_a_disqualifier_blocks_submit_assessment_until_cleared(world):
    dossier = assessed(world)
    payload = full_assessment(dossier, held_on=clock.now().date())
    records.save_assessment(world.users["group_committee"], dossier, {**payload, "disqualifiers": ["KX2"]})
    refused(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT, "trường hợp không xét: KX2")
    # Saving the assessment again without it does not clear it: clearing is its own step, with a reason.
    records.save_assessment(world.users["group_committee"], dossier,
                            {**payload, "version": dossier.version, "disqualifiers": []})
    assert dossier.disqualifiers_found == ["KX2"]
    with pytest.raises(ValidationFailed) as refusal:
        records.set_disqualifier(world.users["group_committee"], dossier,
                                 {"version": dossier.version, "code": "KX2", "standing": False, "reason": ""})
    assert "reason" in refusal.value.fields
    records.set_disqualifier(world.users["group_committee"], dossier, {
        "version": dossier.version, "code": "KX2", "standing": False,
        "reason": "Toà án đã có quyết định đình chỉ, xoá án tích"})
    attempt(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT)
    assert dossier.state == State.PUBLIC_NOTICE


# --- close_notice --------------------------------------------------------------------------------------------------

def after_notice(dossier) -> datetime:
    """00:00 in Viet Nam the day after the notice's last day (17:00 UTC on that day)."""
    return datetime.combine(dossier.notice_ends_on, time(17), tzinfo=UTC)


def noticed(world, frozen_clock):
    dossier = assessed(world)
    attempt(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT)
    db.session.commit()
    return dossier


def test_notice_closes_only_after_its_last_day_in_vietnam(world, frozen_clock):
    dossier = noticed(world, frozen_clock)
    ends_on = dossier.notice_ends_on
    assert ends_on >= local_today() + timedelta(days=10)  # ten days counted from the day after posting
    # 23:59:59 on the last day in Viet Nam is 16:59:59 UTC that day; 00:00 the next day is 17:00 UTC.
    frozen_clock.current = datetime.combine(ends_on, time(16, 59, 59), tzinfo=UTC)
    refused(world.users["ward_inspector"], dossier, Trigger.CLOSE_NOTICE,
            f"chưa hết thời gian niêm yết: niêm yết đến hết ngày {ends_on:%d/%m/%Y} \\(giờ Việt Nam\\)")
    frozen_clock.advance(seconds=1)
    attempt(world.users["ward_inspector"], dossier, Trigger.CLOSE_NOTICE)
    assert dossier.state == State.WARD_INSPECTION


def test_notice_does_not_close_with_an_unanswered_objection(world, frozen_clock):
    dossier = noticed(world, frozen_clock)
    inspector = world.users["ward_inspector"]
    objection = records.record_objection(inspector, dossier, "Hộ này còn nợ tiền điện của tổ")
    frozen_clock.current = after_notice(dossier)
    refused(inspector, dossier, Trigger.CLOSE_NOTICE, "còn 1 ý kiến phản ánh chưa được trả lời")
    records.answer_objection(inspector, dossier, objection.id, "Đã xác minh: đã trả đủ", False)
    attempt(inspector, dossier, Trigger.CLOSE_NOTICE)
    assert dossier.state == State.WARD_INSPECTION


# --- complete_inspection -------------------------------------------------------------------------------------------

def test_inspection_needs_a_verdict_on_every_criterion_and_a_recommendation(world):
    dossier = world.dossier(State.WARD_INSPECTION)
    inspector = world.users["ward_inspector"]
    payload = full_inspection(dossier)
    partial = {**payload, "items": payload["items"][:-1]}
    del partial["recommendation"]
    records.save_inspection(inspector, dossier, partial)
    total = len(dossier.criteria_set.criteria)
    error = refused(inspector, dossier, Trigger.COMPLETE_INSPECTION, f"{total - 1}/{total}")
    assert "kiến nghị" in error.message
    records.save_inspection(inspector, dossier, {**payload, "version": dossier.version})
    attempt(inspector, dossier, Trigger.COMPLETE_INSPECTION)
    assert dossier.state == State.COUNCIL_REVIEW


# --- close_review ---------------------------------------------------------------------------------------------------

def voted(world, choices):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    for name, choice in zip(("council1", "council2", "council3", "council4", "council5", "council6"), choices,
                            strict=False):
        records.cast_vote(world.users[name], dossier, choice)
    return dossier


def test_council_quorum_is_two_thirds_of_its_members(world):
    short = voted(world, ["approve"] * 3)  # 3 of 6 members
    refused(world.users["council_secretary"], short, Trigger.CLOSE_REVIEW, "3/6, cần ≥ 66.67%")
    enough = voted(world, ["approve"] * 3 + ["abstain"])  # 4 of 6
    attempt(world.users["council_secretary"], enough, Trigger.CLOSE_REVIEW)
    assert enough.state == State.AWAITING_DECISION


@pytest.mark.parametrize(("approvals", "recommended"), [(4, False), (5, True)])
def test_council_recommends_at_70_percent_of_members(world, approvals, recommended):
    dossier = voted(world, ["approve"] * approvals + ["reject"] * (6 - approvals))
    attempt(world.users["council_secretary"], dossier, Trigger.CLOSE_REVIEW)
    assert dossier.council_recommended is recommended


def test_a_member_who_votes_again_replaces_the_vote(world):
    dossier = voted(world, ["reject"] * 4)
    records.cast_vote(world.users["council1"], dossier, "approve")
    assert sorted(v.choice for v in dossier.votes) == ["approve", "reject", "reject", "reject"]


# --- recognize ----------------------------------------------------------------------------------------------------

DECISION = {"decision_number": "7/QĐ-UBND", "signed_on": "2026-01-10"}


def test_recognize_needs_the_council_recommendation(world, chairman):
    dossier = world.dossier(State.AWAITING_DECISION, approve=False)
    refused(chairman, dossier, Trigger.RECOGNIZE, "không đề nghị công nhận", data=DECISION)
    apply_transition(chairman, dossier, Trigger.REFUSE, dossier.version, "Hội đồng không đề nghị")
    assert dossier.state == State.NOT_RECOGNIZED


def test_a_disqualifier_found_at_inspection_blocks_recognition(world):
    dossier = world.dossier(State.WARD_INSPECTION)
    inspector = world.users["ward_inspector"]
    records.save_inspection(inspector, dossier, {**full_inspection(dossier), "disqualifiers": ["KX1"]})
    refused(inspector, dossier, Trigger.COMPLETE_INSPECTION, "trường hợp không xét: KX1")
    records.set_disqualifier(inspector, dossier, {"version": dossier.version, "code": "KX1", "standing": False,
                                                  "reason": "Xác minh lại: nhầm với hộ khác cùng tên"})
    attempt(inspector, dossier, Trigger.COMPLETE_INSPECTION)
    for name in ("council1", "council2", "council3", "council4", "council5"):
        records.cast_vote(world.users[name], dossier, "approve")
    # Found again while the council reviews: recorded at any stage, it bars the recognition.
    records.set_disqualifier(inspector, dossier, {"version": dossier.version, "code": "KX1", "standing": True})
    attempt(world.users["council_secretary"], dossier, Trigger.CLOSE_REVIEW)
    refused(world.users["chairman"], dossier, Trigger.RECOGNIZE, "trường hợp không xét: KX1", data=DECISION)


def test_meets_share_tolerates_two_thirds_stored_as_a_float():
    assert meets_share(2, 3, 2 / 3) and meets_share(4, 6, 2 / 3)
    assert not meets_share(3, 5, 2 / 3)
    assert not meets_share(0, 0, 0.6)
