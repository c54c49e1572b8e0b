"""Two people acting on the same dossier at the same moment: the database's optimistic lock lets one step
through and refuses the other with version_conflict — nothing half-written, one audit event."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditEvent, Dossier, User
from states.enums import State, Trigger
from workflow.extensions import db
from workflow.services import dossiers as dossier_service
from workflow.services.errors import VersionConflict


def test_the_slower_of_two_simultaneous_steps_is_refused(world, monkeypatch):
    dossier = world.dossier(State.REGISTERED)
    dossier_id, version = dossier.id, dossier.version
    committee_id = world.users["group_committee"].id

    # Both requests read the dossier at the same version before either writes.
    first, second = Session(db.engine), Session(db.engine)
    try:
        mine = first.get(Dossier, dossier_id)
        theirs = second.get(Dossier, dossier_id)
        assert mine.version == theirs.version == version

        monkeypatch.setattr(db, "session", first)
        dossier_service.apply_transition(first.get(User, committee_id), mine, Trigger.ACCEPT, version)
        first.commit()

        monkeypatch.setattr(db, "session", second)
        with pytest.raises(VersionConflict):
            dossier_service.apply_transition(second.get(User, committee_id), theirs, Trigger.REJECT_REGISTRATION,
                                             version, "Trùng lặp")
        second.rollback()
    finally:
        first.close()
        second.close()
    monkeypatch.undo()

    db.session.expire_all()
    assert db.session.get(Dossier, dossier_id).state == State.SELF_ASSESSMENT
    triggers = db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.dossier_id == dossier_id)
                                  .order_by(AuditEvent.seq)).all()
    assert triggers[-1] == "accept" and "reject_registration" not in triggers
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == dossier_id)) == 3


def test_simultaneous_votes_all_land_and_the_chain_stays_whole(app, world):
    import threading

    from workflow.services import audit, records

    dossier = world.dossier(State.COUNCIL_REVIEW)
    dossier_id = dossier.id
    members = [world.users[f"council{n}"].id for n in range(1, 6)]
    db.session.remove()
    start, errors = threading.Barrier(len(members)), []

    def vote(user_id: int) -> None:
        with app.app_context():
            try:
                voter = db.session.get(User, user_id)
                target = db.session.get(Dossier, dossier_id)
                start.wait()
                records.cast_vote(voter, target, "approve")
                db.session.commit()
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vote, args=(user_id,)) for user_id in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    events = audit.stream_events(f"dossier:{dossier_id}")
    assert [e.trigger for e in events].count("vote_cast") == len(members)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert audit.check_chain(events) == []


def test_a_vote_that_arrives_after_the_review_closed_is_refused(world, monkeypatch):
    from workflow.services import records
    from workflow.services.errors import InvalidTransition

    dossier = world.dossier(State.COUNCIL_REVIEW)
    for n in range(1, 5):
        records.cast_vote(world.users[f"council{n}"], dossier, "approve")
    db.session.commit()
    late_session = Session(db.engine)
    try:
        late_copy = late_session.get(Dossier, dossier.id)  # the late voter opened the page before the close
        assert late_copy.state == State.COUNCIL_REVIEW
        dossier_service.apply_transition(world.users["council_secretary"], dossier, Trigger.CLOSE_REVIEW,
                                         dossier.version)
        db.session.commit()
        monkeypatch.setattr(db, "session", late_session)
        with pytest.raises(InvalidTransition):
            records.cast_vote(late_session.get(User, world.users["council5"].id), late_copy, "reject")
        late_session.rollback()
    finally:
        late_session.close()
    monkeypatch.undo()
    db.session.expire_all()
    assert len(db.session.get(Dossier, dossier.id).votes) == 4
