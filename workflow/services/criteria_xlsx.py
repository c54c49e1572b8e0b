"""Criteria sets as Excel (issue 9): the province's standards and criteria in rows, read into the same document a
JSON criteria file holds (so `load_criteria_document` checks and loads both alike), and any loaded set written back
out as such a file — download the current set, change what the province changed, upload it as a new version.

The workbook has three sheets: "Tiêu chí" (one row per criterion; a standard's code, name and points on its first
row, left empty on the rows under it as in a merged cell), "Thông tin" (the set's title, code, version, name, way
of scoring and pass mark, one per row) and "Không xét" (the facts that bar the title whatever the score; a file
without this sheet has none).
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

from models import CriteriaSet
from states.enums import Title
from states.labels import TITLE_LABELS
from states.text import T
from workflow.services import xlsx_guard
from workflow.services.errors import ValidationFailed
from workflow.services.imports import MAX_BYTES as MAX_BYTES  # the same cap as the registration list's
from workflow.services.imports import TITLES, blank, cell_text, fold_text, read_sheet

ROWS = ("Mã tiêu chuẩn", "Tên tiêu chuẩn", "Điểm tối đa của tiêu chuẩn", "Mã tiêu chí", "Tên tiêu chí",
        "Điểm tối đa", "Bắt buộc")
INFO = ("Mục", "Nội dung")
BARS = ("Mã", "Trường hợp không xét công nhận")
# The "Thông tin" sheet's rows: label → the document's key.
FIELDS = {"Danh hiệu": "title", "Mã bộ tiêu chí": "code", "Phiên bản": "version", "Tên bộ tiêu chí": "name",
          "Cách chấm": "shape", "Điểm đạt": "pass_points"}
SHAPES = {"points": "Chấm điểm", "checklist": "Đạt / không đạt"}
YES, NO = {"co", "x", "true", "1", "yes", "bat buoc"}, {"khong", "false", "0", "no", ""}


def _integer(value: Any, where: str, problems: list[str]) -> int | None:
    if blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    text = cell_text(value)
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return int(text)
    problems.append(T("%(where)s: “%(value)s” không phải số nguyên", where=where, value=text[:20]))
    return None


def _text(value: Any, where: str, problems: list[str]) -> str:
    """A cell as text; a date Excel made of what was typed ("1/2025" → 01/01/2025) is refused, not stored."""
    if isinstance(value, date | datetime | time):
        problems.append(T("%(where)s: Excel đã đổi ô này thành ngày tháng; hãy định dạng ô là Văn bản (Text) rồi "
                          "nhập lại", where=where))
        return ""
    return cell_text(value)


def _info(data: bytes, problems: list[str]) -> dict[str, Any]:
    labels = {fold_text(label): key for label, key in FIELDS.items()}
    document: dict[str, Any] = {}
    for number, (label, value) in read_sheet(data, INFO, sheet="Thông tin", checked=True):
        key = labels.get(fold_text(label))
        if key is None:
            if not blank(label):
                problems.append(T("Thông tin, dòng %(n)s: không biết mục “%(label)s”", n=number,
                                  label=cell_text(label)[:40]))
            continue
        if key == "pass_points":
            document[key] = _integer(value, T("Thông tin, dòng %(n)s", n=number), problems)
        elif key == "title":
            title = TITLES.get(fold_text(value)) or TITLES.get(cell_text(value))
            document[key] = title.value if title else cell_text(value)
        elif key == "shape":
            text = fold_text(value)
            document[key] = next((k for k, label in SHAPES.items() if fold_text(label) == text or k == text), text)
        else:
            document[key] = _text(value, T("Thông tin, dòng %(n)s", n=number), problems)
    for label, key in FIELDS.items():
        if key != "pass_points" and not document.get(key):
            problems.append(T("Thông tin: thiếu “%(label)s”", label=label))
    return document


def _mandatory(value: Any, where: str, problems: list[str]) -> bool:
    text = fold_text(value if not isinstance(value, bool) else ("co" if value else "khong"))
    if text in YES or blank(value):
        return True
    if text in NO:
        return False
    problems.append(T("%(where)s: cột Bắt buộc ghi “có” hoặc “không”", where=where))
    return True


def read(data: bytes) -> dict[str, Any]:
    """The criteria document an XLSX file holds; ValidationFailed (422) naming every row to fix."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(T("Tệp quá lớn (tối đa 5 MB)."), {"file": T("tệp quá lớn")})
    xlsx_guard.check(data)  # once, before any of the three sheets is opened
    problems: list[str] = []
    document = _info(data, problems)
    rows = [(n, cells) for n, cells in read_sheet(data, ROWS, sheet="Tiêu chí", checked=True)
            if not all(blank(c) for c in cells)]
    points = document.get("shape") == "points"
    standards: list[dict[str, Any]] = []
    criteria: list[dict[str, Any]] = []
    for number, (s_code, s_name, s_points, c_code, c_name, c_points, mandatory) in rows:
        where = T("Tiêu chí, dòng %(n)s", n=number)
        item = {"code": _text(c_code, where, problems), "name": _text(c_name, where, problems),
                "mandatory": _mandatory(mandatory, where, problems)}
        if points:
            item["max_points"] = _integer(c_points, where, problems)
            code = _text(s_code, where, problems)
            # A standard starts where its code is written (once, as in a merged cell, or again on every row).
            if code and (not standards or standards[-1]["code"] != code):
                standards.append({"code": code, "name": _text(s_name, where, problems),
                                  "max_points": _integer(s_points, where, problems), "criteria": []})
            elif not standards:
                problems.append(T("%(where)s: bộ chấm điểm cần mã tiêu chuẩn ở dòng đầu", where=where))
                continue
            standards[-1]["criteria"].append(item)
        else:
            criteria.append(item)
    if not rows:
        problems.append(T("Trang Tiêu chí chưa có dòng nào."))
    if problems:
        raise ValidationFailed(T("Tệp bộ tiêu chí chưa đúng: %(problems)s", problems="; ".join(problems[:20])),
                               {"file": problems[0]})
    if points:
        document["standards"] = standards
    else:
        document["criteria"] = criteria
    bars = read_sheet(data, BARS, sheet="Không xét", missing_ok=True, checked=True)
    document["disqualifiers"] = [{"code": cell_text(code), "name": cell_text(name)}
                                 for _n, (code, name) in bars if not (blank(code) and blank(name))]
    return document


