"""The audit trail: one helper writes events; a SHA-256 chain per stream lets anyone prove nothing was altered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import func, select, text, true
from sqlalchemy.orm import Session

from models import AuditEvent, Unit, User
from states.enums import EventName
from workflow import uow
from workflow.extensions import db
from workflow.services import bulk

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    """JSON-ready copy of `value` (dates as ISO strings), so what is hashed is exactly what is stored."""

    def default(obj: Any) -> str:
        if isinstance(obj, datetime | date):
            return obj.isoformat()
        return str(obj)

    return json.loads(json.dumps(value or {}, default=default, ensure_ascii=False))


def format_at(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


HASH_VERSION = 2  # unit and actor in the hash (version 1 events predate it; see `attest` and audit-reseal)
RESEALED = EventName.CHAIN_RESEALED  # a re-seal appends it to a chain that still holds version-1 events


def event_hash(event: AuditEvent) -> str:
    canonical = {
        "seq": event.seq,
        "stream": event.stream,
        "dossier_id": event.dossier_id,
        "trigger": event.trigger,
        "from": event.from_state,
        "to": event.to_state,
        "actor": event.actor,
        "role": event.role,
        "at": format_at(event.at),
        "comment": event.comment or "",
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    if (event.hash_version or 1) >= 2:
        canonical.update(v=event.hash_version, unit_id=event.unit_id, actor_id=event.actor_id,
                         campaign_id=event.campaign_id)
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- a fast path to the same hash (verification of millions of events) ------------------------------------
# `event_hash` stays the definition. `fast_hash` writes the very same canonical text without building a dict:
# the fixed keys in sorted order, spliced by hand, and json only for the `data` document. Whatever it cannot
# write exactly as json.dumps would (an unexpected type) raises, and `hash_matches` then asks `event_hash`; a
# fast hash that differs from the stored one is always re-checked by `event_hash` before anything is reported.

_quote = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) quotes strings with
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_CANONICAL_V1 = ('{"actor":%s,"at":"%sZ","comment":%s,"data":%s,"dossier_id":%s,"from":%s,"prev_hash":%s,"role":%s,'
                 '"seq":%s,"stream":%s,"to":%s,"trigger":%s}')
_CANONICAL_V2 = ('{"actor":%s,"actor_id":%s,"at":"%sZ","campaign_id":%s,"comment":%s,"data":%s,"dossier_id":%s,'
                 '"from":%s,"prev_hash":%s,"role":%s,"seq":%s,"stream":%s,"to":%s,"trigger":%s,"unit_id":%s,'
                 '"v":%s}')
_CANONICAL_V2_BYTES = (b'{"actor":%b,"actor_id":%b,"at":"%bZ","campaign_id":%b,"comment":%b,"data":%b,"dossier_id":%b,'
                       b'"from":%b,"prev_hash":%b,"role":%b,"seq":%a,"stream":%b,"to":%b,"trigger":%b,"unit_id":%a,'
                       b'"v":2}')  # the same, for pieces already UTF-8 and integers as repr (verified_chains)
_sha256 = hashlib.sha256

# The columns `fast_hash` takes, in its order (a verifier selects exactly these).
HASHED_COLUMNS = ("seq", "stream", "dossier_id", "trigger", "from_state", "to_state", "actor", "role", "at",
                  "comment", "data", "prev_hash", "hash_version", "unit_id", "actor_id", "campaign_id")


def fast_hash(seq, stream, dossier_id, trigger, from_state, to_state, actor, role, at, comment, data, prev_hash,
              hash_version, unit_id, actor_id, campaign_id) -> str:
    """`event_hash` of the event with these values (in HASHED_COLUMNS order), from the same canonical text.

    Each piece is exactly what json.dumps writes for a value of the column's type: strings through json's own
    quoting (which raises on a non-string), integers as repr (a bool, None or other type where an integer is
    required writes text json never would, so the hash cannot match and `event_hash` decides)."""
    if type(at) is not datetime:
        raise TypeError(type(at))
    at_text = at.isoformat(timespec="microseconds")[:26]  # YYYY-MM-DDTHH:MM:SS.ffffff, as format_at
    if (hash_version or 1) >= 2:
        text = _CANONICAL_V2 % (
            _quote(actor), "null" if actor_id is None else repr(actor_id), at_text,
            "null" if campaign_id is None else repr(campaign_id), _quote(comment or ""), _encode(data),
            "null" if dossier_id is None else repr(dossier_id), "null" if from_state is None else _quote(from_state),
            _quote(prev_hash), "null" if role is None else _quote(role), repr(seq), _quote(stream),
            "null" if to_state is None else _quote(to_state), _quote(trigger), repr(unit_id), repr(hash_version))
    else:
        text = _CANONICAL_V1 % (
            _quote(actor), at_text, _quote(comment or ""), _encode(data),
            "null" if dossier_id is None else repr(dossier_id), "null" if from_state is None else _quote(from_state),
            _quote(prev_hash), "null" if role is None else _quote(role), repr(seq), _quote(stream),
            "null" if to_state is None else _quote(to_state), _quote(trigger))
    return _sha256(text.encode("utf-8")).hexdigest()


def hash_matches(event: Any, values: tuple | None = None) -> bool:
    """Whether the event's stored hash is its `event_hash`: the fast path first (from `values`, in HASHED_COLUMNS
    order, when the caller has them), and `event_hash` itself whenever the fast one does not match."""
    try:
        if values is None:
            values = tuple(getattr(event, column) for column in HASHED_COLUMNS)
        if fast_hash(*values) == event.hash:
            return True
    except Exception:  # noqa: BLE001  (anything unexpected: event_hash decides)
        pass
    return event_hash(event) == event.hash


# --- verifying millions of events from plain rows -----------------------------------------------------------
# A verifier reads each event as one row of VERIFY_COLUMNS, in stream then seq order, with `at` as the text
# `format_at` writes (without its Z; written by the reader from the typed value, never stored text, as it is
# spliced unquoted) and `data` as the stored JSON text: no datetime is built for any event, and
# a document is parsed and written canonically once for all the events that store the same text (a ward's votes,
# assessments and notices repeat a few thousand documents). Whatever does not verify this way goes to `recheck`
# (event_hash of the row as the ORM reads it), and a chain that is not plainly whole goes to `check_chain`, so
# both stay the definitions. (Hashing in PostgreSQL was measured and dropped: the app stores `data` as
# json.dumps' default spelling, not the canonical text, so the database cannot write the hashed text.)

VERIFY_COLUMNS = ("id", "hash", *HASHED_COLUMNS)
ROW_ID, ROW_HASH, ROW_SEQ, ROW_DOSSIER_ID = (VERIFY_COLUMNS.index(c) for c in ("id", "hash", "seq", "dossier_id"))
DOCUMENTS_KEPT = 4_000_000  # characters of stored documents whose canonical text is remembered (memory bound)
NAMES_KEPT = 100_000  # quoted actors, roles, states and triggers remembered


def verified_chains(batches: Iterable[Sequence[Sequence]], recheck: Callable[[Sequence], bool],
                    documents_valid: bool = False) -> Iterator[tuple[str, list, list[bool] | None]]:
    """Each chain of the rows (batches of VERIFY_COLUMNS rows, stream then seq order): (stream, its rows, None)
    when it is plainly whole — seq 1, 2, …, each prev_hash the hash before, every hash right, every event of this
    hash version and none a re-seal, so that `check_chain` has nothing to say — else (stream, rows, each event's
    `hash_matches`) for `check_chain` to judge.

    `documents_valid`: the database guarantees each stored document is valid JSON (PostgreSQL's json type); a
    document that looks compact is then first tried as it is stored, unparsed. Sound: the text hashed is then
    valid JSON of the row's values, so it equals the text that was hashed only if it holds the very values that
    were (an unparsed document that was not stored canonically just fails, and is parsed as any other)."""
    documents: dict[str, bytes] = {}  # stored text -> canonical text, UTF-8
    kept = 0
    names: dict[str | None, bytes] = {None: b"null"}  # a name -> its JSON string (json.dumps writes None as null)
    quote, encode, loads, sha256, resealed = _quote, _encode, json.loads, _sha256, RESEALED
    canonical = _CANONICAL_V2_BYTES
    stream, stream_text, chain, hashes_ok, whole, previous = None, b"", [], [], True, GENESIS
    for batch in batches:
        for row in batch:
            (_, stored, seq, row_stream, dossier_id, trigger, from_state, to_state, actor, role, at, comment, data,
             prev_hash, version, unit_id, actor_id, campaign_id) = row
            if row_stream != stream:
                if chain:
                    yield stream, chain, None if whole else hashes_ok
                stream, chain, hashes_ok, whole, previous = row_stream, [], [], True, GENESIS
                stream_text = None
            chain.append(row)
            ok = False
            try:
                if version == 2:
                    if stream_text is None:
                        stream_text = quote(stream).encode()
                    if len(names) > NAMES_KEPT:
                        names = {None: b"null"}
                    head = (names.get(actor) or names.setdefault(actor, quote(actor).encode()),
                            b"null" if actor_id is None else repr(actor_id).encode(), at.encode(),
                            b"null" if campaign_id is None else repr(campaign_id).encode(),
                            quote(comment).encode() if comment else b'""')
                    tail = (b"null" if dossier_id is None else repr(dossier_id).encode(),
                            names.get(from_state) or names.setdefault(from_state, quote(from_state).encode()),
                            quote(prev_hash).encode(),
                            names.get(role) or names.setdefault(role, quote(role).encode()), seq, stream_text,
                            names.get(to_state) or names.setdefault(to_state, quote(to_state).encode()),
                            names.get(trigger) or names.setdefault(trigger, quote(trigger).encode()), unit_id)
                    document = documents.get(data)
                    if document is None:
                        if documents_valid and '": ' not in data:  # json.dumps' default spelling has '": '
                            ok = sha256(canonical % (*head, data.encode(), *tail)).hexdigest() == stored
                        document = data.encode() if ok else encode(loads(data)).encode()
                        if kept + len(data) > DOCUMENTS_KEPT:
                            documents.clear()
                            kept = 0
                        documents[data] = document
                        kept += len(data)
                    if not ok:
                        ok = sha256(canonical % (*head, document, *tail)).hexdigest() == stored
            except Exception:  # noqa: BLE001  (anything unexpected: recheck decides)
                pass
            if not ok:
                ok = recheck(row)
            hashes_ok.append(ok)
            if whole and not (ok and seq == len(chain) and prev_hash == previous and version == HASH_VERSION
                              and trigger != resealed):
                whole = False
            previous = stored
    if chain:
        yield stream, chain, None if whole else hashes_ok


def row_events(rows: Sequence[Sequence]) -> list[SimpleNamespace]:
    """VERIFY_COLUMNS rows as events `check_chain`, `legacy_events` and `attest` can read (`data` parsed)."""
    data = VERIFY_COLUMNS.index("data")
    events = []
    for row in rows:
        values = dict(zip(VERIFY_COLUMNS, row, strict=True))
        try:
            values["data"] = json.loads(row[data])
        except (TypeError, ValueError):
            values["data"] = None
        events.append(SimpleNamespace(**values))
    return events


def attest(events: list[AuditEvent]) -> str:
    """A digest of what version-1 hashes left out (each event's unit, actor and campaign), which a re-seal
    event carries in its own, version-2 hash."""
    rows = [[e.seq, e.unit_id, e.actor_id, e.campaign_id] for e in events]
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def record(
    *,
    stream: str,
    unit_id: int,
    trigger: str,
    actor: User | None,
    role: str | None,
    at: datetime,
    dossier_id: int | None = None,
    campaign_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to `stream`, chained to the stream's last event, in the caller's transaction."""
    share_seal_lock()
    lock_stream(dossier_id, campaign_id)
    last = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.stream == stream)
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    event = AuditEvent(**_linked(last.seq if last else 0, last.hash if last else GENESIS, stream=stream,
                                 unit_id=unit_id, trigger=trigger, actor=actor, role=role, at=at,
                                 dossier_id=dossier_id, campaign_id=campaign_id, from_state=from_state,
                                 to_state=to_state, comment=comment, data=data))
    db.session.add(event)
    db.session.flush()
    uow.written(db.session, event)
    return event


def record_many(entries: list[dict[str, Any]]) -> list[SimpleNamespace]:
    """Append many events at once (each entry: `record`'s arguments), in the caller's transaction: the very events
    `record` would write one by one in this order — each chained to its stream's last event, or to the entry
    before it of the same stream — with the owners locked in one statement, the streams' last links read in one
    and the events inserted in one (bulk.insert_rows). Returns each event's values with its id (plain records:
    what was written needs no ORM object)."""
    if not entries:
        return []
    share_seal_lock()
    lock_streams({e["dossier_id"] for e in entries if e.get("dossier_id") is not None},
                 {e["campaign_id"] for e in entries
                  if e.get("dossier_id") is None and e.get("campaign_id") is not None})
    links = last_links({e["stream"] for e in entries})
    rows = []
    for entry in entries:
        seq, prev_hash = links.get(entry["stream"], (0, GENESIS))
        row = _linked(seq, prev_hash, **entry)
        links[row["stream"]] = (row["seq"], row["hash"])
        rows.append(row)
    events = [SimpleNamespace(id=event_id, **row)
              for row, event_id in zip(rows, bulk.insert_rows(AuditEvent.__table__, rows), strict=True)]
    for event in events:
        uow.written(db.session, event)
    return events


def _linked(last_seq: int, prev_hash: str, *, stream: str, unit_id: int, trigger: str, actor: User | None,
            role: str | None, at: datetime, dossier_id: int | None = None, campaign_id: int | None = None,
            from_state: str | None = None, to_state: str | None = None, comment: str = "",
            data: dict | None = None) -> dict[str, Any]:
    """The column values of the event that follows (last_seq, prev_hash) on its stream, its hash included."""
    values = dict(
        stream=stream,
        seq=last_seq + 1,
        dossier_id=dossier_id,
        campaign_id=campaign_id,
        unit_id=unit_id,
        trigger=str(trigger),
        from_state=str(from_state) if from_state else None,
        to_state=str(to_state) if to_state else None,
        actor_id=actor.id if actor else None,
        actor=actor.username if actor else "system",
        role=str(role) if role else None,
        at=at,
        comment=comment or "",
        data=_plain(data),
        prev_hash=prev_hash,
        hash_version=HASH_VERSION,
    )
    values["hash"] = event_hash(SimpleNamespace(**values))
    return values


def last_links(streams: set[str]) -> dict[str, tuple[int, str]]:
    """Each stream's last (seq, hash), for many streams in one statement: on PostgreSQL one index probe per stream
    (LATERAL … ORDER BY seq DESC LIMIT 1), elsewhere the streams' max(seq) joined back."""
    links: dict[str, tuple[int, str]] = {}
    for chunk in bulk.chunks(streams):
        if bulk.on_postgresql():
            wanted = func.unnest(bulk.array_of("streams", chunk, AuditEvent.stream.type)) \
                .table_valued("stream").render_derived(name="wanted")
            last = (select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.stream == wanted.c.stream)
                    .order_by(AuditEvent.seq.desc()).limit(1).lateral("last"))
            query = select(wanted.c.stream, last.c.seq, last.c.hash).select_from(wanted).join(last, true())
        else:
            last = (select(AuditEvent.stream, func.max(AuditEvent.seq).label("seq"))
                    .where(AuditEvent.stream.in_(chunk)).group_by(AuditEvent.stream).subquery())
            query = (select(AuditEvent.stream, AuditEvent.seq, AuditEvent.hash)
                     .join(last, (AuditEvent.stream == last.c.stream) & (AuditEvent.seq == last.c.seq)))
        links.update((row[0], (row[1], row[2])) for row in db.session.execute(query))
    return links


