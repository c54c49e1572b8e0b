"""The admin's calendar page and the campaign form's dates: what an admin sees, types and is told."""

from sqlalchemy import select

from models import CalendarDay
from tests.conftest import csrf_from
from workflow.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def test_the_calendar_page_lists_the_years_holidays_and_takes_announced_days(client, auth, world):
    auth.login("admin")
    page = client.get("/admin/calendar?year=2027")
    assert page.status_code == 200
    text = html(page)
    assert "Lịch làm việc năm 2027" in text and "Tết Nguyên Đán" in text and "24/11/2027" in text
    assert "Ngày Văn hóa Việt Nam" in text and "Chưa ghi ngày nào cho năm 2027" in text
    added = client.post("/admin/calendar?year=2027", data={
        "csrf_token": csrf_from(text), "date": "2027-02-11", "kind": "day_off",
        "name": "Nghỉ Tết Nguyên đán theo thông báo của Chính phủ"})
    assert added.status_code == 302
    listed = html(client.get(added.headers["Location"]))
    assert "Đã thêm ngày 11/02/2027 vào lịch." in listed and "Nghỉ Tết Nguyên đán theo thông báo" in listed
    assert "Thứ Năm" in listed
    again = client.post("/admin/calendar?year=2027", data={
        "csrf_token": csrf_from(listed), "date": "2027-02-11", "kind": "working_day", "name": "Làm bù"})
    assert again.status_code == 409 and "đã có: Nghỉ Tết Nguyên đán" in html(again)
    sunday = client.post("/admin/calendar?year=2027", data={
        "csrf_token": csrf_from(listed), "date": "2027-02-14", "kind": "day_off", "name": "Nghỉ"})
    assert sunday.status_code == 422 and "vốn đã là ngày nghỉ (Chủ nhật)" in html(sunday)
    row = db.session.scalars(select(CalendarDay)).one()
    removed = client.post(f"/admin/calendar/{row.id}/remove", data={"csrf_token": csrf_from(listed)})
    assert removed.status_code == 302 and "year=2027" in removed.headers["Location"]
    assert "Đã bỏ ngày khỏi lịch." in html(client.get(removed.headers["Location"]))
    assert db.session.scalars(select(CalendarDay)).first() is None


def test_the_calendar_page_is_for_admins(client, auth, world):
    auth.login("chairman")
    assert client.get("/admin/calendar").status_code == 403
    assert client.post("/admin/calendar/1/remove").status_code in (400, 403)  # no CSRF token, or no right


def test_the_campaign_form_names_each_date_out_of_order_beside_its_field(client, auth, world):
    auth.login("admin")
    page = html(client.get("/admin/campaigns"))
    assert "Lịch làm việc" in page and 'name="notice_working_days"' in page and 'name="decision_days"' in page
    fields = {"csrf_token": csrf_from(page), "year": "2031", "unit_id": str(world.units["WARD"].id),
              "name": "Thi đua 2031", "registration_opens": "2031-01-02", "registration_closes": "2031-01-31",
              "assessment_due": "2031-11-25", "inspection_due": "2031-12-05", "decision_due": "2031-12-04",
              "group_quorum": "60", "group_approval": "60", "notice_days": "10", "council_quorum": "66.67",
              "council_approval": "70", "pass_points": "85", "decision_days": "10", "publication_days": "15"}
    bad = client.post("/admin/campaigns", data=fields)
    assert bad.status_code == 422
    text = html(bad)
    assert 'id="inspection_due-error"' in text and "chọn từ ngày 06/12/2031 trở đi" in text
    assert 'id="decision_due-error"' in text and "không được trước hạn phường kiểm tra (05/12/2031)" in text
    working = client.post("/admin/campaigns", data={**fields, "inspection_due": "2031-12-08",
                                                    "decision_due": "2031-12-31", "notice_working_days": "y"})
    assert working.status_code == 422 and "niêm yết 10 ngày làm việc, đến hết ngày 09/12/2031" in html(working)
    good = client.post("/admin/campaigns", data={**fields, "inspection_due": "2031-12-10",
                                                 "decision_due": "2031-12-31", "notice_working_days": "y",
                                                 "decision_days": "7"})
    assert good.status_code == 302
    listed = html(client.get("/admin/campaigns"))
    assert "niêm yết 10 ngày làm việc" in listed and "quyết định trong 7 ngày làm việc" in listed
