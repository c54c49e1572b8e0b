"""Next year: renewing an ended dossier into the ward's next campaign (services/renew.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Campaign, Dossier
from states.enums import EventName, State
from tests.factories import add_role, add_users, make_campaign
from workflow.extensions import db
from workflow.services import admin, renew
from workflow.services.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from workflow.services.listing import local_today

pytestmark = pytest.mark.usefixtures("app")

HOUSEHOLD = [{"name": "Trần Thị Hoa", "personal_id": "038095005678", "relation": "vợ"},
             {"name": "Trần Minh Khôi", "personal_id": "", "relation": "con"}]


def next_year_campaign(world, *, opens_in: int = -1, closes_in: int = 30, ward: str = "WARD",
                       year: int | None = None) -> Campaign:
    """A campaign of the ward for next year (or `year`), taking registrations from today + `opens_in` days to
    today + `closes_in` days."""
    today = local_today()
    campaign = make_campaign(world.units[ward], today)
    campaign.year = year or world.campaign.year + 1
    campaign.name = f"Thi đua kiểu mẫu {campaign.year}"
    campaign.registration_opens = today + timedelta(days=opens_in)
    campaign.registration_closes = today + timedelta(days=closes_in)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def last_year(world, state: State = State.RECOGNIZED, **fields) -> Dossier:
    """This year's dossier of the Trần household (address, note, household), walked to `state`."""
    fields = {"subject_name": "Hộ ông Trần Văn Bình", "subject_address": "12 ngõ 3, Tổ dân phố 1",
              "note": "Ghi chú của năm nay", "members": HOUSEHOLD, **fields}
    return world.dossier(state, **fields)


def events_of(dossier: Dossier) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                                   .order_by(AuditEvent.seq)))


def test_the_applicant_renews_her_recognized_dossier_as_a_draft_with_the_subject_and_nothing_else(world):
    old = last_year(world)
    later = next_year_campaign(world)
    version = old.version
    new = renew.renew(world.users["applicant"], old.id, later.id)
    db.session.commit()

    assert (new.state, new.campaign_id, new.unit_id, new.title) == ("draft", later.id, old.unit_id, old.title)
    assert (new.subject_name, new.subject_ref, new.subject_address) == (
        "Hộ ông Trần Văn Bình", old.subject_ref, "12 ngõ 3, Tổ dân phố 1")
    assert [(m.name, m.personal_id, m.relation) for m in new.members] == [
        ("Trần Thị Hoa", "038095005678", "vợ"), ("Trần Minh Khôi", None, "con")]
    assert new.created_by_id == world.users["applicant"].id and new.entered_by_id is None
    # Nothing else: last year's note, scores, meeting, votes, findings and decision stay with last year.
    assert old.assessment_items and old.votes and old.decision_id is not None
    assert (new.note, new.assessment_items, new.inspection_items, new.votes, new.objections, new.attachments,
            new.meeting_vote, new.decision_id, new.recommendation, new.certificate_code) == (
        "", [], [], [], [], [], None, None, None, None)
    assert new.tracking_code != old.tracking_code

    created = events_of(new)
    assert [e.trigger for e in created] == [EventName.CREATED]
    assert created[0].data["renewed_from"] == old.id and created[0].actor == "applicant"
    renewed = events_of(old)[-1]
    assert renewed.trigger == EventName.RENEWED and renewed.actor == "applicant" and renewed.role == "applicant"
    assert (renewed.data["dossier_id"], renewed.data["tracking_code"], renewed.data["campaign_id"],
            renewed.data["year"]) == (new.id, new.tracking_code, later.id, later.year)
    db.session.refresh(old)
    assert (old.state, old.version) == ("recognized", version)  # last year's dossier itself is untouched


