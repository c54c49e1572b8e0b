"""Criteria sets in Excel (issue 9): an admin downloads a loaded set, changes it, gives it a new version and
uploads it back; a file with a bad row is refused whole, naming the row; the CLI loads the same file."""

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from models import CriteriaSet
from tests.conftest import csrf_from
from workflow.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def the_set(title: str) -> CriteriaSet:
    return db.session.scalars(select(CriteriaSet).where(CriteriaSet.title == title).order_by(CriteriaSet.id)).first()


def download(client, found: CriteriaSet):
    response = client.get(f"/admin/criteria/{found.id}.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def upload(client, book, name="bo-moi.xlsx"):
    out = io.BytesIO()
    book.save(out)
    page = html(client.get("/admin/criteria"))
    return client.post("/admin/criteria", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(out.getvalue()), name)})


def set_info(book, label: str, value) -> None:
    row = next(r for r in book["Thông tin"].iter_rows(min_row=2) if r[0].value == label)
    row[1].value = value


def test_a_points_set_goes_out_and_back_as_a_new_version(client, auth, world):
    auth.login("admin")
    old = the_set("model_family")
    book = download(client, old)
    assert book.sheetnames == ["Tiêu chí", "Thông tin", "Không xét"]
    rows = list(book["Tiêu chí"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(old.criteria) and rows[0][3] == old.criteria[0].code
    assert sum(1 for r in rows if r[0]) == len(old.standards)  # a standard named on its first row only
    set_info(book, "Phiên bản", "QĐ 15/2027")
    set_info(book, "Điểm đạt", 90)
    book["Tiêu chí"]["E2"] = "Chấp hành tốt pháp luật (sửa 2027)"
    response = upload(client, book)
    assert response.status_code == 302
    new = db.session.scalars(select(CriteriaSet).where(CriteriaSet.version == "QĐ 15/2027")).one()
    assert (new.title, new.shape, new.pass_points) == ("model_family", "points", 90)
    assert [c.code for c in new.criteria] == [c.code for c in old.criteria]
    assert [(s.code, s.max_points) for s in new.standards] == [(s.code, s.max_points) for s in old.standards]
    assert [c.standard.code for c in new.criteria] == [c.standard.code for c in old.criteria]
    assert new.criteria[0].name == "Chấp hành tốt pháp luật (sửa 2027)"
    assert [d.code for d in new.disqualifiers] == [d.code for d in old.disqualifiers]
    assert "QĐ 15/2027" in html(client.get(response.headers["Location"]))


def test_a_checklist_keeps_which_criteria_are_mandatory(client, auth, world):
    auth.login("admin")
    old = the_set("model_citizen")
    book = download(client, old)
    set_info(book, "Phiên bản", "2027")
    book["Tiêu chí"]["G2"] = "không"
    assert upload(client, book).status_code == 302
    new = db.session.scalars(select(CriteriaSet).where(CriteriaSet.title == "model_citizen",
                                                       CriteriaSet.version == "2027")).one()
    assert new.shape == "checklist" and new.standards == []
    assert [c.mandatory for c in new.criteria] == [False] + [c.mandatory for c in old.criteria[1:]]


def test_a_bad_row_refuses_the_whole_file_and_names_the_row(client, auth, world):
    auth.login("admin")
    book = download(client, the_set("model_family"))
    set_info(book, "Phiên bản", "QĐ 16/2027")
    book["Tiêu chí"]["F3"] = "tám"
    book["Tiêu chí"]["G4"] = "có lẽ"
    before = db.session.scalar(select(func.count(CriteriaSet.id)))
    response = upload(client, book)
    page = html(response)
    assert response.status_code == 422
    assert "Tiêu chí, dòng 3: “tám” không phải số nguyên" in page
    assert "Tiêu chí, dòng 4: cột Bắt buộc ghi “có” hoặc “không”" in page
    assert db.session.scalar(select(func.count(CriteriaSet.id))) == before


def test_missing_information_and_a_wrong_header_are_named(client, auth, world):
    auth.login("admin")
    book = download(client, the_set("model_group"))
    set_info(book, "Phiên bản", None)
    response = upload(client, book)
    assert response.status_code == 422 and "Thông tin: thiếu “Phiên bản”" in html(response)
    book["Tiêu chí"]["A1"] = "Cột lạ"
    response = upload(client, book)
    assert response.status_code == 422 and "Dòng đầu của tệp phải là các cột: Mã tiêu chuẩn" in html(response)
    damaged = client.post("/admin/criteria", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html(client.get("/admin/criteria"))),
        "file": (io.BytesIO(b"PK\x03\x04 not a workbook"), "bo.xlsx")})
    assert damaged.status_code == 422 and "Tệp không phải bảng tính Excel (.xlsx)" in html(damaged)


