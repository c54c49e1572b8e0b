"""A step over a set of dossiers (services/step_sets.py): each dossier judged as it would be alone — the same
refusals, the same event — but read and written once for the set: one event per dossier, each one link of a valid
chain, all or nothing, and a number of statements that does not grow with the set."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from models import AuditEvent, Decision, Dossier, Notification, Vote
from states import effects
from states.enums import Recommendation, State, Trigger, VoteChoice
from workflow import clock
from workflow.extensions import db
from workflow.services import batch, deadlines, meetings, records, seals
from workflow.services.decisions import record_decision
from workflow.services.dossiers import apply_transition
from workflow.services.facts import DossierFacts
from workflow.services.step_sets import SetFacts
from workflow.services.walkthrough import Timeline, full_assessment, full_inspection, morning_after


@contextmanager
def statements():
    """Every statement sent to the database (one per cursor execution), and whether it was an executemany."""
    sent: list[tuple[str, bool]] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append((" ".join(statement.split()), executemany))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def events_of(dossier: Dossier) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                                   .order_by(AuditEvent.seq)))


def all_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def items(dossiers) -> list[dict]:
    return [{"dossier_id": d.id, "version": d.version} for d in dossiers]


def walked_in_sets(world, count: int) -> list[Dossier]:
    """`count` dossiers of group 1 walked to awaiting a decision: every step taken for all of them at once (one
    batch per step, one request each), the records (assessment, inspection, votes) one by one as people enter them."""
    cast = world.cast("G1")
    dossiers = [world.dossier(State.DRAFT) for _ in range(count)]
    timeline = Timeline(clock.now() - timedelta(days=29))

    def step(actor, trigger: Trigger, at=None, comment: str = "") -> None:
        moved = batch.apply_batch(actor, trigger.value, items(dossiers), comment, now=at or timeline.next())
        db.session.commit()
        assert [d.id for d in moved] == sorted(d.id for d in dossiers)

    step(cast.applicant, Trigger.SUBMIT)
    step(cast.committee, Trigger.ACCEPT)
    when = timeline.next()
    for dossier in dossiers:
        meeting = meetings.meeting_of(dossier.unit_id, dossier.campaign_id)
        held_on = meeting.held_on if meeting is not None else when.date()
        records.save_assessment(cast.committee, dossier, full_assessment(dossier, held_on=held_on), now=when)
    db.session.commit()
    step(cast.committee, Trigger.SUBMIT_ASSESSMENT)
    step(cast.inspector, Trigger.CLOSE_NOTICE, timeline.past(morning_after(max(d.notice_ends_on for d in dossiers))))
    when = timeline.next()
    for dossier in dossiers:
        records.save_inspection(cast.inspector, dossier, full_inspection(dossier, Recommendation.PASS), now=when)
    db.session.commit()
    step(cast.inspector, Trigger.COMPLETE_INSPECTION)
    when = timeline.next()
    for dossier in dossiers:
        for member in cast.council:
            records.cast_vote(member, dossier, VoteChoice.APPROVE.value, "", now=when)
    db.session.commit()
    step(cast.secretary, Trigger.CLOSE_REVIEW)
    return dossiers


def decide(chairman, ids: list[int], number: str, today) -> Decision:
    decision = record_decision(chairman, {"number": number, "signed_on": today.isoformat(), "outcome": "recognize",
                                          "dossier_ids": ids, "comment": "Công nhận"})
    db.session.commit()
    return decision


def test_a_set_walks_every_step_and_one_decision_writes_one_link_per_dossier(world, frozen_clock):
    dossiers = walked_in_sets(world, 40)
    for dossier in dossiers:  # each step of the walk: one event per dossier, and the deadline of its stage stored
        assert [e.trigger for e in events_of(dossier) if e.to_state] == [
            "created", "submit", "accept", "submit_assessment", "close_notice", "complete_inspection",
            "close_review"]
        assert dossier.state == State.AWAITING_DECISION and dossier.council_recommended is True
        assert (dossier.ward_id, dossier.due_on) == (world.campaign.unit_id, deadlines.compute(
            dossier.state, world.campaign, dossier.state_changed_at))
    chairman, today = world.users["chairman"], frozen_clock.now().date()
    blocker = world.dossier(State.AWAITING_DECISION, approve=False)  # the council did not recommend it
    ids = [d.id for d in dossiers]
    before = (all_events(), {d.id: (d.state, d.version) for d in dossiers})

    with pytest.raises(batch.BatchBlocked) as refused:  # one refused: nothing changes, only it is named
        decide(chairman, [*ids, blocker.id], "7/QĐ-UBND", today)
    db.session.rollback()
    assert set(refused.value.fields) == {str(blocker.id)} and refused.value.status == 422
    assert "không đề nghị công nhận" in refused.value.fields[str(blocker.id)]
    db.session.expire_all()
    assert (all_events(), {d.id: (d.state, d.version) for d in dossiers}) == before
    assert db.session.scalar(select(func.count(Decision.id))) == 0

    with statements() as few:
        decide(chairman, ids[:8], "8/QĐ-UBND", today)
    with statements() as many:
        decision = decide(chairman, ids[8:], "9/QĐ-UBND", today)
    # Four times the dossiers, no more statements: the set is read and written in statements of the set.
    assert len(many) <= len(few) + 2, "\n".join(s for s, _ in many)
    if db.engine.dialect.name == "postgresql":  # and each is one statement: no executemany of one per row
        assert not [s for s, executemany in many if executemany]

    db.session.expire_all()
    codes = set()
    for dossier in dossiers:
        last = events_of(dossier)[-1]
        assert (dossier.state, last.trigger, last.from_state, last.to_state, last.actor, last.role) == (
            State.RECOGNIZED, "recognize", "awaiting_decision", "recognized", "chairman", "chairman")
        number = "8/QĐ-UBND" if dossier in dossiers[:8] else "9/QĐ-UBND"
        assert last.data == {"decision_number": number, "signed_on": today.isoformat(),
                             "decision_id": dossier.decision_id, "certificate_code": dossier.certificate_code,
                             "certificate_number": dossier.certificate_number}
        assert [e.seq for e in events_of(dossier)] == list(range(1, len(events_of(dossier)) + 1))
        codes.add(dossier.certificate_code)
    assert len(codes) == 40 and sorted(d.id for d in decision.dossiers) == sorted(ids[8:])
    # The ward's register of certificates, in the order issued: the first decision's eight, then the next 32.
    assert [d.certificate_number for d in sorted(dossiers, key=lambda d: (d not in dossiers[:8], d.id))] == list(
        range(1, 41))
    told = db.session.scalars(select(Notification.dossier_id).where(Notification.text.contains("Chúc mừng")))
    assert sorted(told) == sorted(d.id for d in dossiers)  # the applicant of each, through the outbox
    report = seals.verify_all()
    assert report.valid, report.broken


def test_set_facts_answer_as_each_dossier_asks_alone(world, frozen_clock):
    cast, now = world.cast("G1"), frozen_clock.now()
    fresh = world.dossier(State.SELF_ASSESSMENT)
    returned = world.dossier(State.WARD_INSPECTION, group="G2")  # its group records nothing after the return
    revised = world.dossier(State.WARD_INSPECTION)
    apply_transition(cast.inspector, revised, Trigger.RETURN_TO_GROUP, revised.version, "Bổ sung minh chứng")
    records.save_assessment(cast.committee, revised, full_assessment(revised), now=now)
    on_notice = world.dossier(State.PUBLIC_NOTICE)
    for text in ("Chưa đúng", "Đã đúng"):
        records.record_objection(cast.inspector, on_notice, text, now=now)
    records.answer_objection(cast.inspector, on_notice, on_notice.objections[1].id, "Đúng vậy", True, now=now)
    twin_a = world.dossier(State.DRAFT, subject_ref="HK-TWIN")
    twin_b = world.dossier(State.REGISTERED, subject_ref="hk-twin ")
    in_council = world.dossier(State.COUNCIL_REVIEW)
    records.cast_vote(world.users["council1"], in_council, "reject", "", now=now)
    apply_transition(cast.inspector, returned, Trigger.RETURN_TO_GROUP, returned.version, "Bổ sung minh chứng")
    db.session.commit()
    dossiers = [fresh, returned, revised, on_notice, twin_a, twin_b, in_council,
                world.dossier(State.AWAITING_DECISION)]
    db.session.expire_all()
    alone = {d.id: DossierFacts(d) for d in dossiers}
    together = SetFacts(dossiers)
    questions = ("criteria_codes", "assessed_codes", "inspected_codes", "disqualifiers", "live_duplicates",
                 "open_objections", "upheld_objections", "council_size", "returned_unrevised", "vote_counts",
                 "notice_ends_on")
    for dossier in dossiers:
        facts = together.context(dossier, now).facts
        for question in questions:
            assert getattr(facts, question)() == getattr(alone[dossier.id], question)(), (dossier.state, question)
        assert (facts.meeting() is None) == (alone[dossier.id].meeting() is None)
    assert together.returned_unrevised(returned) is True and together.returned_unrevised(revised) is False
    assert together.objections(on_notice) == (1, 1) and together.live_duplicates(twin_a) == 1


def test_the_sets_own_dossiers_count_as_they_moved_before_each_asks(world):
    first = world.dossier(State.DRAFT, subject_ref="HK-777")
    second = world.dossier(State.DRAFT, subject_ref="hk-777")  # the same household, registered twice
    before = all_events()
    with pytest.raises(batch.BatchBlocked) as refused:  # alone, the first goes; then the second meets it
        batch.apply_batch(world.users["applicant"], "submit", items([second, first]))
    db.session.rollback()
    assert set(refused.value.fields) == {str(second.id)}
    assert "đã có một hồ sơ khác" in refused.value.fields[str(second.id)]
    db.session.expire_all()
    assert (first.state, second.state, all_events()) == (State.DRAFT, State.DRAFT, before)


def test_sending_a_set_back_clears_each_ones_votes(world):
    dossiers = [world.dossier(State.AWAITING_DECISION) for _ in range(2)]
    moved = batch.apply_batch(world.users["chairman"], "send_back", items(dossiers), "Xét lại tiêu chí 3")
    db.session.commit()
    db.session.expire_all()
    assert [d.state for d in moved] == [State.COUNCIL_REVIEW] * 2 and all(d.council_recommended is None
                                                                          for d in dossiers)
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.dossier_id.in_([d.id for d in dossiers]))) == 0
    assert [events_of(d)[-1].data for d in dossiers] == [{"cleared_votes": 6}] * 2
    assert seals.verify_all().valid


def test_a_drawn_certificate_code_that_is_taken_is_drawn_again(world, frozen_clock, monkeypatch):
    held = world.dossier(State.RECOGNIZED)
    dossiers = [world.dossier(State.AWAITING_DECISION) for _ in range(3)]
    monkeypatch.setattr(effects, "new_certificate_code", lambda year: held.certificate_code)  # every draw collides
    decide(world.users["chairman"], [d.id for d in dossiers], "10/QĐ-UBND", frozen_clock.now().date())
    db.session.expire_all()
    codes = [d.certificate_code for d in dossiers]
    assert len({held.certificate_code, *codes}) == 4
    assert [events_of(d)[-1].data["certificate_code"] for d in dossiers] == codes
    assert seals.verify_all().valid
