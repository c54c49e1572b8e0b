"""Workbook bombs (issue 14): a few hundred kilobytes of .xlsx that unpack to hundreds of megabytes are refused
before openpyxl opens them — by the registration import (preview and create, page and API), the criteria page and
`flask load-criteria` — with a 422 beside the file field, within seconds and in bounded memory. A normal workbook
still imports. Smaller, sneakier files (within the size limit but over a count) are refused by the streaming scan."""

from __future__ import annotations

import base64
import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import CriteriaSet, Dossier
from tests.api.test_imports import GOOD, xlsx
from tests.conftest import csrf_from
from workflow.extensions import db
from workflow.services import xlsx_guard
from workflow.services.errors import ValidationFailed
from workflow.services.imports import HEADERS

SECONDS = 5.0  # a behaviour bound: refused long before a worker's timeout
PEAK_MB = 50.0

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet'
    '+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sharedStrings+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Tiêu chí" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"
SST_HEAD = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def header_row() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS))
    return f'<row r="1">{cells}</row>'


def workbook(path: Path, sheet_parts, shared_parts=None) -> Path:
    """An .xlsx whose sheet (and shared strings) are written from generators of text, streamed into the ZIP."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            book.writestr(name, text)
        for name, parts in (("xl/worksheets/sheet1.xml", sheet_parts), ("xl/sharedStrings.xml", shared_parts)):
            if parts is None:
                continue
            with book.open(name, "w", force_zip64=True) as out:
                for part in parts:
                    out.write(part.encode("utf-8"))
    return path


def long_string_parts(chars: int):
    yield SHEET_HEAD + header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>'
    block = "A" * (1024 * 1024)
    for _ in range(chars // len(block)):
        yield block
    yield "A" * (chars % len(block))
    yield "</t></is></c></row>" + SHEET_TAIL


def shared_string_parts(count: int, declare: bool = True):
    yield SST_HEAD + (f' count="{count}" uniqueCount="{count}">' if declare else ">")
    block = "<si><t>x</t></si>" * 100_000
    for _ in range(count // 100_000):
        yield block
    yield "<si><t>x</t></si>" * (count % 100_000)
    yield "</sst>"


def plain_sheet():
    yield SHEET_HEAD + header_row() + SHEET_TAIL


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, bytes]:
    """The issue's two bombs: one 400 MB inline string (~410 KB), 20 million shared strings (~827 KB)."""
    folder = tmp_path_factory.mktemp("bombs")
    made = {"string": workbook(folder / "string.xlsx", long_string_parts(400 * 1024 * 1024)),
            "shared": workbook(folder / "shared.xlsx", plain_sheet(), shared_string_parts(20_000_000))}
    return {name: path.read_bytes() for name, path in made.items()}


def multipart(fields: dict) -> dict:
    """A multipart body encoded in memory: the test client spools one over 500 KB to a temporary file it never
    closes (a ResourceWarning, an error under this suite's filterwarnings)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    values = {k: FileStorage(v[0], filename=v[1]) if isinstance(v, tuple) else v for k, v in fields.items()}
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(api, world, data: bytes, dry_run: bool):
    return api.as_("group_committee").post(
        f"/imports/registrations?campaign_id={world.campaign.id}&unit_id={world.units['G1'].id}"
        f"&dry_run={'true' if dry_run else 'false'}", **multipart({"file": (io.BytesIO(data), "ds.xlsx")}))


def measured(call):
    """(response, seconds, peak MB) of one request."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        response = call()
        seconds = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    finally:
        tracemalloc.stop()
    return response, seconds, peak


def assert_bounded(seconds: float, peak: float) -> None:
    assert seconds < SECONDS and peak < PEAK_MB, (seconds, peak)


def test_the_bombs_are_the_issues_bombs(bombs):
    for name, data in bombs.items():
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            unpacked = sum(m.file_size for m in book.infolist())
        assert len(data) < 1024 * 1024 and unpacked > 300 * 1024 * 1024, (name, len(data), unpacked)


@pytest.mark.parametrize("bomb", ["string", "shared"])
@pytest.mark.parametrize("dry_run", [True, False])
def test_the_api_import_refuses_each_bomb_fast(api, world, bombs, bomb, dry_run):
    before = db.session.scalar(select(func.count(Dossier.id)))
    response, seconds, peak = measured(lambda: upload(api, world, bombs[bomb], dry_run=dry_run))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "giải nén" in error["fields"]["file"]
    assert "20 MB" in error["message"]
    assert_bounded(seconds, peak)
    assert db.session.scalar(select(func.count(Dossier.id))) == before


