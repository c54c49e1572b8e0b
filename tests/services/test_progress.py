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
