"""The committee's Excel list judged and written as one set (services/registrations.py): row by row the same answer
as each row tried through create_dossier — the same statuses and reasons, the same dossiers, the same events, each
the first link of a valid chain — a preview that keeps nothing, and a number of statements that does not grow with
the rows."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from models import AuditEvent, Dossier
from states.enums import State
from tests.statements import counting
from workflow import clock
from workflow.extensions import db
from workflow.services import audit, bulk, imports, registrations, seals
from workflow.services.search import fold

KEPT = ("title", "campaign_id", "unit_id", "ward_id", "due_on", "criteria_set_id", "subject_name", "subject_ref",
        "subject_address", "note", "state", "version", "created_by_id", "entered_by_id", "recommendation",
        "council_recommended", "disqualifiers_found", "decision_id", "notice_ends_on", "certificate_code",
        "state_changed_at", "created_at", "updated_at")
EVENT = ("seq", "trigger", "from_state", "to_state", "actor", "actor_id", "role", "at", "comment", "data",
         "prev_hash", "unit_id", "campaign_id", "hash_version")


def xlsx(rows) -> bytes:
    """A registration list built in memory, as bench/imports.py builds one."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Đăng ký")
    sheet.append(list(imports.HEADERS))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def residents(count: int, first: int = 1) -> list[tuple]:
    return [(n, f"Hộ ông Nguyễn Văn {n}", f"0010{n:08d}", f"Số {n}, Tổ dân phố 1",
             "Gia đình kiểu mẫu" if n % 3 else "Công dân kiểu mẫu") for n in range(first, first + count)]


def mixed(world) -> bytes:
    world.dossier(State.REGISTERED, subject_ref="001077099999")
    world.dossier(State.DRAFT, subject_ref="001077088888")
    world.dossier(State.REGISTRATION_REJECTED, subject_ref="001077077777")
    world.users["applicant"].personal_id = "001190054321"
    db.session.commit()
    return xlsx([
        (1, "Hộ ông Phạm Văn Bình", "001085012345", "Số 3 ngõ Hoa", "Gia đình kiểu mẫu"),
        (2, "Lê Thị Cúc", "001190054321", "Số 5 ngõ Hoa", "công dân kiểu mẫu"),  # she has an account
        (3, "Hộ bà Trùng Lặp", "001077099999", "", "Gia đình kiểu mẫu"),  # already registered
        (4, "Hộ bà Nháp", "001077088888", "", "Gia đình kiểu mẫu"),  # a draft of the same subject
        (5, "Hộ ông Bị Từ Chối", "001077077777", "", "Gia đình kiểu mẫu"),  # rejected before: may register again
        (6, "Hộ ông Sai Số", "12345", "", "Gia đình kiểu mẫu"),  # bad personal number
        (7, "Hộ ông Không Rõ", "001085011111", "", "Gia đình hiếu học"),  # unknown title
        (None, None, None, None, None),  # an empty row in the middle
        (9, "Hộ ông Phạm Văn Bình", "001085012345", "", "Gia đình kiểu mẫu"),  # twice in the file
        (10, "Nguyễn Văn Số", 1085077777, "", "Công dân kiểu mẫu"),  # a number cell lost its 0
        (11, "Tên " * 60, "001085033333", "", "Gia đình kiểu mẫu"),  # too long: only create_dossier says so
        (12, "Hộ ông An", "001085055555", "x" * 400, "Gia đình kiểu mẫu"),  # address too long
        (13, "Cơ quan Y tế", "001085044444", "", "Cơ quan, đơn vị kiểu mẫu"),  # an agency's title in a group
        (14, "Tổ dân phố 1", "001085066666", "", "Tổ dân phố kiểu mẫu"),
    ])


def run(world, data: bytes, dry_run: bool):
    return imports.run(world.users["group_committee"], world.campaign.id, world.units["G1"].id, data,
                       dry_run=dry_run, now=clock.now())


def answers(result) -> tuple:
    return result.created, [(r.row, r.status, [str(x) for x in r.reasons], r.dossier_id is not None, r.name,
                             r.title) for r in result.rows]


