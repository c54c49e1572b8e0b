"""The sealed audit against an insider with the database owner's rights: every kind of tampering of issue 14 is
named by `flask audit-verify` (chains and seals) or `flask audit-replay` (tables against events), with the dossier
it touched, while a clean history stays clean. Both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from models import AuditEvent, AuditSeal, Dossier, Vote
from states.enums import State
from workflow.extensions import db
from workflow.services import audit, seals


def postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def bypassing_triggers(owner_sql, *statements: str, **params):
    """The owner switches the audit's guards off (PostgreSQL: DISABLE TRIGGER USER; SQLite: DROP TRIGGER) and
    runs `statements` — what the issue's insider did."""
    if postgresql():
        tables = ("audit_events", "audit_seals", "audit_seal_heads")
        return owner_sql(*[f"ALTER TABLE {t} DISABLE TRIGGER USER" for t in tables], *statements,
                         *[f"ALTER TABLE {t} ENABLE TRIGGER USER" for t in tables], **params)
    drops = [f"DROP TRIGGER IF EXISTS {t}_no_{a}" for t in ("audit_events", "audit_seals", "audit_seal_heads")
             for a in ("update", "delete")]
    return owner_sql(*drops, *statements, **params)


# The messages that tell of an event point at it: an insider deletes them first (PostgreSQL enforces the key).
UNTIE = "DELETE FROM notifications WHERE event_id IN (SELECT id FROM audit_events WHERE {where})"

DROP_STREAM = (UNTIE.format(where="dossier_id = :d"), "DELETE FROM audit_events WHERE dossier_id = :d")


def cli(runner, *args: str):
    result = runner.invoke(args=list(args))
    db.session.expire_all()
    return result


@pytest.fixture
def sealed(world, runner):
    """Three recognized dossiers (council votes, meeting, decision) and one draft, then a seal."""
    dossiers = [world.dossier(State.RECOGNIZED, decision_number="07/QĐ-UBND") for _ in range(3)]
    draft = world.dossier(State.DRAFT)
    result = cli(runner, "audit-seal")
    assert result.exit_code == 0, result.output
    return [d.id for d in dossiers], draft.id


def chain(dossier_id: int) -> list[AuditEvent]:
    return audit.stream_events(f"dossier:{dossier_id}")


def named(result, dossier_id: int, reason: str) -> bool:
    return any(f"hồ sơ {dossier_id} " in line and reason in line for line in result.output.splitlines())


def test_a_clean_history_verifies_replays_and_seals_again(sealed, runner, world):
    recognized, draft = sealed
    verified = cli(runner, "audit-verify")
    assert verified.exit_code == 0, verified.output
    assert "Toàn vẹn" in verified.output and "niêm phong số 1" in verified.output
    replayed = cli(runner, "audit-replay")
    assert replayed.exit_code == 0, replayed.output
    # New work after the seal is ordinary: the next seal covers it and chains to the first.
    world.dossier(State.SELF_ASSESSMENT)
    again = cli(runner, "audit-seal")
    assert again.exit_code == 0, again.output
    first, second = db.session.scalars(select(AuditSeal).order_by(AuditSeal.id)).all()
    assert second.prev_hash == first.hash and second.events > first.events and second.root != first.root
    assert f"Gốc Merkle:      {second.root}" in again.output
    assert cli(runner, "audit-verify", "--root", first.root).exit_code == 0
    assert cli(runner, "audit-verify").exit_code == 0


def test_the_seal_is_a_merkle_root_over_every_chain_head(sealed):
    seal = seals.latest_seal()
    root = seals.MerkleRoot()
    heads = list(seals.current_heads())
    for stream, length, head in heads:
        root.add(seals.leaf(stream, length, head))
    assert seal.root == root.hexdigest()
    assert seal.streams == len(heads) and seal.events == db.session.scalar(select(func.count(AuditEvent.id)))
    assert [s for s, _, _ in heads] == sorted(s for s, _, _ in heads)  # binary order on both databases


