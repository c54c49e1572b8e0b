"""The public progress of a campaign (công khai tiến độ, issue 9): the dossiers at each step today, those past the
step's deadline, and for every step already taken whether it was taken by its deadline; one ward's campaign only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from states.enums import State
from workflow.extensions import db
from workflow.services import progress
from workflow.services.listing import local_today

pytestmark = pytest.mark.usefixtures("app")


def test_steps_taken_late_and_dossiers_late_today_are_counted_per_step(world):
    for state in (State.RECOGNIZED, State.WARD_INSPECTION, State.SELF_ASSESSMENT):
        world.dossier(state)
    world.dossier(State.WITHDRAWN)  # withdrawn from its draft: never in the ward's hands, not counted at all
    world.dossier(State.DRAFT)
    other_ward = world.dossier(State.PUBLIC_NOTICE)
    other_ward.campaign_id = world.campaign2.id
    # The group's deadline moved back before anyone left registration or self-assessment: those steps were late,
    # and the dossier still self-assessing is late today. The ward's later deadlines were met.
    world.campaign.assessment_due = local_today() - timedelta(days=40)
    db.session.commit()

    found = progress.progress(world.campaign)
    steps = {s.state: s for s in found.steps}
    assert [s.state for s in found.steps] == [State.REGISTERED, State.SELF_ASSESSMENT, State.PUBLIC_NOTICE,
                                              State.WARD_INSPECTION, State.COUNCIL_REVIEW, State.AWAITING_DECISION]
    assert found.total == 3
    assert found.endings[State.RECOGNIZED] == 1 and found.endings[State.WITHDRAWN] == 0
    assert found.endings[State.NOT_RECOGNIZED] == 0
    # left registration: the three that went on; none by the moved deadline
    registered = steps[State.REGISTERED]
    assert (registered.done, registered.done_on_time, registered.now) == (3, 0, 0)
    assert (steps[State.SELF_ASSESSMENT].now, steps[State.SELF_ASSESSMENT].now_late) == (1, 1)
    assert (steps[State.SELF_ASSESSMENT].done, steps[State.SELF_ASSESSMENT].done_on_time) == (2, 0)
    assert (steps[State.PUBLIC_NOTICE].done, steps[State.PUBLIC_NOTICE].done_on_time) == (2, 2)
    assert (steps[State.WARD_INSPECTION].now, steps[State.WARD_INSPECTION].now_late) == (1, 0)
    assert (steps[State.WARD_INSPECTION].done, steps[State.WARD_INSPECTION].on_time) == (1, 1.0)
    assert steps[State.AWAITING_DECISION].done_on_time == 1
    assert (found.done, found.done_on_time, found.on_time) == (10, 5, 0.5)
    assert (found.in_hand, found.late_now) == (2, 1)


def test_a_dossier_sent_back_counts_each_stay_at_the_step(world):
    from states.enums import Trigger
    from workflow import clock
    from workflow.services.walkthrough import step

    dossier = world.dossier(State.WARD_INSPECTION)
    step(world.users["ward_inspector"], dossier, Trigger.RETURN_TO_GROUP, clock.now(), "Xác minh lại tiêu chí 3")
    db.session.commit()
    found = {s.state: s for s in progress.progress(world.campaign).steps}
    assert found[State.WARD_INSPECTION].done == 1 and found[State.WARD_INSPECTION].now == 0
    back = State(dossier.state)
    assert found[back].now == 1 and found[back].done >= 1


def test_a_campaign_without_dossiers_has_no_share(world):
    found = progress.progress(world.campaign2)
    assert found.total == 0 and found.on_time is None and all(s.now == 0 for s in found.steps)


def test_a_resident_who_withdraws_ends_no_step_of_the_wards(world):
    from states.enums import Trigger
    from workflow import clock
    from workflow.services.walkthrough import step

    dossier = world.dossier(State.SELF_ASSESSMENT)
    step(world.users["applicant"], dossier, Trigger.WITHDRAW, clock.now(), "Gia đình chuyển đi nơi khác")
    db.session.commit()
    found = progress.progress(world.campaign)
    steps = {s.state: s for s in found.steps}
    assert (found.total, found.endings[State.WITHDRAWN]) == (1, 1)
    assert steps[State.REGISTERED].done == 1  # the committee accepted it: the ward's step
    assert (steps[State.SELF_ASSESSMENT].done, steps[State.SELF_ASSESSMENT].now) == (0, 0)


def test_a_share_just_under_all_is_not_shown_as_all(client, world):
    from workflow.services.progress import Progress, Step

    page = Progress(world.campaign, local_today(), total=1, steps=[Step(State.REGISTERED, done=250, done_on_time=249)])
    assert page.on_time == 249 / 250
    from flask import render_template

    with client.application.test_request_context("/public/progress"):
        html = render_template("public/progress.html", campaigns=[], found=page)
    assert "<strong>99%</strong>" in html and "100%" not in html


# --- the figures do not depend on how they are computed ------------------------------------------------------------

def figures_one_dossier_at_a_time(campaign, now):
    """The figures as the page made them before it counted in the database: each dossier's history read in Python,
    a deadline per stay (kept here as the reference the aggregate must agree with)."""
    from collections import defaultdict

    from sqlalchemy import select

    from models import AuditEvent, Dossier
    from workflow.services import calendar

    today = calendar.local_date(now)
    steps = {s: progress.Step(s) for s in progress.STEPS}
    stays = defaultdict(list)
    rows = db.session.execute(
        select(AuditEvent.dossier_id, AuditEvent.to_state, AuditEvent.at)
        .join(Dossier, Dossier.id == AuditEvent.dossier_id)
        .where(Dossier.campaign_id == campaign.id, AuditEvent.to_state.is_not(None))
        .order_by(AuditEvent.dossier_id, AuditEvent.seq))
    for dossier_id, to_state, at in rows:
        stays[dossier_id].append((State(to_state), at))
    total, endings = 0, dict.fromkeys(progress.ENDINGS, 0)
    for history in stays.values():
        if not any(state in steps for state, _at in history):
            continue
        total += 1
        if history[-1][0] in endings:
            endings[history[-1][0]] += 1
        for (state, entered), following in zip(history, [*history[1:], None], strict=True):
            if state not in steps:
                continue
            last_day = progress.deadline(campaign, state, calendar.local_date(entered))
            step = steps[state]
            if following is None:
                step.now += 1
                step.now_late += last_day < today
            elif following[0] != State.WITHDRAWN:
                step.done += 1
                step.done_on_time += calendar.local_date(following[1]) <= last_day
    return total, [steps[s] for s in progress.STEPS], endings


def test_the_figures_are_those_counted_dossier_by_dossier_in_every_state(world, frozen_clock):
    from states.enums import Title, Trigger
    from workflow import clock
    from workflow.services.walkthrough import step

    # Dossiers in every state, of both groups and the agency, started 17 hours apart: their steps fall at every
    # hour of the day, so a step near midnight in Vietnam (the previous day in UTC) is counted on the right day.
    made = []
    for n, state in enumerate([*State, *State]):
        frozen_clock.advance(hours=17)
        group = "G2" if n % 3 == 2 else "G1"
        title = Title.MODEL_AGENCY if group == "G1" and n % 5 == 4 else Title.MODEL_FAMILY
        made.append(world.dossier(state, title=title, group=group, approve=n % 4 != 1,
                                  decision_number=f"{n + 1}/QĐ-UBND"))
    sent_back = world.dossier(State.WARD_INSPECTION)
    step(world.users["ward_inspector"], sent_back, Trigger.RETURN_TO_GROUP, clock.now(), "Xác minh lại tiêu chí 3")
    gone = world.dossier(State.PUBLIC_NOTICE)
    step(world.users["applicant"], gone, Trigger.WITHDRAW, clock.now(), "Gia đình chuyển đi nơi khác")
    elsewhere = world.dossier(State.COUNCIL_REVIEW)
    elsewhere.campaign_id = world.campaign2.id
    db.session.commit()

    campaign, now = world.campaign, clock.now()
    today = local_today()
    checked = 0
    for decision_days in (0, 1, 4, 10):
        for shift in range(-36, 3, 3):
            # Deadlines that pass through the weeks the dossiers moved in, so steps fall either side of them.
            campaign.assessment_due = today + timedelta(days=shift - 6)
            campaign.inspection_due = today + timedelta(days=shift)
            campaign.decision_due = today + timedelta(days=shift + 4)
            campaign.decision_days = decision_days
            found = progress.progress(campaign, now)
            total, steps, endings = figures_one_dossier_at_a_time(campaign, now)
            assert (found.total, found.steps, found.endings) == (total, steps, endings), (decision_days, shift)
            checked += sum(s.done + s.now for s in steps)
    # Never registered: the drafts and those withdrawn from their draft; the one sent back and the one withdrawn
    # from the notice were.
    assert checked and found.total == sum(d.state not in (State.DRAFT, State.WITHDRAWN) for d in made) + 2
    # Every state was reached and counted somewhere: the world is the one the test says it is.
    assert {State(d.state) for d in made} == set(State)
    assert all(found.endings[s] for s in progress.ENDINGS)
    assert all(s.now or s.done for s in found.steps)
