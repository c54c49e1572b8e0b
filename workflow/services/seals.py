"""Seals over the whole audit, and the verification that holds every chain to the latest one.

A chain's own hashes prove each event against the one before it, but not that the chain is still whole: its
last events can be deleted, the whole chain removed, or every hash recomputed after an edit. A seal fixes, for
every chain, its length and last hash (a Merkle root over them, chained to the previous seal) so that the ward
can print, sign or publish it; `verify_all` then names each chain that was removed, truncated, rewritten or
extended behind the seal's back, and each dossier that has no history at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, func, select, text, type_coerce

from models import AuditEvent, AuditSeal, AuditSealHead, AuditVerification, Dossier
from states.labels import N_
from workflow import clock
from workflow.extensions import db
from workflow.services import audit
from workflow.services.errors import Conflict

BATCH = 10_000
PROBLEMS_KEPT = 200  # in the stored verification; the command line prints them all

# What each problem means, for the command line, the auditor's page and the API (codes are stable).
REASONS = {
    "seq_gap": N_("thiếu hoặc thừa sự kiện giữa chuỗi"),
    "prev_hash_mismatch": N_("mã của sự kiện trước không khớp (chuỗi bị cắt hoặc chèn)"),
    "hash_mismatch": N_("nội dung sự kiện đã bị sửa"),
    "hash_downgraded": N_("sự kiện mới được băm theo cách cũ (có người ghi đè)"),
    "attest_mismatch": N_("đơn vị hoặc người thực hiện của sự kiện cũ đã bị sửa sau khi niêm phong lại"),
    "removed": N_("cả chuỗi lịch sử đã bị xoá sau lần niêm phong"),
    "truncated": N_("chuỗi ngắn hơn lúc niêm phong (sự kiện cuối bị xoá)"),
    "rewritten": N_("chuỗi đã bị viết lại (mã cuối khác lúc niêm phong)"),
    "extended": N_("có sự kiện được chèn vào trước lần niêm phong"),
    "no_events": N_("hồ sơ không có sự kiện nào trong lịch sử"),
    "seal_broken": N_("niêm phong đã bị sửa (mã niêm phong không khớp)"),
    "seal_heads_altered": N_("dữ liệu của niêm phong đã bị sửa (gốc Merkle không khớp)"),
    "published_seal_missing": N_("không có niêm phong nào mang gốc đã công bố"),
}


def explain(reason: str) -> str:
    return REASONS.get(reason.split(":")[0], reason)


# --- Merkle root ------------------------------------------------------------------------------------------

def leaf(stream: str, length: int, head: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{stream}\n{length}\n{head}".encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleRoot:
    """A Merkle root built leaf by leaf in O(log n) memory: perfect subtrees are merged as they fill (a binary
    counter), and the remaining peaks are folded from the right at the end."""

    def __init__(self) -> None:
        self._peaks: list[tuple[int, bytes]] = []  # (height, digest), heights strictly decreasing
        self.leaves = 0

    def add(self, digest: bytes) -> None:
        self.leaves += 1
        height = 0
        while self._peaks and self._peaks[-1][0] == height:
            digest = _node(self._peaks.pop()[1], digest)
            height += 1
        self._peaks.append((height, digest))

    def hexdigest(self) -> str:
        if not self._peaks:
            return hashlib.sha256(b"").hexdigest()
        digest = self._peaks[-1][1]
        for _, peak in reversed(self._peaks[:-1]):
            digest = _node(peak, digest)
        return digest.hex()


def seal_hash(seal: AuditSeal) -> str:
    canonical = {"at": audit.format_at(seal.at), "sealed_by": seal.sealed_by, "events": seal.events,
                 "streams": seal.streams, "last_event_id": seal.last_event_id, "root": seal.root,
                 "prev_hash": seal.prev_hash}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --- reading chains in stream order ------------------------------------------------------------------------

def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def current_heads() -> Iterator[tuple[str, int, str]]:
    """(stream, length, last hash) of every chain, in binary stream order."""
    if _postgresql():
        query = text("SELECT DISTINCT ON (stream) stream, seq, hash FROM audit_events ORDER BY stream, seq DESC")
    else:  # SQLite takes the bare columns from the row that holds the MAX
        query = text("SELECT stream, MAX(seq), hash FROM audit_events GROUP BY stream ORDER BY stream")
    for row in db.session.execute(query, execution_options={"yield_per": BATCH}):
        yield row[0], row[1], row[2]


def sealed_heads(seal_id: int) -> Iterator[tuple[str, int, str]]:
    """(stream, length, last hash) of every chain as the seal fixed it, in binary stream order."""
    if _postgresql():
        query = text("SELECT DISTINCT ON (stream) stream, length, head FROM audit_seal_heads "
                     "WHERE seal_id <= :seal ORDER BY stream, seal_id DESC")
    else:
        query = text("SELECT stream, length, head, MAX(seal_id) FROM audit_seal_heads WHERE seal_id <= :seal "
                     "GROUP BY stream ORDER BY stream")
    for row in db.session.execute(query, {"seal": seal_id}, execution_options={"yield_per": BATCH}):
        yield row[0], row[1], row[2]


# `at` as the text format_at writes (without its Z) and `data` as stored, for `audit.verified_chains`. to_char
# writes a year before Christ as the same year after: such a time gets " BC" so its text can never match.
_PG_AT = "to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || CASE WHEN at < '0001-01-01' THEN ' BC' ELSE '' END"
_PG_ROWS = ("SELECT " + ", ".join({"at": _PG_AT, "data": "data::text"}.get(c, c) for c in audit.VERIFY_COLUMNS)
            + " FROM audit_events{where} ORDER BY stream, seq")
_PG_HEADS = ("SELECT DISTINCT ON (stream) stream, length, head FROM audit_seal_heads WHERE seal_id <= %(seal)s{also} "
             "ORDER BY stream, seal_id DESC")


def _pg_streams(low: str | None, high: str | None) -> list[str]:
    """The conditions that keep streams in [low, high) (None: unbounded)."""
    return [c for c, bound in (("stream >= %(low)s", low), ("stream < %(high)s", high)) if bound is not None]


def _pg_row_batches(connection, low: str | None = None, high: str | None = None) -> Iterator[Sequence]:
    """The rows of streams in [low, high), a batch at a time, from a psycopg connection's server-side cursor."""
    conditions = _pg_streams(low, high)
    with connection.cursor(name="audit_verify") as cursor:
        cursor.execute(_PG_ROWS.format(where=" WHERE " + " AND ".join(conditions) if conditions else ""),
                       {"low": low, "high": high} if conditions else None)
        while batch := cursor.fetchmany(BATCH):
            yield batch