def lock_stream(dossier_id: int | None, campaign_id: int | None = None) -> None:
    """Serialize writers of one chain (two votes at once) by locking its owner row; SQLite locks the file.

    A step must take this lock before it writes anything that references the row (a vote's foreign key
    takes a weaker lock, and two writers upgrading from it deadlock), so services call it first."""
    from sqlalchemy.orm import lazyload

    from models import Campaign, Dossier

    if dossier_id is not None:
        held = db.session.info.setdefault(_HELD, set())
        if dossier_id in held:  # locked (and refreshed) earlier in this transaction: the step, then its event
            return
        # populate_existing: once we hold the lock, the dossier in memory is refreshed to what the previous
        # writer committed, so the state and version checks that follow judge the current row. Its members are
        # read again only if something asks (they were read for the policy already).
        db.session.scalars(select(Dossier).where(Dossier.id == dossier_id).with_for_update()
                           .options(lazyload(Dossier.members))
                           .execution_options(populate_existing=True)).one_or_none()
        held.add(dossier_id)
    elif campaign_id is not None:
        db.session.execute(select(Campaign.id).where(Campaign.id == campaign_id).with_for_update())


def lock_streams(dossier_ids: set[int], campaign_ids: set[int] = frozenset()) -> None:
    """`lock_stream` for many owners: their rows locked in one statement each, lowest id first (one lock order,
    so two writers of overlapping sets never deadlock). Rows already held are simply held again."""
    from models import Campaign, Dossier

    for model, ids in ((Dossier, dossier_ids), (Campaign, campaign_ids)):
        for chunk in bulk.chunks(ids):
            db.session.execute(select(model.id).where(bulk.among(model.id, chunk)).order_by(model.id)
                               .with_for_update())