def test_truncate_is_refused_by_the_database(sealed, owner_sql):
    if not postgresql():
        pytest.skip("SQLite has no TRUNCATE; its DELETE is refused by the row triggers")
    for table in ("audit_events", "audit_seals", "audit_seal_heads"):
        with pytest.raises(DBAPIError, match="never updated, deleted or truncated"):
            owner_sql(f"TRUNCATE {table} CASCADE")
        # The application's own role has no such privilege at all.
        with pytest.raises(DBAPIError, match="permission denied"):
            db.session.execute(text(f"TRUNCATE {table}"))
        db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) > 0


def test_the_app_role_may_only_read_and_append_the_audit(sealed):
    if not postgresql():
        pytest.skip("SQLite has no roles: the triggers refuse instead (test_happy_path)")
    for statement in ("UPDATE audit_events SET comment = 'x'", "DELETE FROM audit_events",
                      "UPDATE audit_seals SET root = 'x'", "DELETE FROM audit_seal_heads"):
        with pytest.raises(DBAPIError, match="permission denied"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_emptying_the_events_table_names_every_sealed_dossier(sealed, runner, owner_sql):
    recognized, draft = sealed
    bypassing_triggers(owner_sql, "TRUNCATE audit_events CASCADE" if postgresql() else "DELETE FROM audit_events")
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1
    for dossier_id in [*recognized, draft]:
        assert named(result, dossier_id, "removed"), result.output
        assert named(result, dossier_id, "no_events"), result.output


def test_deleting_a_chains_last_event_is_truncation(sealed, runner, owner_sql):
    recognized, draft = sealed
    victim = recognized[1]
    last = chain(victim)[-1].seq
    bypassing_triggers(owner_sql, UNTIE.format(where="dossier_id = :d AND seq = :s"),
                       "DELETE FROM audit_events WHERE dossier_id = :d AND seq = :s", d=victim, s=last)
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1
    assert named(result, victim, "truncated"), result.output
    assert not any(named(result, other, "") for other in (recognized[0], recognized[2], draft))


def test_a_whole_stream_deleted_with_its_dossier_is_named(sealed, runner, owner_sql):
    recognized, draft = sealed
    bypassing_triggers(owner_sql, *DROP_STREAM,
                       "DELETE FROM dossiers WHERE id = :d", d=draft)
    assert db.session.get(Dossier, draft) is None
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1
    assert named(result, draft, "removed"), result.output


def test_a_whole_stream_deleted_without_its_dossier_is_named(sealed, runner, owner_sql):
    recognized, draft = sealed
    bypassing_triggers(owner_sql, *DROP_STREAM,
                       d=recognized[0])
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1
    assert named(result, recognized[0], "removed") and named(result, recognized[0], "no_events"), result.output


def test_a_stream_rewritten_with_fresh_hashes_is_named(sealed, runner, owner_sql):
    recognized, draft = sealed
    victim = recognized[2]
    events = chain(victim)
    previous = audit.GENESIS
    updates = []
    for event in events:  # a consistent rewrite: every hash recomputed, so the chain alone still holds
        db.session.expunge(event)
        if event.seq == 2:
            event.comment = "đã sửa lén"
        event.prev_hash = previous
        event.hash = previous = audit.event_hash(event)
        updates.append({"id": event.id, "c": event.comment, "p": event.prev_hash, "h": event.hash})
    statements = [f"UPDATE audit_events SET comment = :c{i}, prev_hash = :p{i}, hash = :h{i} WHERE id = :id{i}"
                  for i in range(len(updates))]
    params = {f"{k}{i}": v for i, u in enumerate(updates) for k, v in u.items()}
    bypassing_triggers(owner_sql, *statements, **params)
    assert audit.check_chain(chain(victim)) == []  # the chain alone would not tell
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1
    assert named(result, victim, "rewritten"), result.output


@pytest.mark.parametrize("column", ["unit_id", "actor_id"])
def test_an_events_unit_or_actor_changed_breaks_its_hash(sealed, runner, owner_sql, world, column):
    recognized, draft = sealed
    victim = recognized[0]
    value = world.units["G2"].id if column == "unit_id" else world.users["admin"].id
    bypassing_triggers(owner_sql, f"UPDATE audit_events SET {column} = :v WHERE dossier_id = :d AND seq = 3",
                       v=value, d=victim)
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1
    assert named(result, victim, "seq 3: hash_mismatch"), result.output


def test_an_event_slipped_in_before_the_seal_is_named(sealed, runner, owner_sql):
    recognized, draft = sealed
    last = chain(draft)[-1]
    forged = AuditEvent(id=0, stream=last.stream, seq=last.seq + 1, dossier_id=draft, unit_id=last.unit_id,
                        trigger="edited", actor_id=last.actor_id, actor=last.actor, role=last.role, at=last.at,
                        comment="", data={"changes": {}}, prev_hash=last.hash, hash_version=2)
    forged.hash = audit.event_hash(forged)  # a perfectly chained event, given a low id to look old
    owner_sql("INSERT INTO audit_events (id, stream, seq, dossier_id, unit_id, trigger, actor_id, actor, role, at, "
              "comment, data, prev_hash, hash, hash_version) VALUES (0, :stream, :seq, :d, :u, 'edited', :a, :actor, "
              ":role, :at, '', :data, :prev, :hash, 2)",
              stream=forged.stream, seq=forged.seq, d=draft, u=forged.unit_id, a=forged.actor_id, actor=forged.actor,
              role=forged.role, at=last.at.replace(tzinfo=None), data='{"changes": {}}', prev=forged.prev_hash,
              hash=forged.hash)
    assert audit.check_chain(chain(draft)) == []
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1
    assert named(result, draft, "extended"), result.output


def test_a_dossier_with_no_events_at_all_is_named(sealed, runner, owner_sql, world):
    fresh = world.dossier(State.DRAFT)  # after the seal: only the missing history can tell
    bypassing_triggers(owner_sql, *DROP_STREAM,
                       d=fresh.id)
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1
    assert named(result, fresh.id, "no_events"), result.output


def test_a_forged_seal_or_its_heads_are_named(sealed, runner, owner_sql):
    bypassing_triggers(owner_sql, "UPDATE audit_seal_heads SET length = length + 1 WHERE stream = "
                                  "(SELECT MIN(stream) FROM audit_seal_heads)")
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1 and "seal_heads_altered" in result.output
    bypassing_triggers(owner_sql, "UPDATE audit_seals SET events = events + 1")
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1 and "seal_broken" in result.output


def test_verifying_against_a_published_root_that_is_gone(sealed, runner):
    result = cli(runner, "audit-verify", "--root", "ab" * 32)
    assert result.exit_code == 1 and "published_seal_missing" in result.output


def test_a_seal_is_refused_while_the_history_is_broken(sealed, runner, owner_sql):
    recognized, draft = sealed
    bypassing_triggers(owner_sql, "UPDATE audit_events SET comment = 'x' WHERE dossier_id = :d AND seq = 1",
                       d=recognized[0])
    result = cli(runner, "audit-seal")
    assert result.exit_code == 1 and "Không niêm phong" in result.output
    assert db.session.scalar(select(func.count(AuditSeal.id))) == 1


def test_a_state_set_by_hand_is_named_by_replay(sealed, runner, owner_sql):
    recognized, draft = sealed
    owner_sql("UPDATE dossiers SET state = 'recognized' WHERE id = :d", d=draft)
    assert cli(runner, "audit-verify").exit_code == 0  # every chain is intact: only the replay can tell
    result = cli(runner, "audit-replay")
    assert result.exit_code == 1
    assert f"hồ sơ {draft} " in result.output and "'recognized'" in result.output and "'draft'" in result.output


@pytest.mark.parametrize("tampering", ["changed", "deleted"])
def test_a_council_vote_changed_or_deleted_is_named_by_replay(sealed, runner, owner_sql, tampering):
    recognized, draft = sealed
    victim = recognized[1]
    vote = db.session.scalars(select(Vote).where(Vote.dossier_id == victim).order_by(Vote.id)).first()
    statement = ("UPDATE votes SET choice = 'reject' WHERE id = :v" if tampering == "changed"
                 else "DELETE FROM votes WHERE id = :v")
    owner_sql(statement, v=vote.id)
    result = cli(runner, "audit-replay")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("KHÁC")]
    assert len(lines) == 1 and f"hồ sơ {victim} " in lines[0] and "phiếu của Hội đồng" in lines[0], result.output


