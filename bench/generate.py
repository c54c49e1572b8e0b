"""Loads N dossiers over a realistic province, in bulk: one province, wards with their groups (and an agency),
this year's and last year's campaign per ward, the criteria sets as the app loads them, a handful of users per
ward, and dossiers in every state, each with a real SHA-256 chain (hash version 2, `audit.event_hash`) whose
steps follow the transition table, with the rows those steps leave behind (assessment and inspection items,
the group meeting's votes, council votes, last year's decisions, notice and certificate fields).

Rows are written as the schema owner (MIGRATION_DATABASE_URL if set, else DATABASE_URL): PostgreSQL through
COPY, SQLite through Core executemany; ids are assigned here and the sequences moved past them.

Usage: .venv/bin/python bench/generate.py N [--database-url URL] [--seed S] [--results DIR]
Then `flask --app wsgi audit-verify` and `flask --app wsgi audit-replay` pass on the database.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import queue
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 5_000  # dossiers per chunk; each chunk is one transaction
PASSWORD = "kieumau-bench-2025"  # every generated account's password (printed in the summary)
GROUPS_PER_WARD = 50
DOSSIERS_PER_WARD = 6_700
COUNCIL = 5
STEP_HOURS = (2, 20)

# Target states and their shares, this year's campaign (spread) and last year's (mostly decided).
THIS_YEAR = {"draft": 8, "registered": 12, "registration_rejected": 3, "self_assessment": 20,
             "public_notice": 10, "ward_inspection": 12, "council_review": 10, "awaiting_decision": 22,
             "withdrawn": 3}
LAST_YEAR = {"recognized": 75, "not_recognized": 12, "revoked": 1, "registration_rejected": 6, "withdrawn": 6}
LAST_YEAR_SHARE = 0.45

FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
                "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Lương", "Mai"]
MIDDLE_NAMES = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Quang", "Ngọc", "Thanh", "Xuân", "Công", "Đình", "Kim"]
GIVEN_NAMES = ["An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
               "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn",
               "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Vân", "Việt", "Yến"]

# The columns written per table, in COPY order.
COLUMNS = {
    "units": ["id", "code", "name", "kind", "parent_id", "path", "valid_from", "valid_to", "merged_into_id"],
    "users": ["id", "username", "full_name", "search_name", "personal_id", "email", "phone", "channels",
              "password_hash", "active", "session_version", "must_change_password", "created_at"],
    "role_assignments": ["id", "user_id", "role", "unit_id"],
    "campaigns": ["id", "year", "unit_id", "name", "registration_opens", "registration_closes", "assessment_due",
                  "inspection_due", "decision_due", "group_quorum", "group_approval", "notice_days",
                  "council_quorum", "council_approval", "pass_points", "secret_ballot", "notice_working_days",
                  "decision_days", "publication_days", "grounds", "created_at"],
    "decisions": ["id", "unit_id", "number", "signed_on", "outcome", "comment", "created_by_id",
                  "on_behalf_of_id", "published_on", "published_by_id", "created_at", "number_year", "number_symbol",
                  "number_serial"],
    "group_meetings": ["id", "unit_id", "campaign_id", "held_on", "invited", "attendees", "chaired_by", "note",
                       "recorded_by_id", "updated_at"],
    "dossiers": ["id", "tracking_code", "title", "campaign_id", "unit_id", "criteria_set_id", "subject_name",
                 "subject_ref", "subject_address", "note", "search_text", "state", "version", "created_by_id",
                 "entered_by_id", "recommendation", "council_recommended", "disqualifiers_found", "decision_id",
                 "notice_ends_on", "certificate_code", "state_changed_at", "created_at", "updated_at", "ward_id",
                 "due_on"],
    "audit_events": ["id", "stream", "seq", "dossier_id", "campaign_id", "unit_id", "trigger", "from_state",
                     "to_state", "actor_id", "actor", "role", "at", "comment", "data", "prev_hash", "hash",
                     "hash_version"],
    "assessment_items": ["id", "dossier_id", "criterion_id", "met", "points", "note"],
    "inspection_items": ["id", "dossier_id", "criterion_id", "met", "points", "note"],
    "meeting_votes": ["id", "meeting_id", "dossier_id", "votes_for"],
    "votes": ["id", "dossier_id", "user_id", "choice", "comment", "cast_at"],
}
JSON_COLUMNS = {"disqualifiers_found", "data"}
# Parents before children (foreign keys are checked row by row).
ORDER = ["units", "users", "role_assignments", "campaigns", "decisions", "group_meetings", "dossiers",
         "audit_events", "assessment_items", "inspection_items", "meeting_votes", "votes"]


# --- codes that look random and never collide ------------------------------------------------------------

def _code(number: int, alphabet: str, length: int, salt: int) -> str:
    """An affine permutation of 0..len(alphabet)**length: distinct numbers give distinct codes."""
    size = len(alphabet) ** length
    value = (number * 2_654_435_761 + salt) % size  # the multiplier is odd, the size a power of two
    chars = []
    for _ in range(length):
        value, digit = divmod(value, len(alphabet))
        chars.append(alphabet[digit])
    return "".join(chars)


# --- hashing: the canonical text of audit.event_hash, spliced from pieces ---------------------------------

class Dumped(str):
    """A JSON document already serialized (sorted keys, compact): COPY writes the text, SQLite gets `value`."""

    value: Any

    def __new__(cls, text: str, value: Any):
        obj = super().__new__(cls, text)
        obj.value = value
        return obj


_quote = json.encoder.encode_basestring  # ensure_ascii=False quoting, as json.dumps(..., ensure_ascii=False)
_CANONICAL = ('{"actor":%s,"actor_id":%d,"at":"%s","campaign_id":null,"comment":%s,"data":%s,"dossier_id":%d,'
              '"from":%s,"prev_hash":"%s","role":%s,"seq":%d,"stream":"%s","to":%s,"trigger":"%s","unit_id":%d,'
              '"v":2}')


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _nullable(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def fast_hash(seq, stream, dossier_id, trigger, source, dest, actor, actor_id, role, at, comment, data_text,
              prev, unit_id) -> str:
    """audit.event_hash of a version-2 dossier event (campaign_id null), without building dicts: the same
    canonical text, checked against event_hash on the first events of every run."""
    at_text = (f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:{at.minute:02d}:{at.second:02d}."
               f"{at.microsecond:06d}Z")
    text = _CANONICAL % (_quote(actor), actor_id, at_text, _quote(comment), data_text, dossier_id,
                         _nullable(source), prev, _nullable(role), seq, stream, _nullable(dest), trigger, unit_id)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the writer ------------------------------------------------------------------------------------------

class Writer:
    """Bulk rows into one table at a time: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine):
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.connection = engine.connect()
        self.foreign_keys_checked = True
        if self.postgresql:
            self.connection.exec_driver_sql("SET synchronous_commit = off")
            try:  # generated rows are consistent by construction: skip the per-row foreign-key triggers
                self.connection.exec_driver_sql("SET session_replication_role = replica")
                self.foreign_keys_checked = False
            except Exception:  # noqa: BLE001 — not a superuser: keep the checks
                self.connection.rollback()
                self.connection.exec_driver_sql("SET synchronous_commit = off")
            self.connection.commit()
        self.queue: queue.Queue | None = None
        self.failure: BaseException | None = None
        from models import Base

        self.tables = Base.metadata.tables
        self.extra: dict[str, list[str]] = {}

    def write(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        columns = COLUMNS[table] + self.extra.get(table, [])
        if self.postgresql:
            json_at = [i for i, c in enumerate(columns) if c in JSON_COLUMNS]
            raw = self.connection.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            value = row[i]
                            row[i] = str(value) if isinstance(value, Dumped) else dumps(value)
                    copy.write_row(row)
        else:
            from sqlalchemy import insert

            json_at = [i for i, c in enumerate(columns) if c in JSON_COLUMNS]
            values = []
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        if isinstance(row[i], Dumped):
                            row[i] = row[i].value
                values.append(dict(zip(columns, row, strict=True)))
            self.connection.execute(insert(self.tables[table]), values)

    def commit(self) -> None:
        self.connection.commit()

    def submit(self, batch: dict[str, list[tuple]]) -> None:
        """Write one chunk (one transaction): on PostgreSQL in a thread, so the server loads a chunk while
        this process makes the next (two cores: one each)."""
        if not self.postgresql:
            self._write_batch(batch)
            return
        if self.failure is not None:
            raise self.failure
        if self.queue is None:
            self.queue = queue.Queue(maxsize=2)
            self.thread = threading.Thread(target=self._drain, daemon=True)
            self.thread.start()
        self.queue.put(batch)

    def _write_batch(self, batch: dict[str, list[tuple]]) -> None:
        for table in ORDER:
            self.write(table, batch.get(table, []))
        self.commit()

    def _drain(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.failure is None:
                try:
                    self._write_batch(batch)
                except BaseException as error:  # noqa: BLE001 — raised again in the main thread
                    self.failure = error

    def wait(self) -> None:
        if self.queue is not None:
            self.queue.put(None)
            self.thread.join()
            self.queue = None
        if self.failure is not None:
            raise self.failure

    def next_id(self, table: str) -> int:
        from sqlalchemy import text

        return (self.connection.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() or 0) + 1

    def move_sequences(self) -> None:
        if not self.postgresql:
            return
        from sqlalchemy import text

        for table in ORDER:
            self.connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"))
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


# --- the province ----------------------------------------------------------------------------------------

@dataclass
class Ward:
    unit_id: int
    number: int
    groups: list[int]
    agency: int
    users: dict[str, tuple[int, str]]  # role name -> (id, username); council members as council1..N
    council: list[tuple[int, str]]
    campaigns: dict[str, dict]  # "this" / "last" -> campaign row as a dict
    decisions: dict[str, dict] = field(default_factory=dict)  # "recognize" / "refuse" (last year)
    meetings: dict[tuple[int, str], dict] = field(default_factory=dict)  # (unit, "this"/"last") -> meeting


def _campaign(campaign_id: int, ward_id: int, year: int, today: date, now: datetime) -> dict:
    return {"id": campaign_id, "year": year, "unit_id": ward_id, "name": f"Thi đua kiểu mẫu {year}",
            "registration_opens": today - timedelta(days=200), "registration_closes": today + timedelta(days=30),
            "assessment_due": today + timedelta(days=40), "inspection_due": today + timedelta(days=55),
            "decision_due": today + timedelta(days=60), "group_quorum": 0.6, "group_approval": 0.6,
            "notice_days": 10, "council_quorum": 2 / 3, "council_approval": 0.7, "pass_points": 85,
            "secret_ballot": False, "notice_working_days": False, "decision_days": 10, "publication_days": 15,
            "grounds": "", "created_at": now - timedelta(days=1)}


class Generator:
    def __init__(self, n: int, seed: int, writer: Writer, now: datetime, progress: bool = True,
                 per_ward: int = DOSSIERS_PER_WARD):
        from workflow.services.calendar import VIETNAM, local_date

        self.n, self.writer, self.now, self.progress, self.per_ward = n, writer, now, progress, per_ward
        self.random = random.Random(seed)
        self.salt = seed * 7919 + 12345
        self.vietnam, self.local_date = VIETNAM, local_date
        self.today = local_date(now)
        self.counts: dict[str, int] = {t: 0 for t in ORDER}
        self.ids = {t: writer.next_id(t) for t in ORDER}
        self.rows: dict[str, list[tuple]] = {t: [] for t in ORDER}
        self._periods: dict[tuple[date, int, bool], date] = {}
        self._folded: dict[str, str] = {}
        self._items: dict[tuple, tuple[str, list, int]] = {}
        self.checked = 0

    def take(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] += 1
        return value

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)
        self.counts[table] += 1

    def flush(self) -> None:
        batch, self.rows = self.rows, {t: [] for t in ORDER}
        self.writer.submit(batch)

    # --- calendar, as the app counts it (one query per distinct day) --------------------------------------

    def period_end(self, start: date, days: int, working: bool) -> date:
        key = (start, days, working)
        if key not in self._periods:
            from workflow.services import calendar

            self._periods[key] = calendar.count(start, days, working).ends_on
        return self._periods[key]

    def morning_after(self, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), dtime(8), tzinfo=self.vietnam).astimezone(UTC)

    def local_noon(self, day: date) -> datetime:
        return datetime.combine(day, dtime(12), tzinfo=self.vietnam).astimezone(UTC)

    # --- set-up: criteria, units, users, campaigns, decisions, meetings --------------------------------

    def load_criteria(self, criteria_dir: str) -> None:
        from states.enums import Title
        from workflow.extensions import db
        from workflow.services.criteria import current_set, load_criteria_dir

        load_criteria_dir(criteria_dir)
        db.session.commit()
        self.sets = {}
        for title in Title:
            s = current_set(title)
            standards_first = s.criteria[0].standard_id if s.criteria else None
            self.sets[title.value] = SimpleNamespace(
                id=s.id, version=s.version, points=s.shape == "points",
                criteria=[(c.id, c.code, c.max_points, c.standard_id) for c in s.criteria],
                first_standard=standards_first)

    def build_province(self) -> list[Ward]:
        from werkzeug.security import generate_password_hash

        password_hash = generate_password_hash(PASSWORD)  # once: the app's own scrypt, reused by every account
        ward_count = max(1, self.n // self.per_ward)
        suffix = self.ids["units"]  # unit codes unique even when a province is already loaded
        province = self.take("units")
        self.add("units", (province, f"P{suffix}", "Tỉnh Thanh Hóa (bench)", "province", None, f"/{province}/",
                           None, None, None))
        created = self.now - timedelta(days=400)

        def user(username: str, name: str, grants: list[tuple[str, int]]) -> tuple[int, str]:
            user_id = self.take("users")
            self.add("users", (user_id, username, name, self.fold(name), None, f"{username}@bench.invalid", None,
                               "email", password_hash, True, 1, False, created))
            for role, unit in grants:
                self.add("role_assignments", (self.take("role_assignments"), user_id, role, unit))
            return user_id, username

        tag = f"{suffix}"
        self.province_users = {
            "admin": user(f"b{tag}_admin", "Quản trị tỉnh", [("admin", province)]),
            "auditor": user(f"b{tag}_auditor", "Thanh tra tỉnh", [("auditor", province)]),
        }
        this_year, last_year = self.today.year, self.today.year - 1
        wards = []
        for number in range(1, ward_count + 1):
            ward_id = self.take("units")
            path = f"/{province}/{ward_id}/"
            self.add("units", (ward_id, f"P{suffix}-W{number:03d}", f"Phường {number} (bench)", "ward", province,
                               path, None, None, None))
            groups = []
            for g in range(1, GROUPS_PER_WARD + 1):
                group_id = self.take("units")
                self.add("units", (group_id, f"P{suffix}-W{number:03d}-G{g:02d}", f"Tổ dân phố {g}", "group",
                                   ward_id, f"{path}{group_id}/", None, None, None))
                groups.append(group_id)
            agency = self.take("units")
            self.add("units", (agency, f"P{suffix}-W{number:03d}-A", f"Trường Tiểu học phường {number}", "agency",
                               ward_id, f"{path}{agency}/", None, None, None))
            prefix = f"b{tag}w{number:03d}"
            users = {role: user(f"{prefix}_{role}", f"{label} phường {number}", [(role, ward_id)])
                     for role, label in [("applicant", "Người đăng ký"), ("group_committee", "Tổ trưởng"),
                                         ("ward_inspector", "Cán bộ văn hóa"), ("council_secretary", "Thư ký HĐ"),
                                         ("chairman", "Chủ tịch UBND"), ("auditor", "Thanh tra")]}
            council = [user(f"{prefix}_council{k}", f"Thành viên HĐ {k} phường {number}",
                            [("council_member", ward_id)]) for k in range(1, COUNCIL + 1)]
            campaigns = {"this": _campaign(self.take("campaigns"), ward_id, this_year, self.today, self.now),
                         "last": _campaign(self.take("campaigns"), ward_id, last_year,
                                           self.today - timedelta(days=365), self.now - timedelta(days=365))}
            for c in campaigns.values():
                self.add("campaigns", tuple(c[k] for k in COLUMNS["campaigns"]))
            ward = Ward(ward_id, number, groups, agency, users, council, campaigns)
            last = campaigns["last"]
            signed_on = last["decision_due"] - timedelta(days=3)
            for k, outcome in enumerate(("recognize", "refuse"), start=1):
                decision = {"id": self.take("decisions"), "number": f"{k:02d}/QĐ-UBND", "signed_on": signed_on,
                            "outcome": outcome}
                chairman = users["chairman"][0]
                self.add("decisions", (decision["id"], ward_id, decision["number"], signed_on, outcome, "",
                                       chairman, None, None, None, self.local_noon(signed_on), signed_on.year,
                                       "QĐ-UBND", k))
                ward.decisions[outcome] = decision
            committee = users["group_committee"][0]
            for unit in [*groups, agency]:
                for which, c in campaigns.items():
                    decided = c["decision_due"] - timedelta(days=3) if which == "last" else self.today
                    held_on = decided - timedelta(days=self.random.randint(60, 80))
                    invited = self.random.randint(25, 60)
                    meeting = {"id": self.take("group_meetings"), "held_on": held_on, "invited": invited,
                               "attendees": self.random.randint(int(invited * 0.7), invited)}
                    self.add("group_meetings", (meeting["id"], unit, c["id"], held_on, invited,
                                                meeting["attendees"], "Tổ trưởng", "", committee,
                                                self.local_noon(held_on)))
                    ward.meetings[(unit, which)] = meeting
            wards.append(ward)
        return wards

    # --- one dossier ----------------------------------------------------------------------------------------

    def dossier(self, ward: Ward, which: str, target: str, number: int) -> None:
        r = self.random
        campaign = ward.campaigns[which]
        title = r.choices(["model_family", "model_citizen", "model_group", "model_agency"], [80, 14, 4, 2])[0]
        unit = ward.agency if title == "model_agency" else r.choice(ward.groups)
        cset = self.sets[title]
        dossier_id = self.take("dossiers")
        stream = f"dossier:{dossier_id}"
        tracking = "KM" + _code(dossier_id, "23456789ABCDEFGHJKLMNPQRSTUVWXYZ", 8, self.salt)
        name = self.subject_name(title, unit)
        ref = f"{r.randrange(10**11, 10**12):012d}" if title == "model_citizen" else f"HK-{dossier_id:07d}"
        users, council = ward.users, ward.council
        events: list[tuple] = []
        seq = 0
        prev = "0" * 64
        row = {"state": "draft", "recommendation": None, "council_recommended": None, "decision_id": None,
               "notice_ends_on": None, "certificate_code": None}

        # When the walk starts: last year's ends before the decision day; this year's before now.
        if which == "last":
            decided = campaign["decision_due"] - timedelta(days=3)
            decision_at = datetime.combine(decided, dtime(9), tzinfo=self.vietnam).astimezone(UTC)
            clock = decision_at - timedelta(days=r.uniform(30, 140))
        elif target == "public_notice":  # posted in the last days: the notice is running
            decision_at = None
            clock = self.now - timedelta(days=r.uniform(4, 9))
        else:
            decision_at = None
            clock = self.now - timedelta(days=r.uniform(25, 150))
        created_at = clock

        def tick(hours: tuple[float, float] = STEP_HOURS, *, not_before: datetime | None = None) -> datetime:
            nonlocal clock
            clock = clock + timedelta(hours=r.uniform(*hours))
            if not_before is not None and clock < not_before:
                clock = not_before
            return clock

        def event(trigger: str, who: tuple[int, str], role: str, at: datetime, *, source: str | None = None,
                  dest: str | None = None, comment: str = "", data: dict | None = None) -> None:
            nonlocal seq, prev
            seq += 1
            if not isinstance(data, Dumped):
                data = Dumped(dumps(data or {}), data or {})
            digest = fast_hash(seq, stream, dossier_id, trigger, source, dest, who[1], who[0], role, at, comment,
                               data, prev, unit)
            if self.checked < 500:  # the spliced text must hash exactly as the app's own function does
                self.checked += 1
                ns = SimpleNamespace(seq=seq, stream=stream, dossier_id=dossier_id, trigger=trigger,
                                     from_state=source, to_state=dest, actor=who[1], role=role, at=at,
                                     comment=comment, data=json.loads(data), prev_hash=prev, hash_version=2,
                                     unit_id=unit, actor_id=who[0], campaign_id=None)
                if self.event_hash(ns) != digest:
                    raise AssertionError(f"fast hash differs from audit.event_hash for {stream} seq {seq}")
            events.append((self.take("audit_events"), stream, seq, dossier_id, None, unit, trigger, source, dest,
                           who[0], who[1], role, at, comment, data, prev, digest, 2))
            prev = digest
            if dest:
                row["state"] = dest
                row["state_changed_at"] = at

        def step(trigger: str, who: str, source: str, dest: str, at: datetime | None = None, **kw) -> None:
            person = users[who]
            event(trigger, person, who, at or tick(), source=source, dest=dest, **kw)

        applicant = users["applicant"]
        event("created", applicant, "applicant", clock, dest="draft",
              data={"title": title, "campaign_id": campaign["id"], "criteria_set": cset.version, "members": 0})
        rows_after: list[tuple[str, tuple]] = []
        if target == "withdrawn":
            source = r.choice(["draft", "registered"])
            if source == "registered":
                step("submit", "applicant", "draft", "registered")
            step("withdraw", "applicant", source, "withdrawn", comment="Gia đình xin rút đăng ký")
        elif target != "draft":
            step("submit", "applicant", "draft", "registered")
            if target == "registration_rejected":
                step("reject_registration", "group_committee", "registered", "registration_rejected",
                     comment="Chưa đủ điều kiện đăng ký: hộ mới chuyển đến chưa đủ 12 tháng")
            elif target != "registered":
                step("accept", "group_committee", "registered", "self_assessment")
                late = target not in ("self_assessment",)
                if late or r.random() < 0.5:  # half of those in self-assessment have theirs saved
                    self.assessment(ward, which, unit, cset, dossier_id, event, users, tick, rows_after)
                if late:
                    at = tick()
                    posted = self.local_date(at)
                    ends_on = self.period_end(posted, campaign["notice_days"], campaign["notice_working_days"])
                    row["notice_ends_on"] = ends_on
                    step("submit_assessment", "group_committee", "self_assessment", "public_notice", at,
                         data={"notice_ends_on": ends_on.isoformat(), "notice_days": campaign["notice_days"],
                               "notice_working_days": campaign["notice_working_days"]})
                if late and target != "public_notice":
                    step("close_notice", "ward_inspector", "public_notice", "ward_inspection",
                         tick(not_before=self.morning_after(ends_on)))
                    if target != "ward_inspection":
                        approve = target not in ("not_recognized",) and not (
                            target in ("council_review", "awaiting_decision") and r.random() < 0.1)
                        row["recommendation"] = "pass" if approve else "fail"
                        self.inspection(cset, dossier_id, approve, event, users, tick, rows_after)
                        step("complete_inspection", "ward_inspector", "ward_inspection", "council_review")
                        voters = council if target != "council_review" else council[:r.randint(0, COUNCIL)]
                        choices = {}
                        for k, member in enumerate(voters):
                            choice = "approve" if approve else "reject"
                            if approve and k == len(voters) - 1 and r.random() < 0.2:
                                choice = "abstain"
                            at = tick((0.05, 0.2))
                            event("vote_cast", member, "council_member", at, data={"vote": choice, "replaced": None})
                            choices[member[0]] = choice
                            rows_after.append(("votes", (None, dossier_id, member[0], choice, "", at)))
                        if target != "council_review":
                            counts = {"approve": 0, "reject": 0, "abstain": 0}
                            for choice in choices.values():
                                counts[choice] += 1
                            recommended = counts["approve"] * 10 >= COUNCIL * 7  # council_approval 0.7
                            row["council_recommended"] = recommended
                            step("close_review", "council_secretary", "council_review", "awaiting_decision",
                                 data={"votes": counts, "council_size": COUNCIL, "recommended": recommended,
                                       "approval_share": campaign["council_approval"]})
                            if target in ("recognized", "revoked", "not_recognized"):
                                self.decide(ward, target, dossier_id, row, step, tick, decision_at, campaign)
        row.update(tracking_code=tracking, title=title, name=name, ref=ref, created_at=created_at,
                   updated_at=events[-1][12], version=len(events) + 1, unit=unit)
        row.setdefault("state_changed_at", created_at)
        self.add_dossier(dossier_id, campaign, cset, row, applicant[0])
        for e in events:
            self.add("audit_events", e)
        for table, values in rows_after:
            self.add(table, (self.take(table), *values[1:]))

    def decide(self, ward, target, dossier_id, row, step, tick, decision_at, campaign) -> None:
        outcome = "refuse" if target == "not_recognized" else "recognize"
        decision = ward.decisions[outcome]
        at = tick(not_before=decision_at + timedelta(seconds=self.random.randint(0, 3600)))
        row["decision_id"] = decision["id"]
        linked = {"decision_id": decision["id"], "decision_number": decision["number"],
                  "signed_on": decision["signed_on"].isoformat()}
        if outcome == "refuse":
            step("refuse", "chairman", "awaiting_decision", "not_recognized", at,
                 comment="Hội đồng không đề nghị công nhận", data=linked)
            return
        code = f"{campaign['year']}-" + _code(dossier_id, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 8, self.salt * 3)
        row["certificate_code"] = code
        step("recognize", "chairman", "awaiting_decision", "recognized", at, data={**linked, "certificate_code": code})
        if target == "revoked":
            step("revoke", "chairman", "recognized", "revoked", at + timedelta(days=self.random.uniform(10, 200)),
                 comment="Phát hiện thành viên gia đình vi phạm trật tự công cộng sau khi công nhận")

    def assessment(self, ward, which, unit, cset, dossier_id, event, users, tick, rows_after) -> None:
        meeting = ward.meetings[(unit, which)]
        at = tick(not_before=self.local_noon(meeting["held_on"]) + timedelta(minutes=self.random.randint(0, 600)))
        key = ("assessment", cset.id)
        if key not in self._items:
            items, total = [], 0
            for _, code, max_points, _ in cset.criteria:
                points = max_points if cset.points else None
                total += points or 1
                items.append({"criterion": code, "met": True, "points": points, "note": "Đạt"})
            self._items[key] = (dumps(items), items, total)
        items_text, items, total = self._items[key]
        for (criterion_id, *_), item in zip(cset.criteria, items, strict=True):
            rows_after.append(("assessment_items", (None, dossier_id, criterion_id, True, item["points"], "Đạt")))
        votes_for = self.random.randint(-(-meeting["attendees"] * 6 // 10), meeting["attendees"])
        rows_after.append(("meeting_votes", (None, meeting["id"], dossier_id, votes_for)))
        figures = {"held_on": meeting["held_on"].isoformat(), "invited": meeting["invited"],
                   "attendees": meeting["attendees"], "votes_for": votes_for}
        data = {"items": items, "meeting": figures, "disqualifiers": [], "total": total, "passed": True}
        text = f'{{"disqualifiers":[],"items":{items_text},"meeting":{dumps(figures)},"passed":true,"total":{total}}}'
        event("assessment_saved", users["group_committee"], "group_committee", at, data=Dumped(text, data))

    def inspection(self, cset, dossier_id, approve, event, users, tick, rows_after) -> None:
        key = ("inspection", cset.id, approve)
        if key not in self._items:
            items = []
            for index, (_, code, max_points, standard_id) in enumerate(cset.criteria):
                failed = not approve and (standard_id == cset.first_standard if cset.points else index == 0)
                met = not failed
                note = "Kiểm tra thực tế: đạt" if met else "Chưa đạt"
                points = (max_points if met else 0) if cset.points else None
                items.append({"criterion": code, "met": met, "points": points, "note": note})
            self._items[key] = (dumps(items), items, 0)
        items_text, items, _ = self._items[key]
        for (criterion_id, *_), item in zip(cset.criteria, items, strict=True):
            rows_after.append(("inspection_items", (None, dossier_id, criterion_id, item["met"], item["points"],
                                                    item["note"])))
        recommendation = "pass" if approve else "fail"
        data = {"items": items, "recommendation": recommendation, "disqualifiers": []}
        text = f'{{"disqualifiers":[],"items":{items_text},"recommendation":"{recommendation}"}}'
        event("inspection_saved", users["ward_inspector"], "ward_inspector", tick(), data=Dumped(text, data))

    def subject_name(self, title: str, unit: int) -> str:
        r = self.random
        person = f"{r.choice(FAMILY_NAMES)} {r.choice(MIDDLE_NAMES)} {r.choice(GIVEN_NAMES)}"
        if title == "model_family":
            return f"Hộ ông {person}" if r.random() < 0.7 else f"Hộ bà {person}"
        if title == "model_group":
            return f"Tổ dân phố số {unit}"
        if title == "model_agency":
            return f"Trường Tiểu học (đơn vị {unit})"
        return person

    def fold(self, text: str) -> str:
        folded = self._folded.get(text)
        if folded is None:
            from workflow.services.search import fold

            folded = self._folded[text] = fold(text)
        return folded

    def add_dossier(self, dossier_id, campaign, cset, row, applicant_id) -> None:
        search = f"{self.fold(row['name'])} {row['ref'].lower()} {row['tracking_code'].lower()}"
        values = (dossier_id, row["tracking_code"], row["title"], campaign["id"], row["unit"], cset.id, row["name"],
                  row["ref"], "", "", search, row["state"], row["version"], applicant_id, None,
                  row["recommendation"], row["council_recommended"], [], row["decision_id"],
                  row["notice_ends_on"], row["certificate_code"], row["state_changed_at"], row["created_at"],
                  row["updated_at"], campaign["unit_id"], self.due_on(row, campaign))
        self.add("dossiers", values)

    def due_on(self, row: dict, campaign: dict) -> date | None:
        """The current stage's last day, as workflow.services.deadlines counts it."""
        from states.enums import State
        from workflow.services.deadlines import DUE_FIELD

        name = DUE_FIELD.get(State(row["state"]))
        if name is None:
            return None
        deadline = campaign[name]
        if row["state"] == "awaiting_decision" and campaign["decision_days"]:
            complete_on = self.local_date(row["state_changed_at"])
            deadline = min(deadline, self.period_end(complete_on, campaign["decision_days"], True))
        return deadline

    # --- the whole run --------------------------------------------------------------------------------------

    def run(self, wards: list[Ward]) -> None:
        from workflow.services.audit import event_hash

        self.event_hash = event_hash
        self.flush()  # the province first: units, users, campaigns, decisions, meetings
        self.writer.wait()
        this_targets, this_weights = zip(*THIS_YEAR.items(), strict=True)
        last_targets, last_weights = zip(*LAST_YEAR.items(), strict=True)
        every_state = [("this", s) for s in THIS_YEAR] + [("last", s) for s in LAST_YEAR]
        started = time.perf_counter()
        r = self.random
        for number in range(self.n):
            ward = wards[number % len(wards)]
            if number < len(every_state):  # every state at least once, whatever N
                which, target = every_state[number]
            elif r.random() < LAST_YEAR_SHARE:
                which, target = "last", r.choices(last_targets, last_weights)[0]
            else:
                which, target = "this", r.choices(this_targets, this_weights)[0]
            self.dossier(ward, which, target, number)
            if (number + 1) % BATCH == 0 or number + 1 == self.n:
                self.flush()
                if self.progress:
                    done = number + 1
                    elapsed = time.perf_counter() - started
                    print(f"\r  {done:,}/{self.n:,} dossiers ({done * 100 // self.n}%), "
                          f"{self.counts['audit_events']:,} events, {elapsed:.0f} s", end="", file=sys.stderr,
                          flush=True)
        self.writer.wait()
        if self.progress:
            print(file=sys.stderr)
        self.writer.move_sequences()


def owner_url(database_url: str | None, migration_url: str | None = None) -> str:
    """Who writes: the schema owner (MIGRATION_DATABASE_URL), else the given or configured database."""
    from config import _database_url

    if migration_url:
        return migration_url
    if os.environ.get("MIGRATION_DATABASE_URL") and not database_url:
        return _database_url("MIGRATION_DATABASE_URL")
    if database_url:
        url = database_url
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return _database_url()


def generate(n: int, database_url: str | None = None, *, seed: int = 1, migration_url: str | None = None,
             results_dir: str | Path | None = ROOT / "bench" / "results", progress: bool = True,
             per_ward: int = DOSSIERS_PER_WARD) -> dict[str, Any]:
    """Load `n` dossiers into the database (as its owner); returns (and writes) the summary."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from config import Config
    from workflow import clock, create_app

    url = owner_url(database_url, migration_url)

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        MIGRATION_DATABASE_URL = ""
        SECRET_KEY = "bench-generate"  # no key file written for a loader

    app = create_app(BenchConfig)
    started = time.perf_counter()
    with app.app_context():
        from workflow.extensions import db

        engine = create_engine(url, poolclass=NullPool)
        writer = Writer(engine)
        try:
            generator = Generator(n, seed, writer, clock.now(), progress=progress, per_ward=per_ward)
            generator.load_criteria(app.config["CRITERIA_DIR"])
            wards = generator.build_province()
            generator.run(wards)
        finally:
            writer.close()
            engine.dispose()
            db.session.remove()
            db.engine.dispose()
    seconds = time.perf_counter() - started
    rows = sum(generator.counts.values())
    summary = {
        "n": n, "seed": seed, "per_ward": per_ward, "backend": engine.dialect.name, "seconds": round(seconds, 2),
        "dossiers": generator.counts["dossiers"], "events": generator.counts["audit_events"],
        "units": generator.counts["units"], "users": generator.counts["users"], "wards": len(wards),
        "rows": rows, "rows_per_second": round(rows / seconds), "dossiers_per_second": round(n / seconds),
        "table_rows": generator.counts, "password": PASSWORD,
        "foreign_keys_checked_while_loading": writer.foreign_keys_checked,
        "users_sample": {"province_auditor": generator.province_users["auditor"][1],
                         "ward_chairman": wards[0].users["chairman"][1], "ward_auditor": wards[0].users["auditor"][1]},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if results_dir is not None:
        folder = Path(results_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"generate-{n}.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many dossiers")
    parser.add_argument("--database-url", help="default: MIGRATION_DATABASE_URL, else DATABASE_URL")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-ward", type=int, default=DOSSIERS_PER_WARD,
                        help="dossiers per ward (a ward of 45,000 has about 5,400 awaiting one decision)")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"), help="where generate-N.json goes")
    args = parser.parse_args(argv)
    summary = generate(args.n, args.database_url, seed=args.seed, results_dir=args.results, per_ward=args.per_ward)
    print(f"generated {summary['dossiers']:,} dossiers, {summary['events']:,} events, {summary['units']:,} units "
          f"({summary['wards']} wards), {summary['users']:,} users on {summary['backend']} in "
          f"{summary['seconds']:.1f} s: {summary['rows']:,} rows, {summary['rows_per_second']:,} rows/s, "
          f"{summary['dossiers_per_second']:,} dossiers/s. Accounts' password: {PASSWORD} "
          f"(e.g. {summary['users_sample']['ward_chairman']}).")
    return summary


if __name__ == "__main__":
    main()