@pytest.mark.parametrize("bomb", ["string", "shared"])
def test_the_import_page_names_the_bomb_beside_the_file_field(client, auth, world, bombs, bomb):
    auth.login("group_committee")
    page = client.get("/imports/registrations").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "unit_id": str(world.units["G1"].id),
            "campaign_id": str(world.campaign.id), "file": (io.BytesIO(bombs[bomb]), "danh-sach.xlsx")}
    response, seconds, peak = measured(lambda: client.post("/imports/registrations", **multipart(form)))
    assert response.status_code == 422 and "quá lớn khi giải nén" in response.get_data(as_text=True)
    assert_bounded(seconds, peak)
    # The confirmation step (the file carried back, encoded) is checked the same way, or the form is already too
    # large for the server (413, a field over 500 KB): nothing created either way.
    before = db.session.scalar(select(func.count(Dossier.id)))
    confirm = {"csrf_token": csrf_from(page), "unit_id": world.units["G1"].id, "campaign_id": world.campaign.id,
               "payload": base64.b64encode(bombs[bomb]).decode("ascii")}
    response, seconds, peak = measured(lambda: client.post("/imports/registrations/confirm", **multipart(confirm)))
    assert response.status_code in (303, 413)
    assert_bounded(seconds, peak)
    assert db.session.scalar(select(func.count(Dossier.id))) == before


@pytest.mark.parametrize("bomb", ["string", "shared"])
def test_the_criteria_page_refuses_each_bomb_fast(client, auth, world, bombs, bomb):
    auth.login("admin")
    sets = db.session.scalar(select(func.count(CriteriaSet.id)))
    page = client.get("/admin/criteria").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "file": (io.BytesIO(bombs[bomb]), "bo-tieu-chi.xlsx")}
    response, seconds, peak = measured(lambda: client.post("/admin/criteria", **multipart(form)))
    assert response.status_code == 422 and "quá lớn khi giải nén" in response.get_data(as_text=True)
    assert_bounded(seconds, peak)
    assert db.session.scalar(select(func.count(CriteriaSet.id))) == sets


def test_load_criteria_refuses_a_bomb(runner, world, bombs, tmp_path):
    path = tmp_path / "bo.xlsx"
    path.write_bytes(bombs["string"])
    started = time.monotonic()
    result = runner.invoke(args=["load-criteria", str(path)])
    assert result.exit_code != 0 and "quá lớn khi giải nén" in result.output
    assert time.monotonic() - started < SECONDS


def refusal(data: bytes, limits: xlsx_guard.Limits | None = None) -> str:
    with pytest.raises(ValidationFailed) as caught:
        xlsx_guard.check(data, limits or xlsx_guard.Limits())
    assert caught.value.status == 422 and caught.value.fields["file"]
    return caught.value.message


def test_within_the_size_but_over_a_count_is_refused_by_the_streaming_scan(tmp_path):
    # 300,000 shared strings undeclared (5 MB unpacked, under 20 MB): refused for its compression ratio, and
    # without that rule, counted until the cap.
    many = workbook(tmp_path / "many.xlsx", plain_sheet(), shared_string_parts(300_000, declare=False)).read_bytes()
    assert "nén" in refusal(many)
    scan_only = xlsx_guard.Limits(ratio=10**6)
    assert "chuỗi văn bản" in refusal(many, scan_only)
    # Declared: refused on reading the count, before the first string.
    declared = workbook(tmp_path / "declared.xlsx", plain_sheet(), shared_string_parts(300_000)).read_bytes()
    assert "200.000" in refusal(declared, scan_only)
    # One 40,000-character cell: longer than Excel allows.
    long_cell = workbook(tmp_path / "long.xlsx", long_string_parts(40_000)).read_bytes()
    assert "32.767" in refusal(long_cell, scan_only)
    # 25,000 empty rows.
    rows = workbook(tmp_path / "rows.xlsx", iter([SHEET_HEAD + "".join(
        f'<row r="{n}"/>' for n in range(1, 25_001)) + SHEET_TAIL])).read_bytes()
    assert "20.000 dòng" in refusal(rows, scan_only)
    # A DOCTYPE with an entity: the billion-laughs family.
    doctype = workbook(tmp_path / "doctype.xlsx", iter([
        '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>' + SHEET_HEAD[38:] + SHEET_TAIL])).read_bytes()
    assert "DOCTYPE" in refusal(doctype, scan_only)
    # Not a ZIP at all.
    assert ".xlsx" in refusal(b"PK\x03\x04 not really")


def test_the_time_budget_stops_a_slow_scan(tmp_path):
    big = workbook(tmp_path / "big.xlsx", plain_sheet(), shared_string_parts(150_000, declare=False)).read_bytes()
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as caught:
        xlsx_guard.check(big, xlsx_guard.Limits(ratio=10**6, seconds=0.0))
    assert "giây" in caught.value.message and time.monotonic() - started < 1


def test_a_normal_workbook_still_imports(api, world):
    xlsx_guard.check(xlsx(GOOD))  # passes
    response = upload(api, world, xlsx(GOOD), dry_run=False)
    assert response.status_code == 200 and response.get_json()["created"] == 2