def test_meeting_figures_disqualifiers_and_decision_changed_by_hand_are_named(sealed, runner, owner_sql):
    recognized, draft = sealed
    owner_sql("UPDATE group_meetings SET attendees = attendees + 5",
              "UPDATE meeting_votes SET votes_for = votes_for + 1 WHERE dossier_id = :a",
              "UPDATE dossiers SET disqualifiers_found = '[\"X\"]' WHERE id = :b",
              "UPDATE dossiers SET decision_id = NULL WHERE id = :c",
              a=recognized[0], b=recognized[1], c=recognized[2])
    result = cli(runner, "audit-replay")
    assert result.exit_code == 1
    assert f"hồ sơ {recognized[0]} " in result.output and "số người dự họp đồng ý" in result.output
    assert f"hồ sơ {recognized[1]} " in result.output and "trường hợp không xét" in result.output
    assert f"hồ sơ {recognized[2]} " in result.output and "quyết định" in result.output
    assert "số liệu cuộc họp" in result.output


def test_older_chains_are_resealed_in_the_open_then_their_unit_is_protected(sealed, runner, owner_sql, world):
    recognized, draft = sealed
    victim = recognized[0]
    events = chain(victim)
    previous, updates = audit.GENESIS, []
    for event in events:  # the chain as a version-1 database holds it (unit and actor not hashed)
        db.session.expunge(event)
        event.hash_version, event.prev_hash = 1, previous
        event.hash = previous = audit.event_hash(event)
        updates.append({"id": event.id, "p": event.prev_hash, "h": event.hash})
    bypassing_triggers(owner_sql, *[f"UPDATE audit_events SET hash_version = 1, prev_hash = :p{i}, hash = :h{i} "
                                    f"WHERE id = :id{i}" for i in range(len(updates))],
                       "DELETE FROM audit_seal_heads", "DELETE FROM audit_seals",
                       **{f"{k}{i}": v for i, u in enumerate(updates) for k, v in u.items()})
    result = cli(runner, "audit-verify")
    assert result.exit_code == 0 and f"Lưu ý: {len(events)} sự kiện cũ" in result.output, result.output

    resealed = cli(runner, "audit-reseal", "--reason", "Nâng cấp cách băm nhật ký (issue 14)")
    assert resealed.exit_code == 0 and "Đã niêm phong lại 1 chuỗi" in resealed.output, resealed.output
    last = chain(victim)[-1]
    assert (last.trigger, last.comment, last.data["covers"]) == ("chain_resealed", "Nâng cấp cách băm nhật ký "
                                                                 "(issue 14)", len(events))
    assert "Lưu ý" not in cli(runner, "audit-verify").output

    bypassing_triggers(owner_sql, "UPDATE audit_events SET unit_id = :u WHERE dossier_id = :d AND seq = 2",
                       u=world.units["G2"].id, d=victim)
    result = cli(runner, "audit-verify")
    assert result.exit_code == 1 and named(result, victim, "attest_mismatch"), result.output


def test_seals_are_listed_in_the_api_and_on_the_auditors_page(sealed, api, runner, client, auth):
    cli(runner, "audit-verify")
    seal = seals.latest_seal()
    answer = api.as_("auditor").get("/audit/seals")
    assert answer.status_code == 200
    (item,) = answer.json["items"]
    assert (item["id"], item["events"], item["root"]) == (seal.id, seal.events, seal.root)
    verify = api.as_("auditor").get("/audit/verify").json
    assert verify["seal"]["root"] == seal.root and verify["latest"]["valid"] is True
    assert verify["events"] == seal.events and verify["checked_at"]
    assert api.as_("applicant").get("/audit/seals").status_code == 403
    auth.login("auditor")
    page = client.get("/audit/verify").get_data(as_text=True)
    assert seal.root in page and "Niêm phong số 1" in page
