"""Lists as spreadsheets: CSV (UTF-8 with BOM, which Excel opens with its diacritics) and XLSX (openpyxl in
write-only mode), with Vietnamese headers, Vietnam's times, and never a cell a spreadsheet would run as a formula.

Both stream: CSV row by row as the response is sent; XLSX row by row into a temporary file (write-only mode keeps
one row in memory), which is sent and then removed. A list of a whole province is never built in memory.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Response, send_file, stream_with_context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice and Sheets may take as a formula


def safe(value: Any) -> Any:
    """A text cell that would start a formula gets a leading apostrophe; numbers and dates stay what they are."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 18


def _text(value: Any) -> Any:
    from workflow.filters import local_date, local_datetime

    if isinstance(value, datetime):
        return local_datetime(value)
    if isinstance(value, date):
        return local_date(value)
    return value


def _rows(items: Iterable[Any], columns: list[Column]) -> Iterable[list[Any]]:
    for number, item in enumerate(items, start=1):
        yield [safe(_text(c.value((number, item)))) for c in columns]


def csv_download(items: Iterable[Any], columns: list[Column], filename: str) -> Response:
    def generate():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.header for c in columns])
        yield "\ufeff" + out.getvalue()
        for row in _rows(items, columns):
            out.seek(0)
            out.truncate()
            writer.writerow(["" if v is None else v for v in row])
            yield out.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}.csv"})


def xlsx_download(items: Iterable[Any], columns: list[Column], filename: str, sheet: str) -> Response:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in _rows(items, columns):
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a string is a string: never a formula, even one we missed
            cells.append(cell)
        ws.append(cells)
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (send_file closes it once sent: then it is gone)
    book.save(spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=f"{filename}.xlsx")


def download(fmt: str, items: Iterable[Any], columns: list[Column], filename: str, sheet: str) -> Response:
    if fmt == "xlsx":
        return xlsx_download(items, columns, filename, sheet)
    return csv_download(items, columns, filename)


# --- the lists ---------------------------------------------------------------------------------------------------

def _label(table: dict, value: Any) -> str:
    return str(table.get(value, value)) if value is not None else ""


BATCH = 500


def in_batches(query, model, options=()) -> Iterable[Any]:
    """The rows of `query` in its order, read BATCH at a time: first their ids (small), then each batch afresh —
    so a CSV streamed after the request's transaction ended still reads (a server-side cursor would not)."""
    from sqlalchemy import select

    from workflow.extensions import db

    ids = list(db.session.scalars(query.with_only_columns(model.id)))

    def rows():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            found = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(chunk)).options(*options))}
            yield from (found[i] for i in chunk if i in found)

    return rows()


def dossiers(user, filters: dict) -> Iterable[Any]:
    """The dossiers the list shows with these filters, by group then name. Bad filters raise before any row."""
    from sqlalchemy.orm import joinedload

    from models import Dossier
    from workflow.services.listing import dossier_query

    query = dossier_query(user, filters).order_by(Dossier.unit_id, Dossier.subject_name, Dossier.id)
    return in_batches(query, Dossier, (joinedload(Dossier.unit), joinedload(Dossier.campaign),
                                       joinedload(Dossier.decision)))


def events(query) -> Iterable[Any]:
    from models import AuditEvent

    return in_batches(query.order_by(AuditEvent.id), AuditEvent)


def dossier_columns(user) -> list[Column]:
    from states.labels import STATE_LABELS, TITLE_LABELS
    from workflow.services.listing import due_date
    from workflow.services.scope import full_view

    in_full = full_view(user)

    return [
        Column("STT", lambda r: r[0], 6),
        Column("Mã hồ sơ", lambda r: r[1].tracking_code, 14),
        Column("Họ và tên / Tên hộ", lambda r: r[1].subject_name, 32),
        # A neighbour sees a dossier on notice in her group as the board shows it: never its personal number.
        Column("Số định danh cá nhân", lambda r: r[1].subject_ref if in_full(r[1]) else "", 20),
        Column("Tổ dân phố", lambda r: r[1].unit.name, 20),
        Column("Danh hiệu", lambda r: _label(TITLE_LABELS, r[1].title), 22),
        Column("Năm", lambda r: r[1].campaign.year, 8),
        Column("Trạng thái", lambda r: _label(STATE_LABELS, r[1].state), 26),
        Column("Hạn bước hiện tại", lambda r: due_date(r[1]), 14),
        Column("Cập nhật lúc", lambda r: r[1].updated_at, 18),
    ]


RESULTS = {"recognized": "Được công nhận", "not_recognized": "Không công nhận", "revoked": "Đã thu hồi danh hiệu",
           "withdrawn": "Đã rút hồ sơ", "registration_rejected": "Không chấp nhận đăng ký"}


def result_columns() -> list[Column]:
    from states.labels import STATE_LABELS, TITLE_LABELS

    return [
        Column("STT", lambda r: r[0], 6),
        Column("Họ và tên / Tên hộ", lambda r: r[1].subject_name, 32),
        Column("Tổ dân phố", lambda r: r[1].unit.name, 20),
        Column("Danh hiệu", lambda r: _label(TITLE_LABELS, r[1].title), 22),
        Column("Kết quả", lambda r: RESULTS.get(r[1].state) or "Đang xét: " + _label(STATE_LABELS, r[1].state), 30),
        Column("Số quyết định", lambda r: r[1].decision.number if r[1].decision else "", 18),
        Column("Ngày ký", lambda r: r[1].decision.signed_on if r[1].decision else None, 12),
    ]


def audit_columns() -> list[Column]:
    import json

    from workflow.filters import event_label, role_label

    def state(value):
        from states.labels import STATE_LABELS

        return _label(STATE_LABELS, value)

    return [
        Column("Thời gian (giờ Việt Nam)", lambda r: r[1].at, 18),
        Column("Hồ sơ", lambda r: r[1].dossier_id, 8),
        Column("Chuỗi", lambda r: r[1].stream, 16),
        Column("Số thứ tự", lambda r: r[1].seq, 8),
        Column("Sự kiện", lambda r: event_label(r[1].trigger), 26),
        Column("Từ trạng thái", lambda r: state(r[1].from_state), 22),
        Column("Đến trạng thái", lambda r: state(r[1].to_state), 22),
        Column("Người thực hiện", lambda r: r[1].actor, 16),
        Column("Vai trò", lambda r: role_label(r[1].role) if r[1].role else "", 18),
        Column("Ghi chú", lambda r: r[1].comment or "", 30),
        Column("Dữ liệu", lambda r: json.dumps(r[1].data or {}, ensure_ascii=False, sort_keys=True, default=str), 30),
        Column("Mã băm trước", lambda r: r[1].prev_hash, 20),
        Column("Mã băm", lambda r: r[1].hash, 20),
    ]