def _row_batches() -> Iterator[Sequence]:
    """Every event as a VERIFY_COLUMNS row in stream order, a batch at a time through a server-side cursor, so
    memory holds one batch whatever the size of the audit. On PostgreSQL straight from the driver (no row object
    or type conversion per event, the time and the document left as text); elsewhere through SQLAlchemy Core."""
    if _postgresql():
        yield from _pg_row_batches(db.session.connection().connection.driver_connection)
        return
    # SQLite's column holds any text: the time is read as the ORM reads it, then written as fast_hash writes it.
    events = AuditEvent.__table__
    query = (select(*(type_coerce(events.c.data, Text) if c == "data" else events.c[c] for c in audit.VERIFY_COLUMNS))
             .order_by(events.c.stream, events.c.seq))
    at = audit.VERIFY_COLUMNS.index("at")
    for batch in db.session.execute(query, execution_options={"yield_per": BATCH}).partitions():
        yield [(*row[:at], row[at].isoformat(timespec="microseconds")[:26] if type(row[at]) is datetime else None,
                *row[at + 1:]) for row in batch]


def _recheck(row: Sequence) -> bool:
    """`audit.event_hash` of the event as the ORM's types read it (the fast path did not match)."""
    events = AuditEvent.__table__
    event = db.session.execute(select(*(events.c[c] for c in audit.VERIFY_COLUMNS))
                               .where(events.c.id == row[audit.ROW_ID])).first()
    return event is not None and audit.event_hash(event) == event.hash


def _chains() -> Iterator[tuple[str, Sequence, list[bool] | None]]:
    """Each chain in stream order: (stream, its VERIFY_COLUMNS rows, None when plainly whole or else each
    event's `audit.hash_matches`); see `audit.verified_chains`."""
    return audit.verified_chains(_row_batches(), _recheck, documents_valid=_postgresql())  # json type: valid


