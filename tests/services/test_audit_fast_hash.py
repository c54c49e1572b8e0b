"""The fast hash of `flask audit-verify` (issue 15) writes the very canonical text of `audit.event_hash`: for every
event the services write, and for data full of traps, it equals `event_hash` and the stored hash; and whatever it
cannot match, `event_hash` decides, so tampering is still named and a legitimate event never is. Both databases."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from models import AuditEvent
from states.enums import State
from workflow import clock
from workflow.extensions import db
from workflow.services import audit, seals

TRICKY = [
    {"note": "Hộ gia đình văn hoá tiêu biểu — ấp Bình Đông, xã Tân Phước"},
    {"q": 'say "hi" \'there\'', "bs": "C:\\path\\to\\file \\n not a newline", "nl": "line 1\nline 2\r\n\ttab"},
    {"emoji": "🎉👨‍👩‍👧‍👦 ✓", "ctrl": "\x00\x01\x1f\x7f", "surrogate-ish": "\u2028\u2029"},
    {"nested": {"z": [1, 2, {"b": None, "a": [True, False]}], "a": {"y": {}, "x": []}}, "list": [[], [[]], None]},
    {"none": None, "float": 0.6, "floats": [0.1 + 0.2, 1e-7, 1e22, -0.0, 3.0, 1.5e300], "int": 10**30,
     "neg": -(2**63), "zero": 0},
    {"day": date(2025, 2, 28), "moment": datetime(2024, 12, 31, 23, 59, 59, 999999)},  # stored as ISO text
    {"keys": {"b": 1, "a": 2, "A": 3, "_": 4, "ä": 5, "10": 6, "9": 7, "": 8}},
    {},
]


def _values(event) -> tuple:
    return tuple(getattr(event, column) for column in audit.HASHED_COLUMNS)


def _record_tricky(world) -> list[AuditEvent]:
    dossier = world.dossier(State.DRAFT)
    actor = world.users["applicant"]
    at = clock.now() - timedelta(days=1)
    events = []
    for i, data in enumerate(TRICKY):
        events.append(audit.record(stream=f"dossier:{dossier.id}", unit_id=dossier.unit_id, trigger="edited",
                                   actor=actor if i % 2 else None, role="applicant" if i % 3 else None,
                                   at=at.replace(microsecond=0 if i == 0 else 1000 * i) + timedelta(seconds=i),
                                   dossier_id=dossier.id, from_state=State.DRAFT if i % 2 else None,
                                   to_state=State.DRAFT if i % 2 else None,
                                   comment='Ghi chú "đặc biệt"\n\\ 🙂' if i % 2 else "", data=data))
    # a campaign's stream too (dossier null, campaign set)
    events.append(audit.record(stream=f"campaign:{world.campaign.id}", unit_id=world.campaign.unit_id,
                               trigger="edited", actor=actor, role="chairman", at=at,
                               campaign_id=world.campaign.id, data={"name": "Đợt 2025 — \"lần 1\""}))
    db.session.commit()
    return events


def test_fast_hash_equals_event_hash_for_every_event_the_services_write(world):
    for state in (State.RECOGNIZED, State.NOT_RECOGNIZED, State.PUBLIC_NOTICE, State.DRAFT, State.WITHDRAWN):
        world.dossier(state)
    _record_tricky(world)
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert len(events) > 40
    for event in events:  # as the database gives them back
        fast = audit.fast_hash(*_values(event))
        assert fast == audit.event_hash(event) == event.hash, (event.stream, event.seq, event.data)
        assert audit.hash_matches(event)
    # and as verify_all reads them (plain rows, the time and the document as text): each on the fast path alone
    rechecked = []
    for stream, _, hashes_ok in audit.verified_chains(seals._row_batches(), rechecked.append):
        assert hashes_ok is None, (stream, hashes_ok)
    assert rechecked == []
    report = seals.verify_all()
    assert report.valid, report.broken
    assert report.events_checked == len(events)


def test_version_1_events_hash_alike(world):
    for event in _record_tricky(world):
        values = dict(zip(audit.HASHED_COLUMNS, _values(event), strict=True), hash_version=1)
        old = SimpleNamespace(**values)
        assert audit.fast_hash(**values) == audit.event_hash(old) != event.hash  # fewer keys, another text


def test_what_the_fast_path_cannot_write_is_left_to_event_hash(world):
    """A legitimate event the fast path does not expect (a value of another type) is never reported: either the
    fast path raises or its text differs, and `event_hash` is asked."""
    [event, *_] = _record_tricky(world)
    values = list(_values(event))
    values[audit.HASHED_COLUMNS.index("at")] = "2025-01-01T00:00:00.000000Z"  # not a datetime: raises
    try:
        audit.fast_hash(*values)
        raised = False
    except TypeError:
        raised = True
    assert raised
    assert audit.hash_matches(event)


def test_a_tampered_event_is_still_reported(world, owner_sql, runner):
    from tests.services.test_audit_seal import bypassing_triggers, postgresql

    dossier = world.dossier(State.RECOGNIZED)
    _record_tricky(world)
    assert seals.verify_all().valid
    data = "data = CAST(:data AS json)" if postgresql() else "data = :data"
    kind = db.session.scalar(text("SELECT data_type FROM information_schema.columns WHERE table_name = "
                                  "'audit_events' AND column_name = 'data'")) if postgresql() else None
    if kind == "jsonb":
        data = "data = CAST(:data AS jsonb)"
    bypassing_triggers(owner_sql, f"UPDATE audit_events SET {data} WHERE dossier_id = :d AND seq = 2",
                       "UPDATE audit_events SET comment = 'sửa' WHERE dossier_id = :d AND seq = 4",
                       data='{"changes": {"subject_name": "Kẻ gian"}}', d=dossier.id)
    db.session.expire_all()
    report = seals.verify_all()
    assert not report.valid
    problems = {(p["dossier_id"], p["seq"], p["reason"]) for p in report.broken}
    assert (dossier.id, 2, "hash_mismatch") in problems and (dossier.id, 4, "hash_mismatch") in problems
    assert all(p["dossier_id"] == dossier.id for p in report.broken), report.broken
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1


def _victim_chain(world):
    dossier = world.dossier(State.RECOGNIZED)
    db.session.commit()
    assert seals.verify_all().valid
    return dossier.id, audit.stream_events(f"dossier:{dossier.id}")


def _tamper(owner_sql, dossier_id: int, kind: str, events) -> None:
    from tests.services.test_audit_seal import UNTIE, bypassing_triggers, postgresql

    if kind == "data":
        cast = "CAST(:v AS json)" if postgresql() else ":v"
        statements = [f"UPDATE audit_events SET data = {cast} WHERE dossier_id = :d AND seq = 2"]
        params = {"v": '{"changes":{"subject_name":"Kẻ gian"}}'}
    elif kind == "at":  # one microsecond later
        cast = "CAST(:v AS timestamp)" if postgresql() else ":v"
        moved = events[1].at.replace(tzinfo=None) + timedelta(microseconds=1)
        statements = [f"UPDATE audit_events SET at = {cast} WHERE dossier_id = :d AND seq = 2"]
        params = {"v": moved.strftime("%Y-%m-%d %H:%M:%S.%f")}
    elif kind == "deleted":
        where = "dossier_id = :d AND seq = 3"
        statements = [UNTIE.format(where=where), f"DELETE FROM audit_events WHERE {where}"]
        params = {}
    else:  # "reordered": events 2 and 3 swap places
        statements = [f"UPDATE audit_events SET seq = {a} WHERE dossier_id = :d AND seq = {b}"
                      for a, b in ((-2, 2), (2, 3), (3, -2))]
        params = {}
    bypassing_triggers(owner_sql, *statements, d=dossier_id, **params)


@pytest.mark.parametrize(("kind", "named"), [
    ("data", (2, "hash_mismatch")), ("at", (2, "hash_mismatch")), ("deleted", (4, "prev_hash_mismatch")),
    ("reordered", (2, "hash_mismatch")),
])
def test_tampering_is_named_through_the_fast_path_as_check_chain_names_it(world, owner_sql, kind, named):
    """Whatever path judged the rows (the database's hash, Python's text, event_hash), verify_all names exactly
    what `check_chain` — the definition — names for the chain read as ORM events."""
    dossier_id, events = _victim_chain(world)
    _tamper(owner_sql, dossier_id, kind, events)
    report = seals.verify_all()
    assert not report.valid
    found = [(p["seq"], p["reason"]) for p in report.broken]
    assert named in found, found
    assert found == audit.check_chain(audit.stream_events(f"dossier:{dossier_id}"))
    assert all(p["dossier_id"] == dossier_id for p in report.broken), report.broken


def test_a_document_stored_in_another_spelling_still_verifies(world, owner_sql):
    """A legitimate document stored with spaces and keys out of order (not the canonical text the database can
    hash) is judged by the Python path, which parses it as the ORM would: nothing is reported."""
    from tests.services.test_audit_seal import bypassing_triggers, postgresql

    dossier_id, events = _victim_chain(world)
    event = next(e for e in events if len(e.data) > 1)
    keys = list(reversed(sorted(event.data)))
    spelled = "{ " + ", ".join(f'"{k}" : {json.dumps(event.data[k])}' for k in keys) + " }"
    assert json.loads(spelled) == event.data
    cast = "CAST(:v AS json)" if postgresql() else ":v"
    bypassing_triggers(owner_sql, f"UPDATE audit_events SET data = {cast} WHERE id = :id", v=spelled, id=event.id)
    report = seals.verify_all()
    assert report.valid, report.broken
    assert report.events_checked == len(events)


def test_the_time_is_read_as_the_text_format_at_writes(world):
    """The verifier's rows carry `at` as format_at's text (without its Z), to the microsecond, on both databases;
    on PostgreSQL a time before Christ (which to_char writes as the same year after) can never match."""
    from tests.services.test_audit_seal import postgresql

    world.dossier(State.DRAFT)
    _record_tricky(world)  # times with zero and non-zero microseconds
    events = {e.id: e for e in db.session.scalars(select(AuditEvent))}
    at = audit.VERIFY_COLUMNS.index("at")
    for batch in seals._row_batches():
        for row in batch:
            assert row[at] + "Z" == audit.format_at(events[row[audit.ROW_ID]].at)
    if postgresql():
        moment = "timestamp '2025-05-01 10:00:00.5 BC'"
        written = db.session.scalar(text(f"SELECT {seals._PG_AT} FROM (SELECT {moment} AS at) AS t"))
        assert written == "2025-05-01T10:00:00.500000 BC"


def test_processes_sharing_the_chains_write_the_very_same_report(world, owner_sql, runner):
    """`verify_all(jobs=N)` (flask audit-verify --jobs N): on PostgreSQL ranges of streams in worker processes,
    in the caller's snapshot; the report — problems in order, counts, the seal comparison — is the single one's."""
    victims = [_victim_chain(world) for _ in range(3)]
    world.dossier(State.DRAFT)
    db.session.commit()
    assert runner.invoke(args=["audit-seal"]).exit_code == 0
    _tamper(owner_sql, victims[0][0], "data", victims[0][1])
    _tamper(owner_sql, victims[2][0], "deleted", victims[2][1])
    one = seals.verify_all()
    assert not one.valid
    for jobs in (2, 3):
        many = seals.verify_all(jobs=jobs)
        assert many.broken == one.broken
        assert (many.events_checked, many.streams_checked, many.dossiers_checked, many.legacy_events) == (
            one.events_checked, one.streams_checked, one.dossiers_checked, one.legacy_events)
    result = runner.invoke(args=["audit-verify", "--jobs", "2"])
    assert result.exit_code == 1
    assert f"hồ sơ {victims[0][0]} " in result.output and f"hồ sơ {victims[2][0]} " in result.output