def test_renewing_twice_is_refused_naming_the_dossier_already_there(world):
    old = last_year(world)
    later = next_year_campaign(world)
    first = renew.renew(world.users["applicant"], old.id, later.id)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        renew.renew(world.users["group_committee"], old.id, later.id)
    assert first.tracking_code in refused.value.message and "Hộ ông Trần Văn Bình" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count(Dossier.id)).where(Dossier.campaign_id == later.id)) == 1


def test_a_withdrawn_renewal_leaves_room_for_another(world):
    old = last_year(world, State.NOT_RECOGNIZED)
    later = next_year_campaign(world)
    from workflow.services.dossiers import apply_transition

    draft = renew.renew(world.users["applicant"], old.id, later.id)
    apply_transition(world.users["applicant"], draft, "withdraw", draft.version)
    again = renew.renew(world.users["applicant"], old.id, later.id)
    assert again.state == "draft" and again.id != draft.id


@pytest.mark.parametrize("which, error, words", [
    ("closed", Conflict, "nhận đăng ký từ"),
    ("not_yet_open", Conflict, "nhận đăng ký từ"),
    ("same_year", ValidationFailed, "năm sau năm"),
    ("earlier_year", ValidationFailed, "năm sau năm"),
    ("other_ward", ValidationFailed, "không phải của phường"),
    ("missing", ValidationFailed, "Không có đợt thi đua"),
])
def test_the_target_campaign_must_be_the_wards_later_one_taking_registrations_today(world, which, error, words):
    old = last_year(world)
    this_year = world.campaign.year
    campaign_id = {
        "closed": lambda: next_year_campaign(world, opens_in=-30, closes_in=-1).id,
        "not_yet_open": lambda: next_year_campaign(world, opens_in=1, closes_in=30).id,
        "same_year": lambda: world.campaign.id,
        "earlier_year": lambda: next_year_campaign(world, year=this_year - 1).id,
        "other_ward": lambda: next_year_campaign(world, ward="WARD2").id,
        "missing": lambda: 987654,
    }[which]()
    with pytest.raises(error) as refused:
        renew.renew(world.users["applicant"], old.id, campaign_id)
    assert words in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count(Dossier.id))) == 1
    assert events_of(old)[-1].trigger != EventName.RENEWED


def test_without_a_campaign_the_wards_next_open_one_is_taken_and_none_open_is_a_conflict(world):
    old = last_year(world)
    with pytest.raises(Conflict, match="Chưa có đợt thi đua năm sau"):
        renew.renew(world.users["applicant"], old.id)
    db.session.rollback()
    next_year_campaign(world, year=world.campaign.year + 2)  # two years on, open too
    soonest = next_year_campaign(world)
    next_year_campaign(world, ward="WARD2", year=world.campaign.year + 3)
    assert renew.next_campaign(old).id == soonest.id
    assert renew.renew(world.users["applicant"], old.id).campaign_id == soonest.id


def test_a_dossier_still_under_review_is_not_renewed(world):
    live = last_year(world, State.COUNCIL_REVIEW)
    later = next_year_campaign(world)
    with pytest.raises(InvalidTransition):
        renew.renew(world.users["applicant"], live.id, later.id)
    with pytest.raises(InvalidTransition):
        renew.renew(world.users["group_committee"], live.id, later.id)


def test_strangers_and_other_groups_committees_do_not_see_it_and_reviewers_may_not(world):
    old = last_year(world)
    later = next_year_campaign(world)
    for outsider in ("applicant2", "committee2", "outsider_committee", "resident"):
        with pytest.raises(NotFound):
            renew.renew(world.users[outsider], old.id, later.id)
    for reviewer in ("ward_inspector", "chairman", "auditor"):  # they see it, but renewing is not theirs
        with pytest.raises(Forbidden):
            renew.renew(world.users[reviewer], old.id, later.id)


