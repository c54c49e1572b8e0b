"""Bulk steps through the same rules as one: every dossier through apply_transition, all or nothing, every
blocker named (scope, state, version, guard), one lock order; a race with a single step on the same dossier
leaves one winner and nothing half-written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditEvent, Dossier, User
from states.enums import State, Trigger
from workflow import limits
from workflow.extensions import db
from workflow.services import batch
from workflow.services import dossiers as dossier_service
from workflow.services.errors import ValidationFailed, VersionConflict


def event_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def item(dossier: Dossier, version: int | None = None) -> dict:
    return {"dossier_id": dossier.id, "version": dossier.version if version is None else version}


def test_all_or_nothing_with_every_blocker_named(world):
    good = world.dossier(State.REGISTERED)
    good_too = world.dossier(State.REGISTERED)
    wrong_state = world.dossier(State.SELF_ASSESSMENT)  # state: already accepted
    stale = world.dossier(State.REGISTERED)  # version: the page was opened before a change
    other_group = world.dossier(State.REGISTERED, group="G2")  # scope: committee of G1 does not see it
    committee = world.users["group_committee"]
    before = event_count()
    items = [item(good), item(wrong_state), item(stale, stale.version - 1), item(other_group), item(good_too)]
    with pytest.raises(batch.BatchBlocked) as refused:
        batch.apply_batch(committee, "accept", items)
    db.session.rollback()
    error = refused.value
    assert set(error.fields) == {str(wrong_state.id), str(stale.id), str(other_group.id)}
    assert error.status == 404 and error.code == "not_found"  # the first refusal: the one not found
    assert error.fields[str(other_group.id)] == "không tìm thấy hồ sơ"
    assert "Tự đánh giá tại tổ" in error.fields[str(wrong_state.id)]
    assert "đã được thay đổi bởi người khác" in error.fields[str(stale.id)]
    assert stale.tracking_code in error.message and other_group.tracking_code not in error.message
    assert event_count() == before
    assert [db.session.get(Dossier, d.id).state for d in (good, good_too, stale)] == [State.REGISTERED] * 3


def test_a_guard_blocks_by_its_reason_and_the_status_is_the_first_refusals(world):
    ready = world.dossier(State.PUBLIC_NOTICE)  # its notice has not run its course yet
    not_recommended = world.dossier(State.AWAITING_DECISION, approve=False)
    chairman = world.users["chairman"]
    with pytest.raises(batch.BatchBlocked) as refused:
        batch.apply_batch(chairman, "recognize", [item(not_recommended)], "",
                          {"decision_number": "09/QĐ-UBND", "signed_on": "2026-01-05"})
    db.session.rollback()
    assert refused.value.status == 422 and refused.value.code == "guard_failed"
    assert "không đề nghị công nhận" in refused.value.fields[str(not_recommended.id)]
    with pytest.raises(batch.BatchBlocked) as refused:  # not the chairman's step: 403, named too
        batch.apply_batch(chairman, "close_notice", [item(ready)])
    db.session.rollback()
    assert refused.value.status == 403 and str(ready.id) in refused.value.fields


def test_a_batch_moves_each_through_its_step_with_one_event(world):
    dossiers = [world.dossier(State.REGISTERED) for _ in range(3)]
    before = event_count()
    moved = batch.apply_batch(world.users["group_committee"], "accept", [item(d) for d in reversed(dossiers)],
                              "Đủ điều kiện tham gia")
    db.session.commit()
    assert [d.id for d in moved] == sorted(d.id for d in dossiers)  # one lock order: lowest id first
    assert event_count() == before + 3
    for dossier in dossiers:
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                                   .order_by(AuditEvent.seq.desc())).first()
        assert (event.trigger, event.comment, dossier.state) == ("accept", "Đủ điều kiện tham gia",
                                                                State.SELF_ASSESSMENT)


@pytest.mark.parametrize("items, field", [
    ([], "items"),
    ([{"dossier_id": 1, "version": 1}] * 2, "items[1].dossier_id"),
    ([{"dossier_id": "1", "version": None}], "items[0].version"),
    ([{"dossier_id": 2**31, "version": 1}], "items[0].dossier_id"),
    ("1,2", "items"),
    ([{"dossier_id": n, "version": 1} for n in range(1, limits.BATCH_MAX + 2)], "items"),
])
def test_a_malformed_batch_is_refused_by_field(world, items, field):
    with pytest.raises(ValidationFailed) as refused:
        batch.apply_batch(world.users["group_committee"], "accept", items)
    assert field in refused.value.fields


def test_an_unknown_trigger_is_refused(world):
    with pytest.raises(ValidationFailed) as refused:
        batch.apply_batch(world.users["group_committee"], "approve_all", [{"dossier_id": 1, "version": 1}])
    assert set(refused.value.fields) == {"trigger"}


def test_candidates_say_which_can_move_before_anything_is_sent(world):
    ready = world.dossier(State.REGISTERED)
    other_group = world.dossier(State.REGISTERED, group="G2")
    committee = world.users["group_committee"]
    found = {c.dossier.id: c for c in batch.candidates(committee, Trigger.ACCEPT)}
    assert set(found) == {ready.id} and found[ready.id].movable
    stuck = world.dossier(State.SELF_ASSESSMENT)
    found = {c.dossier.id: c for c in batch.candidates(committee, Trigger.SUBMIT_ASSESSMENT)}
    assert not found[stuck.id].movable and "chưa tự đánh giá đủ tiêu chí" in found[stuck.id].reasons[0]
    assert other_group.id not in found


# --- races ----------------------------------------------------------------------------------------------------


def test_a_single_step_first_then_the_batch_changes_nothing(world, monkeypatch):
    contested, bystander = world.dossier(State.REGISTERED), world.dossier(State.REGISTERED)
    contested_id, bystander_id = contested.id, bystander.id
    read = {contested_id: contested.version, bystander_id: bystander.version}  # the batch page was opened
    committee_id = world.users["group_committee"].id
    single, batched = Session(db.engine), Session(db.engine)
    try:
        monkeypatch.setattr(db, "session", single)
        dossier_service.apply_transition(single.get(User, committee_id), single.get(Dossier, contested_id),
                                         Trigger.REJECT_REGISTRATION, read[contested_id], "Trùng lặp")
        single.commit()
        monkeypatch.setattr(db, "session", batched)
        with pytest.raises(batch.BatchBlocked) as refused:
            batch.apply_batch(batched.get(User, committee_id), "accept",
                              [{"dossier_id": i, "version": v} for i, v in read.items()])
        batched.rollback()
    finally:
        single.close()
        batched.close()
    monkeypatch.undo()
    assert set(refused.value.fields) == {str(contested_id)}
    assert isinstance(refused.value.blocked[contested_id], VersionConflict)
    db.session.expire_all()
    assert db.session.get(Dossier, contested_id).state == State.REGISTRATION_REJECTED
    assert db.session.get(Dossier, bystander_id).state == State.REGISTERED
    triggers = db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.dossier_id.in_(read))).all()
    assert "accept" not in triggers and triggers.count("reject_registration") == 1


def test_the_batch_first_then_the_single_step_changes_nothing(world, monkeypatch):
    contested, bystander = world.dossier(State.REGISTERED), world.dossier(State.REGISTERED)
    contested_id, bystander_id = contested.id, bystander.id
    committee_id = world.users["group_committee"].id
    batched, single = Session(db.engine), Session(db.engine)
    try:
        opened = single.get(Dossier, contested_id)  # the single step's page, read before the batch
        version = opened.version
        monkeypatch.setattr(db, "session", batched)
        batch.apply_batch(batched.get(User, committee_id), "accept",
                          [item(batched.get(Dossier, i)) for i in (contested_id, bystander_id)])
        batched.commit()
        monkeypatch.setattr(db, "session", single)
        with pytest.raises(VersionConflict):
            dossier_service.apply_transition(single.get(User, committee_id), opened, Trigger.REJECT_REGISTRATION,
                                             version, "Trùng lặp")
        single.rollback()
    finally:
        batched.close()
        single.close()
    monkeypatch.undo()
    db.session.expire_all()
    assert {db.session.get(Dossier, i).state for i in (contested_id, bystander_id)} == {State.SELF_ASSESSMENT}
    triggers = db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.dossier_id == contested_id)).all()
    assert triggers.count("accept") == 1 and "reject_registration" not in triggers


def test_a_batch_and_a_single_step_at_the_same_moment_one_wins(app, world):
    first, contested = world.dossier(State.REGISTERED), world.dossier(State.REGISTERED)
    ids = (first.id, contested.id)
    versions = {first.id: first.version, contested.id: contested.version}
    committee_id, committee2 = world.users["group_committee"].id, "committee2"
    from tests.factories import add_role
    add_role(committee2, "group_committee@G1")  # a second member of the committee, on another screen
    db.session.commit()
    other_id = world.users[committee2].id
    db.session.remove()
    start, outcome = threading.Barrier(2), {}

    def run(name, action) -> None:
        with app.app_context():
            try:
                start.wait()
                action()
                db.session.commit()
                outcome[name] = "moved"
            except Exception as exc:  # the loser: refused, nothing of it written
                db.session.rollback()
                outcome[name] = type(exc).__name__
            finally:
                db.session.remove()

    def whole_batch():
        batch.apply_batch(db.session.get(User, committee_id), "accept",
                          [{"dossier_id": i, "version": versions[i]} for i in ids])

    def single_step():
        dossier_service.apply_transition(db.session.get(User, other_id), db.session.get(Dossier, contested.id),
                                         Trigger.REJECT_REGISTRATION, versions[contested.id], "Trùng lặp")

    threads = [threading.Thread(target=run, args=("batch", whole_batch)),
               threading.Thread(target=run, args=("single", single_step))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcome.values()).count("moved") == 1, outcome
    states = {i: db.session.get(Dossier, i).state for i in ids}
    triggers = db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.dossier_id.in_(ids))).all()
    if outcome["batch"] == "moved":
        assert states == {i: State.SELF_ASSESSMENT for i in ids} and "reject_registration" not in triggers
    else:
        assert states == {first.id: State.REGISTERED, contested.id: State.REGISTRATION_REJECTED}
        assert "accept" not in triggers
