"""The ward's registers (issue 16): a decision's number is used once a year per symbol — read however it is typed,
a second use a 409 naming the earlier paper, a malformed one a 422 naming the field, the same number next year
allowed — and the certificates' Số vào sổ runs 1, 2, 3… per ward and year in the order issued, one by one or a
whole decision at once, never reused, a revoked one keeping its number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import AuditEvent, CertificateRegister, Decision
from states.enums import State
from workflow import clock
from workflow.extensions import db
from workflow.numbers import parse_number
from workflow.services import decisions
from workflow.services.dossiers import apply_transition
from workflow.services.errors import Conflict, ValidationFailed
from workflow.services.register import take_numbers


@pytest.mark.parametrize(("typed", "text", "serial", "symbol"), [
    ("135/QĐ-UBND", "135/QĐ-UBND", 135, "QĐ-UBND"),
    (" 05 / qđ-ubnd ", "05/QĐ-UBND", 5, "QĐ-UBND"),  # the zeros stay as printed, the serial is 5
    ("12/TB–UBND", "12/TB-UBND", 12, "TB-UBND"),  # an en dash typed for the hyphen
    ("Số: 7/QĐ-CT", "7/QĐ-CT", 7, "QĐ-CT"),
])
def test_a_number_is_read_however_it_is_typed(typed, text, serial, symbol):
    number = parse_number(typed)
    assert (number.text, number.serial, number.symbol) == (text, serial, symbol)


@pytest.mark.parametrize("typed", ["", "BAD", "135", "/QĐ-UBND", "0/QĐ-UBND", "1.5/QĐ", "12/QĐ_UBND", "12/QĐ--UBND",
                                   "1234567/QĐ-UBND", "12/QĐ-UBND/2026", None])
def test_a_malformed_number_is_none(typed):
    assert parse_number(typed) is None


def decide(world, number: str, signed_on: date, count: int = 1, outcome: str = "recognize", **extra):
    listed = [world.dossier(State.AWAITING_DECISION) for _ in range(count)]
    decision = decisions.record_decision(world.users["chairman"], {
        "number": number, "signed_on": signed_on.isoformat(), "outcome": outcome,
        "dossier_ids": [d.id for d in listed], **extra})
    db.session.commit()
    return decision, listed


def test_a_number_twice_in_a_year_is_a_conflict_naming_the_earlier_decision(world):
    today = clock.now().date()
    first, _ = decide(world, "45/QĐ-UBND", today)
    other = world.dossier(State.AWAITING_DECISION)
    for typed in ("45/QĐ-UBND", "045/qđ-ubnd", " 45 / QĐ-UBND"):
        with pytest.raises(Conflict) as refused:
            decisions.record_decision(world.users["chairman"], {
                "number": typed, "signed_on": today.isoformat(), "outcome": "recognize", "dossier_ids": [other.id]})
        db.session.rollback()
        assert str(refused.value) == (f"Số {parse_number(typed).text} đã dùng cho Quyết định công nhận ngày "
                                      f"{first.signed_on:%d/%m/%Y}.")
        assert set(refused.value.fields) == {"number"}
    # Another symbol is another register line; so is a different serial.
    decide(world, "45/QĐ-CT", today)
    decide(world, "46/QĐ-UBND", today)
    assert db.session.scalar(select(Decision.number_serial).where(Decision.id == first.id)) == 45


def test_the_same_number_next_year_is_another_paper(world):
    last_year = date(clock.now().year - 1, 12, 20)
    old, (earlier,) = decide(world, "45/QĐ-UBND", last_year)
    new, (later,) = decide(world, "45/QĐ-UBND", clock.now().date())
    assert old.id != new.id and (old.number_year, new.number_year) == (last_year.year, clock.now().year)
    # Each year's register of certificates starts at 1.
    assert (earlier.certificate_year, earlier.certificate_number) == (last_year.year, 1)
    assert (later.certificate_year, later.certificate_number) == (clock.now().year, 1)


def test_a_malformed_number_is_refused_with_its_field(world):
    dossier = world.dossier(State.AWAITING_DECISION)
    with pytest.raises(ValidationFailed) as refused:
        decisions.record_decision(world.users["chairman"], {
            "number": "số 45", "signed_on": clock.now().date().isoformat(), "outcome": "recognize",
            "dossier_ids": [dossier.id]})
    assert "135/QĐ-UBND" in refused.value.fields["number"]
    db.session.rollback()
    with pytest.raises(ValidationFailed) as refused:
        apply_transition(world.users["chairman"], dossier, "recognize", dossier.version, "",
                         {"decision_number": "QĐ 45", "signed_on": clock.now().date().isoformat()})
    assert set(refused.value.fields) == {"decision_number"}
    db.session.rollback()
    assert db.session.get(type(dossier), dossier.id).state == State.AWAITING_DECISION


def test_one_by_one_under_one_number_is_still_one_decision(world):
    today = clock.now().date().isoformat()
    first, second = (world.dossier(State.AWAITING_DECISION) for _ in range(2))
    for dossier in (first, second):
        apply_transition(world.users["chairman"], dossier, "recognize", dossier.version, "",
                         {"decision_number": "50/qđ-ubnd", "signed_on": today})
    db.session.commit()
    assert first.decision_id == second.decision_id and first.decision.number == "50/QĐ-UBND"
    assert (first.certificate_number, second.certificate_number) == (1, 2)


def test_the_database_refuses_a_second_use_too(world):
    first, _ = decide(world, "45/QĐ-UBND", clock.now().date())
    db.session.add(Decision(unit_id=first.unit_id, number="0045/QĐ-UBND", number_year=first.number_year,
                            number_symbol="QĐ-UBND", number_serial=45, signed_on=first.signed_on, outcome="refuse",
                            created_by_id=first.created_by_id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_certificates_are_entered_in_the_order_issued_and_keep_their_numbers(world):
    today = clock.now().date()
    _, batch = decide(world, "60/QĐ-UBND", today, count=3)  # the set's path: one block for the three
    assert [d.certificate_number for d in batch] == [1, 2, 3]
    refused, (not_recognized,) = decide(world, "61/TB-UBND", today, outcome="refuse", comment="Chưa đạt")
    assert not_recognized.certificate_number is None
    alone = world.dossier(State.RECOGNIZED, decision_number="62/QĐ-UBND")  # one by one: the next number
    assert alone.certificate_number == 4
    apply_transition(world.users["chairman"], batch[0], "revoke", batch[0].version, "Vi phạm",
                     {"decision_number": "63/QĐ-UBND", "signed_on": today.isoformat()})
    db.session.commit()
    _, (after,) = decide(world, "64/QĐ-UBND", today)
    assert batch[0].certificate_number == 1 and after.certificate_number == 5  # never reused
    recorded = db.session.scalars(select(AuditEvent.data).where(AuditEvent.dossier_id == after.id,
                                                                AuditEvent.trigger == "recognize")).one()
    assert recorded["certificate_number"] == 5  # the audit event says it too
    register = db.session.get(CertificateRegister, (batch[0].campaign.unit_id, today.year))
    assert register.last_number == 5


def test_numbers_are_taken_in_blocks_and_never_twice(world):
    ward = world.campaign.unit_id
    assert take_numbers(ward, 2031, 3) == 1
    assert take_numbers(ward, 2031, 1) == 4
    assert take_numbers(ward, 2032, 2) == 1  # a year of its own
    db.session.rollback()  # a step that rolled back gave its numbers back with it: nothing was printed
    assert db.session.get(CertificateRegister, (ward, 2031)) is None


def test_a_revocation_signed_before_the_recognition_is_refused(world):
    _, (family,) = decide(world, "70/QĐ-UBND", clock.now().date())
    with pytest.raises(ValidationFailed) as refused:
        apply_transition(world.users["chairman"], family, "revoke", family.version, "Vi phạm",
                         {"decision_number": "71/QĐ-UBND",
                          "signed_on": (clock.now().date() - timedelta(days=400)).isoformat()})
    assert set(refused.value.fields) == {"signed_on"}
    db.session.rollback()
    with pytest.raises(Conflict) as refused:  # the recognizing decision's own number
        apply_transition(world.users["chairman"], family, "revoke", family.version, "Vi phạm",
                         {"decision_number": "70/QĐ-UBND", "signed_on": clock.now().date().isoformat()})
    assert "Quyết định công nhận" in str(refused.value)
    db.session.rollback()


def test_two_decisions_at_once_wait_for_each_other_and_never_share_a_number(world):
    """The counter row is locked by the first taker until its transaction ends: a second taker meanwhile waits (here
    it gives up after 300 ms), and once the first commits it reads on from the first's last number."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the database itself serialises the takers")
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    ward = world.campaign.unit_id
    db.session.commit()
    other = db.engine.connect()
    try:
        with other.begin():
            first = other.execute(text(
                "INSERT INTO certificate_registers (ward_id, year, last_number) VALUES (:w, 2033, 3) "
                "ON CONFLICT (ward_id, year) DO UPDATE SET last_number = certificate_registers.last_number + 3 "
                "RETURNING last_number"), {"w": ward}).scalar_one()
            assert first == 3
            db.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                take_numbers(ward, 2033, 2)  # waits on the other's row: it may not read 3 and give 1-2 again
            db.session.rollback()
        assert take_numbers(ward, 2033, 2) == 4  # after the other committed: 4 and 5
        db.session.commit()
    finally:
        other.close()
