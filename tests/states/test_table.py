"""The table is the one definition: the shared machine, the diagram and the audit rules follow from it."""

import pytest
from sqlalchemy import select

from models import AuditEvent
from models.audit import AuditImmutable
from states import machine as machine_module
from states.enums import State, Trigger
from states.machine import fire, machine, mermaid
from states.table import RULES, TABLE
from workflow.extensions import db


def test_one_shared_machine_without_back_doors():
    assert machine.models == []  # dossiers are dispatched, never attached for good
    assert set(machine.events) == {t.value for t in Trigger}
    assert not any(name.startswith("to_") for name in machine.events)
    assert machine_module.machine is machine


def test_the_machine_moves_only_along_the_table():
    class Plain:
        state = State.REGISTERED.value

    dossier = Plain()
    with pytest.raises(machine_module.TransitionNotPossible):
        fire(dossier, Trigger.RECOGNIZE, ctx=None)
    assert dossier.state == State.REGISTERED


def test_the_diagram_is_drawn_from_the_table():
    diagram = mermaid()
    for rule in TABLE:
        for source in rule.sources:
            assert f"{source.value} --> {rule.dest.value}: {rule.trigger.value}" in diagram
    assert diagram.count("-->") == sum(len(rule.sources) for rule in TABLE) + 1


def test_reasons_are_required_where_domain_says_so():
    required = {t for t, rule in RULES.items() if rule.comment_required}
    assert required == {Trigger.REJECT_REGISTRATION, Trigger.RETURN_TO_GROUP, Trigger.REFUSE, Trigger.SEND_BACK,
                        Trigger.REVOKE}


def test_audit_events_refuse_updates_and_deletes(world):
    world.dossier(State.REGISTERED)
    event = db.session.scalars(select(AuditEvent).limit(1)).one()
    event.comment = "viết lại lịch sử"
    with pytest.raises(AuditImmutable):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent).limit(1)).one()
    db.session.delete(event)
    with pytest.raises(AuditImmutable):
        db.session.flush()
    db.session.rollback()
