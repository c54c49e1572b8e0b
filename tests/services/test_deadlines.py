"""Deadlines kept on the dossier row (issue 15): what the lists, the home pages and the statistics call "overdue"
follows every step, every change of the campaign's dates and every day the admin announces — and stays within
the caller's scope, a ward, a group or a province."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from models import Dossier, RoleAssignment, Unit
from states.enums import Role, State
from workflow.extensions import db
from workflow.services import calendar, campaigns
from workflow.services.deadlines import compute
from workflow.services.listing import dossier_query, local_today


def stored(dossier: Dossier) -> date | None:
    return db.session.scalar(select(Dossier.due_on).where(Dossier.id == dossier.id))


def overdue_ids(user) -> set[int]:
    return set(db.session.scalars(dossier_query(user, {"overdue": "true"}).with_only_columns(Dossier.id)))


def test_each_step_stores_the_new_stages_deadline_and_the_ward(world):
    for state, field in ((State.DRAFT, "registration_closes"), (State.SELF_ASSESSMENT, "assessment_due"),
                         (State.WARD_INSPECTION, "inspection_due"), (State.COUNCIL_REVIEW, "decision_due")):
        dossier = world.dossier(state)
        assert stored(dossier) == getattr(world.campaign, field), state
        assert dossier.ward_id == world.units["WARD"].id
    assert stored(world.dossier(State.RECOGNIZED)) is None  # an ended dossier is due nowhere
    waiting = world.dossier(State.AWAITING_DECISION)
    assert stored(waiting) == compute(waiting.state, world.campaign, waiting.state_changed_at)


def test_changing_the_campaigns_date_moves_its_open_dossiers_in_the_same_step(world):
    inspecting = world.dossier(State.WARD_INSPECTION)
    done = world.dossier(State.RECOGNIZED)
    later = world.campaign.inspection_due + timedelta(days=5)
    campaigns.update_campaign(world.users["admin"], world.campaign, {"inspection_due": later.isoformat()})
    db.session.commit()
    assert stored(inspecting) == later and stored(done) is None


def test_an_announced_day_off_moves_the_chairmans_working_days(world, frozen_clock):
    world.campaign.decision_due = local_today() + timedelta(days=200)
    world.campaign.decision_days = 10
    world.campaign.decision_working_days = True  # a province that counts them in working days
    waiting = world.dossier(State.AWAITING_DECISION)
    before = stored(waiting)
    assert before == calendar.count(calendar.local_date(waiting.state_changed_at), 10, True).ends_on
    off = before  # the last counted day becomes a day off: the period runs one working day further
    while calendar.library_day_off(off) is not None:
        off -= timedelta(days=1)
    calendar.add_day(world.users["admin"], {"date": off.isoformat(), "kind": "day_off", "name": "Nghỉ bù"})
    db.session.commit()
    assert stored(waiting) > before


def test_overdue_is_counted_within_the_callers_scope(world, frozen_clock):
    late = world.dossier(State.WARD_INSPECTION)
    on_time = world.dossier(State.SELF_ASSESSMENT)
    world.campaign.inspection_due = local_today() - timedelta(days=2)
    world.campaign.assessment_due = local_today() + timedelta(days=30)
    db.session.commit()
    assert overdue_ids(world.users["auditor"]) == {late.id}  # the ward's auditor
    assert overdue_ids(world.users["outsider_auditor"]) == set()  # the next ward's sees none of it
    assert on_time.id not in overdue_ids(world.users["chairman"])

    province = db.session.get(Unit, world.units["WARD"].parent_id)  # a role above the wards reads every ward
    reader = world.users["outsider_auditor"]
    reader.roles.append(RoleAssignment(role=Role.AUDITOR.value, unit=province))
    db.session.commit()
    assert overdue_ids(reader) == {late.id}
    assert db.session.scalar(select(func.count()).select_from(
        dossier_query(reader, {"unit_id": str(world.units["G2"].id)}).subquery())) == 0
