"""Excel in: the ward's registration list (paper forms the committee collected) read from an XLSX file.

Every row is judged as one paper registration typed in by hand (`create_dossier(..., on_behalf)`) would be: the
preview (`dry_run`) says per row "will create", "duplicate" (the same person and title already registered in this
campaign, or twice in the file) or "error" with the reason, and keeps nothing; confirming keeps the good rows — all of
them in one transaction, or none. The rows are judged and written as one set (services/registrations.py, the same
checks read once for the file); should that module not know the rules of the day (`registrations.set_based`), each
row goes through create_dossier itself, in its own savepoint.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from models import Campaign, Dossier, Unit, User
from states.enums import Action, State, Title
from states.labels import TITLE_LABELS
from states.policy import Verdict
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import permissions, registrations, xlsx_guard
from workflow.services.errors import NotFound, ServiceError, ValidationFailed

HEADERS = ("STT", "Họ và tên / Tên hộ", "Số định danh cá nhân", "Địa chỉ", "Danh hiệu đăng ký")
MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
PERSONAL_ID = re.compile(limits.PERSONAL_ID_PATTERN)
ENDED = (State.WITHDRAWN.value, State.REGISTRATION_REJECTED.value)


def fold_text(text: str) -> str:
    """Lower case without diacritics or extra spaces: how people's spellings of a header or a title are matched."""
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").lower().split())


TITLES = {**{fold_text(label): title for title, label in TITLE_LABELS.items()}, **{t.value: t for t in Title}}


@dataclass
class RowResult:
    row: int  # the spreadsheet's row number (the header is row 1)
    status: str  # create | duplicate | error
    reasons: list[str] = field(default_factory=list)  # Vietnamese Text; a page shows each in its language
    dossier_id: int | None = None
    name: str = ""
    title: str = ""

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def json(self) -> dict[str, Any]:
        return {"row": self.row, "status": self.status, "reason": self.reason, "dossier_id": self.dossier_id}


@dataclass
class ImportResult:
    rows: list[RowResult] = field(default_factory=list)
    created: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)


# What openpyxl raises on a damaged workbook, when it opens it or (read-only) while it reads its rows: a bad ZIP or
# CRC, missing parts, unparsable XML (a SyntaxError), a number cell that holds letters.
UNREADABLE = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, SyntaxError, EOFError)


def not_xlsx() -> ValidationFailed:
    return ValidationFailed(T("Tệp không phải bảng tính Excel (.xlsx). Hãy dùng tệp mẫu."),
                            {"file": T("không đọc được tệp .xlsx")})