def written(result) -> dict[int, tuple]:
    """What the run wrote, by the file's row: the dossier's columns and its events (ids and codes aside)."""
    rows = {r.dossier_id: r.row for r in result.rows if r.dossier_id}
    out = {}
    for dossier in db.session.scalars(select(Dossier).where(Dossier.id.in_(rows))):
        assert dossier.search_text == fold(" ".join([dossier.subject_name, dossier.subject_ref,
                                                     dossier.tracking_code]))
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)))
        assert all(audit.hash_matches(e) and e.stream == f"dossier:{dossier.id}" for e in events)
        out[rows[dossier.id]] = (tuple(getattr(dossier, c) for c in KEPT),
                                 [tuple(getattr(e, c) for c in EVENT) for e in events])
    return out


def one_by_one(monkeypatch, world, data: bytes, dry_run: bool) -> tuple[tuple, dict]:
    """The previous behaviour (each row through create_dossier in its savepoint), undone after."""
    savepoint = db.session.begin_nested()
    with monkeypatch.context() as patch:
        patch.setattr(registrations, "set_based", lambda: False)
        result = run(world, data, dry_run)
    out = answers(result), written(result)
    savepoint.rollback()
    return out


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("window", ["open", "closed"])
def test_mixed_rows_answer_as_one_by_one(monkeypatch, world, dry_run, window):
    data = mixed(world)
    if window == "closed":
        world.campaign.registration_closes = clock.now().date() - timedelta(days=2)
        db.session.commit()
    expected, expected_rows = one_by_one(monkeypatch, world, data, dry_run)
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    assert registrations.set_based()
    result = run(world, data, dry_run)
    assert answers(result) == expected
    assert written(result) == expected_rows
    statuses = [r.status for r in result.rows]
    if window == "closed":
        assert "create" not in statuses and "ngoài thời gian đăng ký" in result.rows[0].reason
    else:
        assert statuses == ["create", "create", "duplicate", "duplicate", "create", "error", "error", "error",
                            "duplicate", "create", "error", "error", "error", "create"]
        assert "dài quá" in result.rows[10].reason and "cơ quan" in result.rows[12].reason
    if dry_run or window == "closed":
        assert result.created == 0 and db.session.scalar(select(func.count(AuditEvent.id))) == before
    else:
        made = db.session.get(Dossier, result.rows[1].dossier_id)
        assert made.created_by_id == world.users["applicant"].id  # the resident with an account is the applicant
        assert made.entered_by_id == world.users["group_committee"].id and made.state == State.REGISTERED
        db.session.commit()
        assert seals.verify_all().valid


def test_300_rows_make_300_dossiers_with_valid_chains(world):
    data = xlsx(residents(300))
    before = db.session.scalar(select(func.count(Dossier.id)))
    preview = run(world, data, dry_run=True)
    assert preview.count("create") == 300 and preview.created == 0
    assert db.session.scalar(select(func.count(Dossier.id))) == before
    result = run(world, data, dry_run=False)
    db.session.commit()
    assert result.created == 300 and [r.status for r in result.rows] == [r.status for r in preview.rows]
    made = list(db.session.scalars(select(Dossier).where(Dossier.id.in_([r.dossier_id for r in result.rows]))))
    assert len(made) == 300 and len({d.tracking_code for d in made}) == 300
    assert all(d.state == State.REGISTERED and d.ward_id == world.campaign.unit_id
               and d.due_on == world.campaign.assessment_due for d in made)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id.in_([d.id for d in made]))))
    assert len(events) == 300 and {(e.seq, e.trigger, e.to_state) for e in events} == {(1, "created", "registered")}
    assert audit.verify().valid and seals.verify_all().valid
    again = run(world, data, dry_run=True)  # the same list once more: every row already registered
    assert again.count("duplicate") == 300


@pytest.mark.parametrize("dry_run", [True, False])
def test_statements_do_not_grow_with_the_rows(world, dry_run):
    counts = []
    for first, size in ((1, 30), (1000, 300)):
        data = xlsx(residents(size, first))
        db.session.commit()  # each run from a fresh transaction: nothing already loaded
        with counting() as sent:
            result = run(world, data, dry_run)
        assert result.count("create") == size
        counts.append(sent)
    small, large = counts
    if bulk.on_postgresql():
        assert len(large) == len(small), f"{len(small)} → {len(large)}\n{large}"
    else:  # SQLite inserts by executemany (one statement, run once per row) and IN lists grow with their values
        assert shape(large) == shape(small)


def shape(sent) -> tuple[int, list[str]]:
    inserts = [s for s in sent.statements if s.startswith("INSERT INTO")]
    return len(sent) - len(inserts), sorted(set(inserts))