SEAL_LOCK = 0x6B6D_5345  # PostgreSQL advisory lock: writers share it, a seal takes it alone
_SHARED = "kieumau.seal_lock_shared"
_HELD = "kieumau.dossiers_locked"  # dossier rows this transaction locked by lock_stream


def share_seal_lock() -> None:
    """Writers of events share one advisory lock, once per transaction, so a seal (which takes it alone) sees
    no event still uncommitted below the last id it covers. Advisory locks need no table privilege."""
    info = db.session.info
    if info.get(_SHARED) or db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": SEAL_LOCK})
    info[_SHARED] = True


@orm_event.listens_for(Session, "after_transaction_end")
def _lock_released(session: Session, transaction) -> None:
    # A savepoint's end too (a row lock taken in a savepoint rolled back is gone, so lock_stream locks again); not
    # a flush's inner transaction.
    if transaction.nested or transaction.parent is None:
        session.info.pop(_HELD, None)
    if transaction.parent is None:
        session.info.pop(_SHARED, None)


@dataclass
class ChainReport:
    valid: bool = True
    streams_checked: int = 0
    dossiers_checked: int = 0
    events_checked: int = 0
    broken: list[dict] = field(default_factory=list)


def check_chain(events: list[AuditEvent], hashes_ok: list[bool] | None = None) -> list[tuple[int, str]]:
    """(seq, reason) for every event of one stream (oldest first) that breaks the chain. `hashes_ok`: each
    event's `hash_matches`, when the caller has already checked them."""
    problems: list[tuple[int, str]] = []
    previous_hash = GENESIS
    newest_version = 1
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append((event.seq, f"seq_gap: expected {expected_seq}"))
        if event.prev_hash != previous_hash:
            problems.append((event.seq, "prev_hash_mismatch"))
        if not (hashes_ok[expected_seq - 1] if hashes_ok is not None else hash_matches(event)):
            problems.append((event.seq, "hash_mismatch"))
        version = event.hash_version or 1
        if version < newest_version:
            problems.append((event.seq, "hash_downgraded"))  # a later event cannot be hashed the older way
        newest_version = max(newest_version, version)
        if event.trigger == RESEALED and version >= 2:
            covered = (event.data or {}).get("covers", 0)
            if not isinstance(covered, int) or (event.data or {}).get("attest") != attest(events[:covered]):
                problems.append((event.seq, "attest_mismatch: unit or actor changed before the re-seal"))
        previous_hash = event.hash
    return problems


