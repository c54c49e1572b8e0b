"""Titles assessed for every household (Decree 86/2023: “Gia đình văn hóa”, issue 16): no registration window —
their dossiers enter from the registration's opening to the group's assessment deadline, while a volunteered
title still closes with its window — and the committee's one step that starts a dossier for every household of its
group that has none, through the registration service, all or nothing, one event each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent, Dossier
from states.enums import RegistrationKind, State, Title
from states.titles import FACTS, registration_of
from tests.every_household import HEAD_A, MEMBER_A, RESIDENT_MAN, counts, known_group, on_behalf, resident
from workflow import clock
from workflow.extensions import db
from workflow.services import households, imports, registrations
from workflow.services.dossiers import apply_transition, create_dossier
from workflow.services.errors import Conflict, Forbidden, GuardRefused, ServiceError, ValidationFailed


def move_to(frozen_clock, day) -> None:
    """The clock on `day` at 10:00 in Vietnam."""
    frozen_clock.current = frozen_clock.current.replace(year=day.year, month=day.month, day=day.day)


def events_of(dossier_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier_id)))


# --- the title and its window -------------------------------------------------------------------------------------

def test_one_title_is_assessed_for_every_household_and_the_others_are_volunteered_for():
    assert registration_of(Title.CULTURED_FAMILY) == RegistrationKind.EVERY_HOUSEHOLD
    assert {t for t in Title if registration_of(t) == RegistrationKind.VOLUNTEER} == set(Title) - {
        Title.CULTURED_FAMILY}
    assert FACTS[Title.CULTURED_FAMILY].subject_kind == "household"


def test_after_registration_closes_only_the_every_household_title_enters_until_the_assessment_deadline(
        world, frozen_clock):
    campaign = world.campaign
    move_to(frozen_clock, campaign.registration_closes + timedelta(days=1))
    with pytest.raises(GuardRefused) as volunteered:
        on_behalf(world, Title.MODEL_FAMILY, "038085009001")
    assert "ngoài thời gian đăng ký" in volunteered.value.message
    db.session.rollback()
    started = on_behalf(world, Title.CULTURED_FAMILY, "038085009002")
    db.session.commit()
    assert started.state == State.REGISTERED
    # The applicant's own draft too: submitted after the window, before the deadline.
    draft = create_dossier(world.users["applicant"], {
        "campaign_id": campaign.id, "unit_id": world.units["G1"].id, "title": "cultured_family",
        "subject_name": "Hộ ông Nguyễn Văn Tự", "subject_ref": "038085009003"})
    assert draft.due_on == campaign.assessment_due  # a draft of this title is due by the assessment deadline
    apply_transition(world.users["applicant"], draft, "submit", draft.version)
    db.session.commit()
    assert draft.state == State.REGISTERED
    # On the deadline itself still; the day after, no more.
    move_to(frozen_clock, campaign.assessment_due)
    on_behalf(world, Title.CULTURED_FAMILY, "038085009004")
    db.session.commit()
    move_to(frozen_clock, campaign.assessment_due + timedelta(days=1))
    before = counts()
    with pytest.raises(GuardRefused) as late:
        on_behalf(world, Title.CULTURED_FAMILY, "038085009005")
    db.session.rollback()
    assert "xét cho mọi hộ gia đình, không cần đăng ký" in late.value.message
    assert f"đến hạn bình xét của tổ {campaign.assessment_due:%d/%m/%Y}" in late.value.message
    assert counts() == before
    # And never before the registration opens.
    move_to(frozen_clock, campaign.registration_opens - timedelta(days=1))
    with pytest.raises(GuardRefused):
        on_behalf(world, Title.CULTURED_FAMILY, "038085009006")


def test_a_drafts_deadline_follows_its_title_when_the_campaigns_dates_move(world):
    volunteered = world.dossier(State.DRAFT, title=Title.MODEL_FAMILY)
    every = world.dossier(State.DRAFT, title=Title.CULTURED_FAMILY)
    assert volunteered.due_on == world.campaign.registration_closes
    assert every.due_on == world.campaign.assessment_due
    world.campaign.registration_closes -= timedelta(days=3)
    world.campaign.assessment_due -= timedelta(days=2)
    db.session.commit()
    db.session.refresh(volunteered)
    db.session.refresh(every)
    assert (volunteered.due_on, every.due_on) == (world.campaign.registration_closes, world.campaign.assessment_due)


def test_the_excel_list_takes_every_household_rows_after_the_window(world, frozen_clock):
    from tests.services.test_imports import xlsx

    move_to(frozen_clock, world.campaign.registration_closes + timedelta(days=2))
    data = xlsx([(1, "Hộ ông Phạm Văn Bình", "038085012345", "Số 3", "Gia đình văn hóa"),
                 (2, "Hộ bà Lê Thị Cúc", "038190054321", "Số 5", "Gia đình kiểu mẫu")])
    result = imports.run(world.users["group_committee"], world.campaign.id, world.units["G1"].id, data,
                         dry_run=False, now=clock.now())
    assert [r.status for r in result.rows] == ["create", "error"]
    assert "ngoài thời gian đăng ký" in result.rows[1].reason
    assert db.session.get(Dossier, result.rows[0].dossier_id).title == "cultured_family"


# --- the group's households, and the committee's one step ---------------------------------------------------------

@pytest.fixture
def group(world):
    return known_group(world)


def start(world, who: str = "group_committee", group_code: str = "G1", title: str = "cultured_family", **kw):
    return households.start(world.users[who], world.campaign.id, world.units[group_code].id, title, **kw)


def test_the_group_households_come_from_earlier_dossiers_and_residents_accounts(world, group):
    found = households.plan(world.users["group_committee"], world.campaign.id, world.units["G1"].id,
                            "cultured_family")
    names = {h.name: h for h in found.households}
    assert set(names) == {"Hộ ông Nguyễn Văn An", "Hộ bà Trần Thị Dung", "Hộ bà Ngô Thị Lan",
                          "Hộ ông Hoàng Minh Hải"}  # not the citizen, not the household member, not group 2
    an = names["Hộ ông Nguyễn Văn An"]
    assert (an.ref, an.address, [m["personal_id"] for m in an.members], an.source) == (
        HEAD_A, "Số 12 ngõ 3", [HEAD_A, MEMBER_A], "dossier")
    assert names["Hộ ông Hoàng Minh Hải"].source == "account"
    assert [h.name for h in found.skipped] == ["Hộ bà Ngô Thị Lan"] and found.skipped[0].existing.id == group.id
    assert {h.name for h in found.to_start} == set(names) - {"Hộ bà Ngô Thị Lan"} and not found.refused


def test_the_committee_starts_one_dossier_per_household_without_one(world, group, frozen_clock):
    move_to(frozen_clock, world.campaign.registration_closes + timedelta(days=5))  # no window for this title
    before = counts()
    seen = households.plan(world.users["group_committee"], world.campaign.id, world.units["G1"].id,
                           "cultured_family").digest
    started = start(world, seen=seen)
    db.session.commit()
    assert len(started) == 3
    assert counts() == (before[0] + 3, before[1] + 3)  # one dossier and one CREATED event each
    made = {d.subject_ref: d for d in db.session.scalars(select(Dossier).where(
        Dossier.id.in_([s.dossier_id for s in started])))}
    assert set(made) == {HEAD_A, "HK-00777", RESIDENT_MAN}
    for dossier in made.values():
        assert (dossier.state, dossier.title, dossier.unit_id, dossier.entered_by_id) == (
            State.REGISTERED, "cultured_family", world.units["G1"].id, world.users["group_committee"].id)
        assert dossier.due_on == world.campaign.assessment_due
        [event] = events_of(dossier.id)
        assert (event.trigger, event.to_state, event.actor_id) == ("created", "registered",
                                                                   world.users["group_committee"].id)
        assert event.data["every_household"] is True and event.data["on_behalf"] is True
    # The household's members came along; the resident's own household names her as its head and applicant.
    assert [m.personal_id for m in made[HEAD_A].members] == [HEAD_A, MEMBER_A]
    hai = made[RESIDENT_MAN]
    assert hai.subject_name == "Hộ ông Hoàng Minh Hải" and hai.created_by_id == world.users["hai"].id
    assert [(m.name, m.relation) for m in hai.members] == [("Hoàng Minh Hải", "Chủ hộ")]
    # Done once: a second start finds nobody left.
    with pytest.raises(Conflict):
        start(world)


def test_the_one_by_one_path_writes_the_same(world, group, monkeypatch):
    monkeypatch.setattr(registrations, "set_based", lambda: False)
    started = start(world)
    db.session.commit()
    assert len(started) == 3
    dossier = db.session.scalars(select(Dossier).where(Dossier.subject_ref == HEAD_A,
                                                       Dossier.title == "cultured_family")).one()
    assert dossier.state == State.REGISTERED and len(dossier.members) == 2
    assert events_of(dossier.id)[0].data["every_household"] is True


@pytest.mark.parametrize("who, code", [("applicant", "G1"), ("committee2", "G1"), ("outsider_committee", "G1"),
                                       ("ward_inspector", "G1"), ("admin", "G1")])
def test_only_the_groups_committee_may_start_them(world, group, who, code):
    before = counts()
    with pytest.raises(Forbidden):
        start(world, who=who, group_code=code)
    db.session.rollback()
    assert counts() == before


def test_a_volunteered_title_is_not_started_for_every_household(world, group):
    with pytest.raises(ValidationFailed) as refused:
        start(world, title="model_family")
    assert "title" in refused.value.fields


def test_after_the_assessment_deadline_nothing_is_started(world, group, frozen_clock):
    move_to(frozen_clock, world.campaign.assessment_due + timedelta(days=1))
    before = counts()
    with pytest.raises(GuardRefused) as late:
        start(world)
    db.session.rollback()
    assert "hạn bình xét" in late.value.message and counts() == before


def test_all_or_nothing_each_blocker_named(world, group):
    # A resident whose name fits an account but not a household's dossier ("Hộ ông " before it): her household
    # blocks, and so nobody is started.
    resident(world, "dai", "038099004455", full_name="Đinh " + "Văn " * 48 + "Dài")
    before = counts()
    with pytest.raises(households.HouseholdsBlocked) as blocked:
        start(world)
    db.session.rollback()
    assert set(blocked.value.fields) == {"038099004455"} and "dài quá" in blocked.value.message
    assert blocked.value.status == 422 and counts() == before


def test_a_list_that_changed_since_the_preview_is_shown_again(world, group):
    seen = households.plan(world.users["group_committee"], world.campaign.id, world.units["G1"].id,
                           "cultured_family").digest
    resident(world, "moi", "038099001122", full_name="Đinh Văn Mới")  # a new resident since the preview
    before = counts()
    with pytest.raises(Conflict) as changed:
        start(world, seen=seen)
    db.session.rollback()
    assert "đã thay đổi" in changed.value.message and counts() == before


def test_unknown_campaign_or_group_is_not_found(world, group):
    with pytest.raises(ServiceError) as unknown:
        households.start(world.users["group_committee"], 10**6, world.units["G1"].id, "cultured_family")
    assert unknown.value.status == 404


def test_next_year_a_household_title_renews_after_the_window_only_when_assessed_for_every_household(world):
    from tests.services.test_renew import next_year_campaign
    from workflow.services import renew

    cultured = world.dossier(State.RECOGNIZED, title=Title.CULTURED_FAMILY, subject_ref=HEAD_A)
    family = world.dossier(State.RECOGNIZED, subject_ref=HEAD_A, decision_number="02/QĐ-UBND")
    later = next_year_campaign(world, opens_in=-60, closes_in=-1)  # its registration closed yesterday
    assert renew.next_campaign(cultured).id == later.id and renew.next_campaign(family) is None
    new = renew.renew(world.users["group_committee"], cultured.id, later.id)
    db.session.commit()
    assert (new.campaign_id, new.state, new.title) == (later.id, State.REGISTERED, "cultured_family")
    with pytest.raises(Conflict) as closed:
        renew.renew(world.users["group_committee"], family.id, later.id)
    assert "nhận đăng ký từ" in closed.value.message
