"""“Việc cần làm” at a province's size (issue 15): each section lists the most urgent few in the order a person would
work them and counts the rest up to a limit ("hơn 500"), with the same statements whether a queue holds two dossiers
or two thousand; what is not waiting for this person (their vote already cast, their own household) is not counted."""

from __future__ import annotations

from datetime import timedelta

from states.enums import State, Trigger
from tests.factories import add_users
from tests.statements import counting
from workflow.extensions import db
from workflow.services import records, work
from workflow.services.dossiers import apply_transition
from workflow.services.listing import local_today
from workflow.services.walkthrough import full_assessment


def html(response) -> str:
    return response.get_data(as_text=True)


def section(user, key: str):
    return next((s for s in work.my_work(user) if s.key == key), None)


def test_a_queue_lists_the_most_urgent_first_and_counts_the_rest_up_to_its_limit(client, auth, world, monkeypatch):
    made = [world.dossier(State.REGISTERED) for _ in range(4)]
    world.campaign.assessment_due = local_today() - timedelta(days=2)  # every registration is late
    db.session.commit()
    monkeypatch.setattr(work, "SHOWN", 2)
    monkeypatch.setattr(work, "COUNT_LIMIT", 3)
    registrations = section(world.users["group_committee"], "registrations")
    assert [item.dossier.id for item in registrations.items] == [made[0].id, made[1].id]  # the oldest change first
    assert registrations.count == 4 and registrations.marks["overdue"] == 4  # counted up to 3 + 1
    auth.login("group_committee")
    page = html(client.get("/")).split('id="work-registrations"', 1)[1].split("</article>", 1)[0]
    assert '<span class="count" aria-label="số hồ sơ">hơn 3</span>' in page and "hơn 3 quá hạn" in page
    assert made[0].subject_name in page and made[2].subject_name not in page


def test_the_most_urgent_deadline_comes_before_an_older_change(world, monkeypatch):
    first, second = world.dossier(State.REGISTERED), world.dossier(State.REGISTERED)
    second.due_on = local_today() - timedelta(days=1)  # as if its stage had a deadline of its own
    db.session.commit()
    monkeypatch.setattr(work, "SHOWN", 1)
    registrations = section(world.users["group_committee"], "registrations")
    assert [item.dossier.id for item in registrations.items] == [second.id] and registrations.count == 2
    assert registrations.marks["overdue"] == 1 and first.id


def test_a_vote_cast_and_one_s_own_household_are_not_waiting(world):
    add_users(world, {"council_neighbour": ["council_member@WARD"]}, {"council_neighbour": "038090001234"})
    voted, waiting = world.dossier(State.COUNCIL_REVIEW), world.dossier(State.COUNCIL_REVIEW)
    own = world.dossier(State.COUNCIL_REVIEW, subject_ref="038090001234")
    member = world.dossier(State.COUNCIL_REVIEW, members=[
        {"name": "Lê Thị Hàng Xóm", "personal_id": "038090001234", "relation": "con"}])
    records.cast_vote(world.users["council_neighbour"], voted, "approve", "")
    db.session.commit()
    votes = section(world.users["council_neighbour"], "votes")
    assert [item.dossier.id for item in votes.items] == [waiting.id] and votes.count == 1
    others = section(world.users["council1"], "votes")
    assert {item.dossier.id for item in others.items} == {voted.id, waiting.id, own.id, member.id}


def test_the_secretary_sees_each_listed_review_s_turnout(world):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    for name in ("council1", "council2"):
        records.cast_vote(world.users[name], dossier, "approve", "")
    db.session.commit()
    reviews = section(world.users["council_secretary"], "reviews")
    assert [item.progress for item in reviews.items] == ["2/6"]


def test_a_dossier_sent_back_is_counted_and_listed_first_within_its_deadline(world):
    back = world.dossier(State.PUBLIC_NOTICE)
    apply_transition(world.users["ward_inspector"], back, Trigger.RETURN_TO_GROUP, back.version,
                     "Thiếu biên bản họp tổ")
    db.session.commit()
    later = world.dossier(State.SELF_ASSESSMENT)  # other dossiers' steps after the return change nothing
    moved_on = world.dossier(State.PUBLIC_NOTICE)  # returned once, then sent on again: no longer "sent back"
    apply_transition(world.users["ward_inspector"], moved_on, Trigger.RETURN_TO_GROUP, moved_on.version, "Thiếu ảnh")
    db.session.commit()
    records.save_assessment(world.users["group_committee"], moved_on, full_assessment(moved_on, held_on=local_today()))
    apply_transition(world.users["group_committee"], moved_on, Trigger.SUBMIT_ASSESSMENT, moved_on.version,
                     "Đã bổ sung ảnh")
    db.session.commit()
    assessments = section(world.users["group_committee"], "assessments")
    assert [item.dossier.id for item in assessments.items] == [back.id, later.id]
    assert assessments.marks["returned"] == 1 and assessments.items[0].returned is not None


def _statements(user) -> int:
    db.session.expire_all()
    with counting() as sent:
        work.my_work(user)
        work.oversight(user)
    return len(sent)


def test_the_home_page_s_statements_do_not_grow_with_the_queues(world):
    world.dossier(State.REGISTERED)
    world.dossier(State.COUNCIL_REVIEW)
    committee, secretary, chairman = (world.users[n] for n in ("group_committee", "council_secretary", "chairman"))
    before = {user.username: _statements(user) for user in (committee, secretary, chairman)}
    for _ in range(3):
        world.dossier(State.REGISTERED)
    world.dossier(State.COUNCIL_REVIEW)
    after = {user.username: _statements(user) for user in (committee, secretary, chairman)}
    assert all(after[name] <= before[name] for name in before), (before, after)  # (a calendar read is kept)
