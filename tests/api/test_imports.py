"""Excel in (issue 9): the ward's registration list. The preview names what each row will do — create, duplicate
(already registered, or twice in the file), error (bad personal number, unknown title, empty row) — and writes
nothing; confirming creates only the good rows, all in one transaction; a file that is not XLSX is a 422."""

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import AuditEvent, Dossier
from states.enums import State
from workflow.extensions import db
from workflow.services.imports import HEADERS

GOOD = [(1, "Hộ ông Phạm Văn Bình", "001085012345", "Số 3 ngõ Hoa", "Gia đình kiểu mẫu"),
        (2, "Lê Thị Cúc", "001190054321", "Số 5 ngõ Hoa", "công dân kiểu mẫu")]  # any case, with diacritics


def xlsx(rows, header=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(api, world, data: bytes, dry_run: bool, who: str = "group_committee", name: str = "ds.xlsx"):
    return api.as_(who).post(
        f"/imports/registrations?campaign_id={world.campaign.id}&unit_id={world.units['G1'].id}"
        f"&dry_run={'true' if dry_run else 'false'}", data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def mixed(world) -> bytes:
    taken = world.dossier(State.REGISTERED, subject_ref="001077099999")
    return xlsx([*GOOD,
                 (3, "Hộ bà Trùng Lặp", taken.subject_ref, "", "Gia đình kiểu mẫu"),  # already registered
                 (4, "Hộ ông Sai Số", "12345", "", "Gia đình kiểu mẫu"),  # bad personal number
                 (5, "Hộ ông Không Rõ", "001085011111", "", "Gia đình hiếu học"),  # unknown title
                 (None, None, None, None, None),  # an empty row in the middle
                 (7, "Hộ ông Phạm Văn Bình", "001085012345", "", "Gia đình kiểu mẫu"),  # twice in the file
                 (8, "Nguyễn Văn Số", 1085077777, "", "Công dân kiểu mẫu")])  # a number cell lost its 0


def count_dossiers() -> int:
    return db.session.scalar(select(func.count(Dossier.id)))


def test_the_preview_names_each_row_and_writes_nothing(api, world):
    data = mixed(world)
    before, events = count_dossiers(), db.session.scalar(select(func.count(AuditEvent.id)))
    response = upload(api, world, data, dry_run=True)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    by_row = {r["row"]: r for r in body["rows"]}
    assert [by_row[n]["status"] for n in range(2, 10)] == [
        "create", "create", "duplicate", "error", "error", "error", "duplicate", "create"]
    assert "đã đăng ký" in by_row[4]["reason"]
    assert "12 chữ số" in by_row[5]["reason"]
    assert "Gia đình hiếu học" in by_row[6]["reason"]
    assert by_row[7]["reason"] == "dòng trống"
    assert "dòng 2" in by_row[8]["reason"]
    assert body["created"] == 0 and all(r["dossier_id"] is None for r in body["rows"])
    assert count_dossiers() == before and db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_confirming_creates_only_the_good_rows_as_paper_registrations(api, world):
    data = mixed(world)
    before = count_dossiers()
    body = upload(api, world, data, dry_run=False).get_json()
    assert body["created"] == 3 and count_dossiers() == before + 3
    made = {r["row"]: db.session.get(Dossier, r["dossier_id"]) for r in body["rows"] if r["dossier_id"]}
    assert set(made) == {2, 3, 9}
    family = made[2]
    assert (family.state, family.subject_ref, family.title, family.unit_id) == (
        State.REGISTERED, "001085012345", "model_family", world.units["G1"].id)
    assert family.entered_by_id == world.users["group_committee"].id  # typed in on the residents' behalf
    assert made[9].subject_ref == "001085077777" and made[3].title == "model_citizen"
    again = upload(api, world, data, dry_run=True).get_json()  # the same file again: now all duplicates
    assert {r["status"] for r in again["rows"] if r["row"] in (2, 3, 9)} == {"duplicate"}


def test_what_is_not_the_template_is_refused_whole(api, world):
    not_xlsx = upload(api, world, b"STT,Ho ten\n1,An\n", dry_run=True, name="ds.csv")
    assert not_xlsx.status_code == 422 and "xlsx" in not_xlsx.get_json()["error"]["message"].lower()
    wrong_header = upload(api, world, xlsx(GOOD, header=("STT", "Tên", "CCCD")), dry_run=True)
    assert wrong_header.status_code == 422 and "Họ và tên / Tên hộ" in wrong_header.get_json()["error"]["message"]
    assert upload(api, world, xlsx(GOOD), dry_run=True, who="applicant").status_code == 403
    assert upload(api, world, xlsx(GOOD), dry_run=True, who="committee2").status_code == 403  # not his group
    missing = api.as_("group_committee").post(
        f"/imports/registrations?campaign_id={world.campaign.id}&unit_id={world.units['G1'].id}",
        data={}, content_type="multipart/form-data")
    assert missing.status_code == 422


def test_the_template_is_the_file_the_import_reads(api, world):
    response = api.as_("group_committee").get("/imports/registrations/template")
    assert response.status_code == 200
    data = response.data
    response.close()
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == list(HEADERS)
    body = upload(api, world, data, dry_run=True).get_json()
    assert [r["status"] for r in body["rows"]] == ["create"]  # its example row is a good row


def damaged(data: bytes, cell: str = "A2") -> bytes:
    """The workbook with a number cell of its first sheet (the first row's STT by default) holding letters:
    openpyxl in read-only mode meets it only while reading the rows."""
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                pattern = rb'(<c r="' + cell.encode() + rb'"[^>]*>)<v>[^<]*</v>'
                content = re.sub(pattern, rb"\1<v>abc</v>", content, count=1)
                assert b"<v>abc</v>" in content
            target.writestr(item, content)
    return out.getvalue()


def test_a_workbook_damaged_inside_is_a_422_and_writes_nothing(api, world):
    before = count_dossiers()
    for dry_run in (True, False):
        response = upload(api, world, damaged(xlsx(GOOD)), dry_run=dry_run)
        assert response.status_code == 422, response.get_data(as_text=True)
        assert "xlsx" in response.get_json()["error"]["message"].lower()
    truncated = xlsx(GOOD)[:-200]
    assert upload(api, world, truncated, dry_run=True).status_code == 422
    assert count_dossiers() == before