def write(criteria_set: CriteriaSet) -> bytes:
    """A loaded set as the workbook `read` takes back."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    rows = book.active
    rows.title = "Tiêu chí"
    rows.append(list(ROWS))
    shown_standard = None
    for criterion in criteria_set.criteria:
        standard = criterion.standard
        first = standard is not None and standard is not shown_standard
        shown_standard = standard or shown_standard
        rows.append([standard.code if first else None, standard.name if first else None,
                     standard.max_points if first else None, criterion.code, criterion.name,
                     criterion.max_points, "có" if criterion.mandatory else "không"])
    info = book.create_sheet("Thông tin")
    info.append(list(INFO))
    title = Title(criteria_set.title)
    for label, value in (("Danh hiệu", str(TITLE_LABELS[title])), ("Mã bộ tiêu chí", criteria_set.code),
                         ("Phiên bản", criteria_set.version), ("Tên bộ tiêu chí", criteria_set.name),
                         ("Cách chấm", SHAPES.get(criteria_set.shape, criteria_set.shape)),
                         ("Điểm đạt", criteria_set.pass_points)):
        info.append([label, value])
    bars = book.create_sheet("Không xét")
    bars.append(list(BARS))
    for bar in criteria_set.disqualifiers:
        bars.append([bar.code, bar.name])
    for sheet, widths in ((rows, (10, 48, 12, 10, 60, 10, 10)), (info, (18, 60)), (bars, (10, 80))):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a text is never a formula
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