def test_the_committee_renews_for_a_resident_as_a_registration_on_her_behalf(world):
    add_users(world, {"chi_hoa": ["applicant@G1"]}, {"chi_hoa": "038090001234"})
    with_account = last_year(world, subject_ref="038090001234")
    paper_only = last_year(world, State.NOT_RECOGNIZED, subject_ref="HK-777", subject_name="Hộ bà Lê Thị Mai")
    later = next_year_campaign(world)
    committee = world.users["group_committee"]

    new = renew.renew(committee, with_account.id, later.id)
    assert new.state == "registered"  # as a signed paper form: the group registered its list
    assert (new.created_by_id, new.entered_by_id) == (world.users["chi_hoa"].id, committee.id)
    created = events_of(new)[0]
    assert created.data["on_behalf"] is True and created.data["renewed_from"] == with_account.id
    assert created.role == "group_committee"
    assert events_of(with_account)[-1].role == "group_committee"

    other = renew.renew(committee, paper_only.id, later.id)
    assert (other.state, other.created_by_id, other.subject_name) == ("registered", None, "Hộ bà Lê Thị Mai")


def test_a_merged_group_renews_into_its_successor(world):
    old = last_year(world)
    later = next_year_campaign(world)
    admin.merge_unit(world.users["admin"], world.units["G1"].id, world.units["G2"].id, local_today())
    db.session.commit()
    applicant = world.users["applicant"]
    # She may renew her own dossier, but registers in G2 only once she holds a role there.
    assert not renew.may_renew(applicant, old) and renew.may_renew(world.users["committee2"], old)
    with pytest.raises(Forbidden):
        renew.renew(applicant, old.id, later.id)
    db.session.rollback()
    rows = renew.group_dossiers(world.users["group_committee"], world.units["G1"], world.campaign, later)
    assert rows[0].reasons and not rows[0].ready  # G1's own committee cannot register in G2

    new = renew.renew(world.users["committee2"], old.id, later.id)  # G2's committee now reaches G1's dossiers
    assert new.unit_id == world.units["G2"].id and new.state == "registered"
    assert events_of(old)[-1].data["unit_id"] == world.units["G2"].id
    add_role("applicant", "applicant@G2")
    assert renew.may_renew(applicant, old)


def test_a_group_is_renewed_all_or_none_each_blocker_named(world):
    recognized = last_year(world)
    refused = last_year(world, State.NOT_RECOGNIZED, subject_ref="HK-888", subject_name="Hộ ông Phạm Văn Tư")
    in_review = last_year(world, State.PUBLIC_NOTICE, subject_ref="HK-999", subject_name="Hộ bà Đỗ Thị Na")
    later = next_year_campaign(world)
    committee = world.users["group_committee"]

    rows = {r.dossier.id: r for r in renew.group_dossiers(committee, world.units["G1"], world.campaign, later)}
    assert set(rows) == {recognized.id, refused.id}  # ended ones only
    assert rows[recognized.id].recognized and rows[recognized.id].ready and not rows[refused.id].recognized

    before = renew.renew(world.users["applicant"], refused.id, later.id)  # she registered again herself
    db.session.commit()
    rows = {r.dossier.id: r for r in renew.group_dossiers(committee, world.units["G1"], world.campaign, later)}
    assert rows[recognized.id].ready and before.tracking_code in rows[refused.id].reasons[0]

    with pytest.raises(renew.RenewBlocked) as blocked:
        renew.renew_group(committee, [recognized.id, refused.id, in_review.id], later.id)
    message = blocked.value.message
    assert refused.tracking_code in message and "Hộ ông Phạm Văn Tư" in message and before.tracking_code in message
    assert in_review.tracking_code in message and recognized.tracking_code not in message
    assert set(blocked.value.fields) == {str(refused.id), str(in_review.id)}
    db.session.rollback()
    assert db.session.scalar(select(func.count(Dossier.id)).where(Dossier.campaign_id == later.id)) == 1

    created = renew.renew_group(committee, [recognized.id], later.id)
    db.session.commit()
    assert [d.subject_ref for d in created] == [recognized.subject_ref]