def read_sheet(data: bytes, headers: tuple[str, ...] = HEADERS, sheet: int | str = 0,
               missing_ok: bool = False, checked: bool = False) -> list[tuple[int, list[Any]]]:
    """The rows under the header of one sheet of the file (the first by default), as (row number, one cell per
    header). A file that is not an XLSX workbook, or whose header is not the template's, is refused whole (422)
    with what to fix; a sheet the file does not have is no rows when `missing_ok`. `sheet` is a position or a
    sheet's name (case and accents aside). The workbook is checked against the bombs' limits first (xlsx_guard),
    unless the caller already did (`checked`)."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise ValidationFailed(T("Tệp quá lớn (tối đa 5 MB)."), {"file": T("tệp quá lớn")})
    if not checked:
        xlsx_guard.check(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE as error:
        raise not_xlsx() from error
    try:
        found = _sheet(book, sheet)
        if found is None and missing_ok:
            return []
        if found is None:
            raise ValidationFailed(T("Tệp thiếu trang tính “%(name)s”; hãy dùng tệp mẫu.", name=str(sheet)),
                                   {"file": T("thiếu trang tính; hãy dùng tệp mẫu")})
        rows = found.iter_rows(values_only=True)
        header = [fold_text(c) for c in (next(rows, None) or ())][:len(headers)]
        if header != [fold_text(h) for h in headers]:
            raise ValidationFailed(T("Dòng đầu của tệp phải là các cột: %(cols)s.", cols=", ".join(headers)),
                                   {"file": T("sai dòng tiêu đề; hãy dùng tệp mẫu")})
        out = []
        for number, cells in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:
                raise ValidationFailed(T("Tệp có quá %(n)s dòng; hãy chia thành nhiều tệp.", n=MAX_ROWS),
                                       {"file": T("quá nhiều dòng")})
            out.append((number, list(cells[:len(headers)]) + [None] * (len(headers) - len(cells))))
    except UNREADABLE as error:  # read-only: a damaged part shows only when its rows are read
        raise not_xlsx() from error
    finally:
        book.close()
    while out and all(blank(c) for c in out[-1][1]):  # the empty rows Excel keeps at the end are no rows
        out.pop()
    return out


def _sheet(book, sheet: int | str):
    """The sheet at a position, or by its name (case and accents aside); None when the file has no such sheet."""
    if isinstance(sheet, int):
        return book.worksheets[sheet] if sheet < len(book.worksheets) else None
    return next((s for s in book.worksheets if fold_text(s.title) == fold_text(sheet)), None)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _personal_id(value: Any) -> str:
    """A text cell keeps a personal number as typed; a number cell drops its leading zeros (the province codes
    001–096 begin most of them), which are put back."""
    text = cell_text(value).replace(" ", "").replace(".", "")
    if isinstance(value, int | float) and not isinstance(value, bool) and text.isdigit() and 9 <= len(text) < 12:
        text = text.zfill(12)
    return text


def run(actor: User, campaign_id: int, unit_id: int, data: bytes, *, dry_run: bool,
        now: datetime | None = None) -> ImportResult:
    """Preview (dry_run) or create. Raises for what concerns the whole file: an unknown campaign or group (404),
    no right to register on behalf there (403), a file that is not the template (422)."""
    now = now or clock.now()
    campaign = db.session.get(Campaign, campaign_id) if 0 < campaign_id <= limits.ID_MAX else None
    unit = db.session.get(Unit, unit_id) if 0 < unit_id <= limits.ID_MAX else None
    if campaign is None or unit is None:
        raise NotFound(T("Không tìm thấy đợt thi đua hoặc tổ dân phố."))
    allowed = permissions.require_at(actor, Action.REGISTER_ON_BEHALF, unit, now)
    rows = read_sheet(data)
    taken = {(ref, title) for ref, title in db.session.execute(
        select(Dossier.subject_ref, Dossier.title).where(Dossier.campaign_id == campaign.id,
                                                         Dossier.state.not_in(ENDED)))}
    result, seen = ImportResult(), {}
    tried: list[tuple[RowResult, dict[str, Any]]] = []  # the rows create_dossier is asked about, with its payload
    for number, cells in rows:
        _, name, personal_id, address, title_text = cells
        name, address = cell_text(name), cell_text(address)
        pid, title = _personal_id(personal_id), TITLES.get(fold_text(title_text))
        line = RowResult(number, "error", name=name, title=title.value if title else cell_text(title_text))
        result.rows.append(line)
        if all(blank(c) for c in cells):
            line.reasons = [T("dòng trống")]
            continue
        problems = []
        if not name:
            problems.append(T("thiếu họ và tên / tên hộ"))
        if not PERSONAL_ID.fullmatch(pid):
            problems.append(T("số định danh cá nhân phải gồm đúng 12 chữ số (đang là “%(v)s”)", v=pid[:20]))
        if title is None:
            problems.append(T("không có danh hiệu “%(v)s”; dùng: %(all)s", v=cell_text(title_text)[:40],
                              all=", ".join(TITLE_LABELS.values())))
        if problems:
            line.reasons = problems
            continue
        key = (pid, title.value)
        if key in seen:
            line.status, line.reasons = "duplicate", [T("trùng với dòng %(n)s của tệp", n=seen[key])]
            continue
        seen[key] = number
        if key in taken:
            line.status, line.reasons = "duplicate", [T("người này đã đăng ký danh hiệu này trong đợt thi đua")]
            continue
        tried.append((line, {"campaign_id": campaign.id, "unit_id": unit.id, "title": title.value,
                             "subject_name": name, "subject_ref": pid, "subject_address": address,
                             "on_behalf": True}))
    if registrations.set_based():
        _register_set(actor, allowed, campaign, unit, tried, now, dry_run, result)
    else:
        _register_each(actor, tried, now, dry_run, result)
    return result


def _register_set(actor: User, allowed: Verdict, campaign: Campaign, unit: Unit,
                  tried: list[tuple[RowResult, dict[str, Any]]], now: datetime, dry_run: bool,
                  result: ImportResult) -> None:
    """The rows judged and written as one set; a preview writes them in a savepoint it then rolls back, so that it
    answers exactly what confirming would."""
    savepoint = db.session.begin_nested() if dry_run else None
    try:
        outcomes = registrations.register_on_behalf(
            actor, allowed, campaign, unit, [payload for _line, payload in tried], now,
            [{"imported_row": line.row} for line, _payload in tried])
    finally:
        if savepoint is not None:
            savepoint.rollback()
    for (line, _payload), outcome in zip(tried, outcomes, strict=True):
        if isinstance(outcome, ServiceError):
            line.reasons = list(outcome.fields.values()) or [outcome.message]
            continue
        line.status = "create"
        if not dry_run:
            line.dossier_id = outcome.dossier_id
            result.created += 1


def _register_each(actor: User, tried: list[tuple[RowResult, dict[str, Any]]], now: datetime, dry_run: bool,
                   result: ImportResult) -> None:
    """Each row through create_dossier itself, in its own savepoint (rolled back by a preview)."""
    from workflow.services.dossiers import create_dossier

    for line, payload in tried:
        savepoint = db.session.begin_nested()
        try:
            dossier = create_dossier(actor, payload, now, event_data={"imported_row": line.row})
        except ServiceError as error:
            savepoint.rollback()
            line.reasons = list(error.fields.values()) or [error.message]
            continue
        line.status = "create"
        if dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
            line.dossier_id = dossier.id
            result.created += 1


def template() -> bytes:
    """The empty list with its headers and one example row, as an XLSX file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Đăng ký"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([1, "Hộ ông Nguyễn Văn An", "001085012345", "Số 12, ngõ 3, Tổ dân phố 1",
                  TITLE_LABELS[Title.MODEL_FAMILY]])
    sheet["C2"].number_format = "@"  # text: the leading zero of a personal number stays
    for column, width in zip("ABCDE", (6, 32, 20, 36, 24), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