def test_only_an_admin_downloads_a_set(client, auth, world):
    auth.login("chairman")
    assert client.get(f"/admin/criteria/{the_set('model_family').id}.xlsx").status_code in (403, 404)


def test_the_command_line_loads_the_excel_file(app, client, auth, world, runner, tmp_path):
    auth.login("admin")
    book = download(client, the_set("model_agency"))
    set_info(book, "Phiên bản", "CLI 2027")
    path = tmp_path / "co-quan.xlsx"
    book.save(path)
    result = runner.invoke(args=["load-criteria", str(path)])
    assert result.exit_code == 0, result.output
    assert "model_agency CLI 2027: đã nạp" in result.output
    again = runner.invoke(args=["load-criteria", str(path)])
    assert "đã có sẵn" in again.output


def test_a_standard_written_on_every_row_is_one_standard(client, auth, world):
    auth.login("admin")
    old = the_set("model_family")
    book = download(client, old)
    set_info(book, "Phiên bản", "QĐ 17/2027")
    sheet, current = book["Tiêu chí"], None
    for row in sheet.iter_rows(min_row=2):  # fill the standard's cells down, as people do instead of merging
        if row[0].value:
            current = [c.value for c in row[:3]]
        else:
            for cell, value in zip(row[:3], current, strict=True):
                cell.value = value
    assert upload(client, book).status_code == 302
    new = db.session.scalars(select(CriteriaSet).where(CriteriaSet.version == "QĐ 17/2027")).one()
    assert [s.code for s in new.standards] == [s.code for s in old.standards]


def test_repeated_codes_a_date_for_a_version_and_an_old_xls_are_named(client, auth, world):
    import datetime

    auth.login("admin")
    book = download(client, the_set("model_family"))
    set_info(book, "Phiên bản", datetime.datetime(2025, 1, 1))  # Excel made a date of "1/2025"
    response = upload(client, book)
    assert response.status_code == 422 and "Excel đã đổi ô này thành ngày tháng" in html(response)
    set_info(book, "Phiên bản", "QĐ 18/2027")
    bars = book["Không xét"]
    bars.append([bars["A2"].value, "Lặp mã"])
    response = upload(client, book)
    assert response.status_code == 422 and f"mã trường hợp không xét {bars['A2'].value} bị lặp" in html(response)
    old_xls = client.post("/admin/criteria", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html(client.get("/admin/criteria"))),
        "file": (io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64), "bo.xls")})
    assert old_xls.status_code == 422 and "hãy lưu lại dạng .xlsx" in html(old_xls)


def test_a_workbook_damaged_inside_is_refused_not_a_crash(client, auth, world):
    """openpyxl (read-only) meets a damaged part only while reading rows: a number cell holding letters."""
    from tests.api.test_imports import damaged

    auth.login("admin")
    book = download(client, the_set("model_family"))
    set_info(book, "Phiên bản", "QĐ 19/2027")
    out = io.BytesIO()
    book.save(out)
    response = client.post("/admin/criteria", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html(client.get("/admin/criteria"))),
        "file": (io.BytesIO(damaged(out.getvalue(), cell="C2")), "bo.xlsx")})
    assert response.status_code == 422 and "Tệp không phải bảng tính Excel (.xlsx)" in html(response)