def legacy_events(events: list[AuditEvent]) -> int:
    """How many version-1 events of one chain no re-seal covers yet (their unit and actor are unprotected)."""
    covered = max((e.data.get("covers", 0) for e in events if e.trigger == RESEALED and (e.hash_version or 1) >= 2
                   and isinstance((e.data or {}).get("covers"), int)), default=0)
    return sum(1 for e in events[covered:] if (e.hash_version or 1) < 2)


def stream_events(stream: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)))


def verify(unit_paths: list[str] | None = None) -> ChainReport:
    """Check every chain (or those of events in the given unit paths)."""
    query = select(AuditEvent).order_by(AuditEvent.stream, AuditEvent.seq)
    if unit_paths is not None:
        from workflow.services.scope import unit_filter

        condition = unit_filter(Unit.path, unit_paths)
        if condition is None:
            return ChainReport()
        streams = select(AuditEvent.stream).join(Unit, AuditEvent.unit_id == Unit.id).where(condition)
        query = query.where(AuditEvent.stream.in_(streams))
    report = ChainReport()
    current: list[AuditEvent] = []

    def flush_stream() -> None:
        if not current:
            return
        report.streams_checked += 1
        dossier_id = current[0].dossier_id
        if dossier_id is not None:
            report.dossiers_checked += 1
        for seq, reason in check_chain(current):
            report.broken.append({"dossier_id": dossier_id, "stream": current[0].stream, "seq": seq,
                                  "reason": reason})

    for event in db.session.scalars(query).yield_per(1000):
        report.events_checked += 1
        if current and current[0].stream != event.stream:
            flush_stream()
            current = []
        current.append(event)
    flush_stream()
    report.valid = not report.broken
    return report