def _merge(left: Iterable[tuple[str, object]], right: Iterable[tuple[str, object]]
           ) -> Iterator[tuple[str, object | None, object | None]]:
    """Walk two stream-ordered sequences together: (stream, left item or None, right item or None)."""
    left_it, right_it = iter(left), iter(right)
    a, b = next(left_it, None), next(right_it, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield a[0], a[1], None
            a = next(left_it, None)
        elif a is None or b[0] < a[0]:
            yield b[0], None, b[1]
            b = next(right_it, None)
        else:
            yield a[0], a[1], b[1]
            a, b = next(left_it, None), next(right_it, None)


def _dossier_of(stream: str) -> int | None:
    kind, _, number = stream.partition(":")
    return int(number) if kind == "dossier" and number.isdigit() else None


# --- verification ------------------------------------------------------------------------------------------

@dataclass
class Verification(audit.ChainReport):
    """A chain report that also holds the chains to a seal."""

    legacy_events: int = 0  # version-1 events no re-seal covers yet (see `reseal`)
    seal: AuditSeal | None = None

    def problem(self, reason: str, stream: str | None = None, dossier_id: int | None = None,
                seq: int | None = None) -> None:
        self.broken.append({"dossier_id": dossier_id if dossier_id is not None else _dossier_of(stream or ""),
                            "stream": stream, "seq": seq, "reason": reason, "explanation": explain(reason)})


def latest_seal() -> AuditSeal | None:
    return db.session.scalars(select(AuditSeal).order_by(AuditSeal.id.desc()).limit(1)).first()


def _check_seals(report: Verification, published_root: str | None) -> AuditSeal | None:
    """The seals' own chain, and which seal to hold the chains to (the published one when given)."""
    previous = audit.GENESIS
    chosen = None
    for seal in db.session.scalars(select(AuditSeal).order_by(AuditSeal.id)):
        if seal.prev_hash != previous or seal_hash(seal) != seal.hash:
            report.problem("seal_broken", stream=f"seal:{seal.id}")
        previous = seal.hash
        if published_root is None or seal.root == published_root.lower():
            chosen = seal
    if published_root is not None and chosen is None:
        report.problem("published_seal_missing", stream=f"root:{published_root[:16]}")
        return None
    if chosen is not None:
        root = MerkleRoot()
        for stream, length, head in sealed_heads(chosen.id):
            root.add(leaf(stream, length, head))
        if root.hexdigest() != chosen.root:
            report.problem("seal_heads_altered", stream=f"seal:{chosen.id}")
    return chosen


def verify_all(published_root: str | None = None, jobs: int = 1) -> Verification:
    """Every chain's own hashes, every chain against the latest seal (or the one whose root was published),
    the seals themselves, and every dossier's having a history. Streams in order, a batch at a time; on
    PostgreSQL `jobs` processes may share the streams (ranges of streams, each its own connection in this
    transaction's snapshot), and the report is the very one a single process writes."""
    report = Verification()
    seal = report.seal = _check_seals(report, published_root)
    last_event_id = seal.last_event_id if seal is not None else None
    if jobs > 1 and _postgresql():
        _hold_in_parallel(report, seal.id if seal is not None else None, last_event_id, jobs)
    else:
        heads = sealed_heads(seal.id) if seal is not None else iter(())
        _hold_chains(report, _chains(), heads, last_event_id)
    without = select(Dossier.id).where(~select(AuditEvent.id).where(AuditEvent.dossier_id == Dossier.id).exists())
    for dossier_id in db.session.scalars(without.order_by(Dossier.id)):
        report.problem("no_events", f"dossier:{dossier_id}", dossier_id)
    report.valid = not report.broken
    return report


def _hold_chains(report: Verification, chains: Iterable[tuple[str, Sequence, list[bool] | None]],
                 heads: Iterable[tuple[str, int, str]], last_event_id: int | None) -> None:
    """Each chain's own problems, then the chain against its sealed head (`last_event_id`: the seal's, None
    without a seal), in stream order, into `report`."""
    row_id, row_seq, row_hash = audit.ROW_ID, audit.ROW_SEQ, audit.ROW_HASH
    checked_chains = ((s, (chain, ok)) for s, chain, ok in chains)
    for stream, checked, sealed in _merge(checked_chains, ((s, (n, h)) for s, n, h in heads)):
        chain = None
        if checked is not None:
            chain, hashes_ok = checked
            dossier_id = chain[0][audit.ROW_DOSSIER_ID]
            report.streams_checked += 1
            report.events_checked += len(chain)
            if dossier_id is not None:
                report.dossiers_checked += 1
            if hashes_ok is not None:  # not plainly whole: check_chain says what is wrong
                events = audit.row_events(chain)
                for seq, reason in audit.check_chain(events, hashes_ok):
                    report.problem(reason, stream, dossier_id, seq)
                report.legacy_events += audit.legacy_events(events)
        if last_event_id is None:
            continue
        if sealed is None:
            early = [e for e in chain if e[row_id] <= last_event_id]
            if early:
                report.problem("extended", stream, seq=early[0][row_seq])
            continue
        length, head = sealed
        if chain is None:
            report.problem("removed", stream, seq=length)
            continue
        if chain[-1][row_seq] < length:
            report.problem("truncated", stream, seq=chain[-1][row_seq])
        elif len(chain) >= length and chain[length - 1][row_hash] != head:
            report.problem("rewritten", stream, seq=length)
        elif chain[-1][row_seq] > length:  # events after the sealed head: none may be older than the seal
            early = [e for e in chain if e[row_seq] > length and e[row_id] <= last_event_id]
            if early:
                report.problem("extended", stream, seq=early[0][row_seq])


def _hold_in_parallel(report: Verification, seal_id: int | None, last_event_id: int | None, jobs: int) -> None:
    """`_hold_chains` over `jobs` ranges of streams of about as many events, each in a process of its own that
    reads this transaction's exported snapshot; their reports joined in stream order."""
    import multiprocessing

    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    snapshot = db.session.execute(text("SELECT pg_export_snapshot()")).scalar()
    events = db.session.scalar(text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'audit_events'::regclass"))
    if not events or events < 0:
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    cuts = []
    for part in range(1, jobs):
        cut = db.session.scalar(text("SELECT stream FROM audit_events ORDER BY stream, seq OFFSET :n LIMIT 1"),
                                {"n": events * part // jobs})
        if cut is not None and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    ranges = list(zip([None, *cuts], [*cuts, None], strict=True))
    tasks = [(url, snapshot, seal_id, last_event_id, low, high) for low, high in ranges]
    with multiprocessing.get_context("spawn").Pool(len(tasks)) as pool:
        for part in pool.imap(_verify_range, tasks):
            report.broken.extend(part.broken)
            report.streams_checked += part.streams_checked
            report.dossiers_checked += part.dossiers_checked
            report.events_checked += part.events_checked
            report.legacy_events += part.legacy_events


def _verify_range(task: tuple) -> Verification:
    """One process of `verify_all(jobs=N)`: the chains of streams in [low, high) held to their sealed heads, through
    a psycopg connection of its own in the caller's snapshot (the same events the caller sees)."""
    import psycopg
    from psycopg import sql
    from psycopg.rows import namedtuple_row

    url, snapshot, seal_id, last_event_id, low, high = task
    report = Verification()
    with psycopg.connect(url, prepare_threshold=None) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        typed = connection.cursor(row_factory=namedtuple_row)
        select_event = f"SELECT {', '.join(audit.VERIFY_COLUMNS)} FROM audit_events WHERE id = %s"

        def recheck(row: Sequence) -> bool:
            event = typed.execute(select_event, (row[audit.ROW_ID],)).fetchone()
            return event is not None and audit.event_hash(event) == event.hash

        def heads() -> Iterator[tuple[str, int, str]]:
            if seal_id is None:
                return
            conditions = _pg_streams(low, high)
            with connection.cursor(name="audit_verify_heads") as cursor:
                cursor.execute(_PG_HEADS.format(also="".join(" AND " + c for c in conditions)),
                               {"seal": seal_id, "low": low, "high": high})
                while batch := cursor.fetchmany(BATCH):
                    yield from batch

        chains = audit.verified_chains(_pg_row_batches(connection, low, high), recheck, documents_valid=True)
        _hold_chains(report, chains, heads(), last_event_id)
    return report


def record_verification(report: Verification, now: datetime | None = None) -> AuditVerification:
    row = AuditVerification(at=now or clock.now(), valid=report.valid, events=report.events_checked,
                            dossiers=report.dossiers_checked, streams=report.streams_checked,
                            seal_id=report.seal.id if report.seal else None,
                            problems=report.broken[:PROBLEMS_KEPT])
    db.session.add(row)
    db.session.flush()
    return row


def latest_verification() -> AuditVerification | None:
    return db.session.scalars(select(AuditVerification).order_by(AuditVerification.id.desc()).limit(1)).first()


# --- sealing -----------------------------------------------------------------------------------------------

def seal(sealed_by: str = "system", now: datetime | None = None) -> AuditSeal:
    """Append a seal over every chain as it stands. Refused while the audit does not verify: a seal must never
    bless a tampered history. On PostgreSQL writers of events are held for the moment the heads are read."""
    report = verify_all()
    if not report.valid:
        first = "; ".join(f"{p['stream']}: {p['explanation']}" for p in report.broken[:5])
        raise Conflict(f"Không niêm phong: lịch sử có {len(report.broken)} chỗ hỏng ({first}).")
    if _postgresql():
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": audit.SEAL_LOCK})
    previous = latest_seal()
    row = AuditSeal(at=now or clock.now(), sealed_by=sealed_by, events=0, streams=0,
                    last_event_id=db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))),
                    root="", prev_hash=previous.hash if previous else audit.GENESIS, hash="")
    root, changed = MerkleRoot(), []
    before = sealed_heads(previous.id) if previous else iter(())
    for stream, now_head, old_head in _merge(((s, (n, h)) for s, n, h in current_heads()),
                                             ((s, (n, h)) for s, n, h in before)):
        if now_head is None:  # verify_all just found none removed; a writer cannot remove one either
            continue
        root.add(leaf(stream, *now_head))
        row.streams += 1
        row.events += now_head[0]
        if now_head != old_head:
            changed.append(AuditSealHead(stream=stream, length=now_head[0], head=now_head[1]))
    row.root = root.hexdigest()
    row.hash = seal_hash(row)
    db.session.add(row)
    db.session.flush()
    for head in changed:
        head.seal_id = row.id
    db.session.add_all(changed)
    db.session.flush()
    return row


def seals(limit: int = 50, before_id: int | None = None) -> list[AuditSeal]:
    query = select(AuditSeal).order_by(AuditSeal.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditSeal.id < before_id)
    return list(db.session.scalars(query))


# --- re-sealing chains written before unit and actor were hashed --------------------------------------------

def reseal(reason: str, now: datetime | None = None) -> int:
    """Append to every chain that still holds version-1 events one `chain_resealed` event that attests their
    unit, actor and campaign (nothing is rewritten). Refused while any chain is broken. Returns chains resealed."""
    from models import Unit  # noqa: F401  (the unit must exist: the event's foreign key)

    reason = (reason or "").strip()
    if not reason:
        raise Conflict("Cần ghi lý do niêm phong lại (ví dụ: nâng cấp cách băm nhật ký).")
    broken = audit.verify()
    if not broken.valid:
        raise Conflict(f"Không niêm phong lại: lịch sử có {len(broken.broken)} chỗ hỏng. Chạy audit-verify.")
    count = 0
    for stream, chain in list(_legacy_chains()):
        last = chain[-1]
        audit.record(stream=stream, unit_id=last.unit_id, trigger=audit.RESEALED, actor=None, role=None,
                     at=now or clock.now(), dossier_id=last.dossier_id, campaign_id=last.campaign_id,
                     comment=reason, data={"covers": len(chain), "attest": audit.attest(chain)})
        count += 1
    return count


def _legacy_chains() -> Iterator[tuple[str, list[AuditEvent]]]:
    streams = select(AuditEvent.stream).where(AuditEvent.hash_version < audit.HASH_VERSION).distinct()
    for stream in db.session.scalars(streams.order_by(AuditEvent.stream)).all():
        chain = audit.stream_events(stream)
        if audit.legacy_events(chain):
            yield stream, chain
