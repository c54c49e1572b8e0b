"""The public list of those recognized (page and CSV, no sign-in) and the posting of a decision's list on the
decision page and the chairman's "Việc cần làm" (issue 8)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent, Decision
from states.enums import State
from tests.conftest import csrf_from
from tests.services.test_publication import DECISION, at_ward, build_ward, household
from workflow.extensions import db
from workflow.services import publication


@pytest.fixture
def ward(world):
    return build_ward(world)


def page(client, query: str = "") -> tuple[int, str]:
    response = client.get("/public/recognized" + query)
    return response.status_code, response.get_data(as_text=True)


def test_anyone_reads_the_list_grouped_by_title(client, ward, world):
    status, html = page(client, f"?campaign={world.campaign.id}")
    assert status == 200
    assert "Danh sách được công nhận danh hiệu kiểu mẫu" in html and "Phường Thử" in html
    for dossier in ward.recognized:
        assert dossier.subject_name in html
        assert f'href="/public/certificates/{dossier.certificate_code}"' in html
    for dossier in ward.left_out.values():
        assert dossier.subject_name not in html
    assert "Hộ ông Mạc Văn Tùng" not in html  # last year's list is another campaign's
    # One table per title, in the titles' order, with the columns a ward posts.
    assert html.index("Gia đình kiểu mẫu <small") < html.index("Tổ dân phố kiểu mẫu <small")
    assert html.count("<table") == 2
    for column in ("STT", "Họ và tên / Tên hộ", "Tổ dân phố", "Danh hiệu", "Quyết định số", "Ngày ký"):
        assert f'<th scope="col">{column}</th>' in html
    assert DECISION in html and f"{ward.decision.signed_on:%d/%m/%Y}" in html


def test_no_personal_number_or_address_on_the_page_or_in_the_csv(client, ward, world):
    query = f"?campaign={world.campaign.id}"
    for url in (f"/public/recognized{query}", f"/public/recognized.csv{query}"):
        text = client.get(url).get_data(as_text=True)
        assert not [n for n in ward.personal_numbers() if n in text], url
        assert "ngõ Chợ" not in text


def test_the_newest_campaign_by_default_and_a_picker_of_the_others(client, ward, world):
    status, html = page(client)
    assert status == 200 and "Hộ ông Trần Văn Bình" in html
    assert f'<option value="{world.campaign.id}" selected>' in html
    assert f'<option value="{ward.last_year.campaign_id}" >' in html
    assert f'value="{world.campaign2.id}"' not in html  # nobody recognized in that ward yet
    status, html = page(client, f"?campaign={ward.last_year.campaign_id}")
    assert status == 200 and "Hộ ông Mạc Văn Tùng" in html and "Hộ ông Trần Văn Bình" not in html
    status, html = page(client, f"?campaign={world.campaign2.id}")
    assert status == 200 and "chưa có ai được công nhận" in html


@pytest.mark.parametrize("raw", ["999999", "abc", "-1", "9" * 40, "1.5", "%00", "١"])
def test_an_unknown_campaign_is_a_404_page_with_the_picker(client, ward, raw):
    status, html = page(client, f"?campaign={raw}")
    assert status == 404 and "Không tìm thấy đợt thi đua này." in html and "<select" in html
    assert client.get(f"/public/recognized.csv?campaign={raw}").status_code == 404


def test_an_empty_site_says_there_is_no_list_yet(client, world):
    status, html = page(client)
    assert status == 200 and "Chưa có danh sách nào" in html


def test_the_csv_opens_in_excel_with_vietnamese_headers(client, ward, world):
    response = client.get(f"/public/recognized.csv?campaign={world.campaign.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8's byte-order mark: Excel reads the letters right
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["STT", "Họ và tên / Tên hộ", "Tổ dân phố / Đơn vị", "Danh hiệu", "Quyết định số", "Ngày ký",
                       "Mã giấy công nhận"]
    signed = f"{ward.decision.signed_on:%d/%m/%Y}"
    assert rows[1] == ["1", "Hộ bà Lê Thị Hoa", "Tổ dân phố 1", "Gia đình kiểu mẫu", DECISION, signed,
                       ward.recognized[1].certificate_code]
    assert [r[1] for r in rows[1:]] == ["Hộ bà Lê Thị Hoa", "Hộ ông Trần Văn Bình", "Hộ ông Đỗ Văn Cường",
                                       "Tổ dân phố 2"]


def test_the_csv_neutralises_cells_a_spreadsheet_would_run(client, world):
    names = ["=HYPERLINK(\"http://evil.example\",\"Bấm\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "Hộ bình thường"]
    for n, name in enumerate(names, start=20):
        household(world, State.RECOGNIZED, n, name)
    response = client.get(f"/public/recognized.csv?campaign={world.campaign.id}")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    shown = {r[1] for r in rows[1:]}
    assert "'=HYPERLINK(\"http://evil.example\",\"Bấm\")" in shown
    assert {"'+1+1", "'-2+3", "'@SUM(A1)", "Hộ bình thường"} <= shown
    assert not [cell for row in rows[1:] for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_public_pages_are_rate_limited(client, app, ward):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 2
    assert page(client)[0] == 200 and client.get("/public/recognized.csv").status_code == 200
    status, html = page(client)
    assert status == 429 and "Tra cứu quá nhiều lần" in html
    assert client.get("/public/recognized.csv").status_code == 429


def test_the_page_is_linked_from_the_public_pages(client, world):
    assert 'href="/public/recognized"' in client.get("/public/notices").get_data(as_text=True)
    assert 'href="/public/recognized"' in client.get("/track").get_data(as_text=True)  # the menu


# --- the decision page: the deadline and the posting --------------------------------------------------------------

def decision_page(client, decision: Decision) -> tuple[int, str]:
    response = client.get(f"/review/decisions/{decision.id}")
    return response.status_code, response.get_data(as_text=True)


def post_publish(client, decision: Decision, day: str, token_from: str | None = None):
    html = token_from or client.get(f"/review/decisions/{decision.id}").get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        html = client.get("/").get_data(as_text=True)
    return client.post(f"/review/decisions/{decision.id}/publish",
                       data={"csrf_token": csrf_from(html), "published_on": day})


def test_the_chairman_sees_the_deadline_and_records_the_posting(client, auth, ward, frozen_clock):
    decision = ward.decision
    due = publication.due_on(decision)
    frozen_clock.current = at_ward(decision.signed_on + timedelta(days=2))
    auth.login("chairman")
    status, html = decision_page(client, decision)
    assert status == 200
    assert f"Hạn công bố danh sách: {due:%d/%m/%Y}" in html
    assert "Đã niêm yết danh sách ngày" in html and 'name="published_on"' in html  # the form's label
    assert f'value="{frozen_clock.current.date().isoformat()}"' in html  # today by default
    posted = decision.signed_on + timedelta(days=1)
    response = post_publish(client, decision, posted.isoformat(), html)
    assert response.status_code == 302 and response.headers["Location"].endswith("#publication")
    status, html = decision_page(client, decision)
    assert f"Đã niêm yết danh sách ngày {posted:%d/%m/%Y}" in html and "Người dùng chairman" in html
    assert 'name="published_on"' not in html
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"decision:{decision.id}")).one()
    assert event.trigger == "list_published" and event.actor == "chairman"
    # Twice: said plainly, nothing written.
    response = post_publish(client, decision, posted.isoformat())
    assert response.status_code == 409
    assert f"đã được niêm yết ngày {posted:%d/%m/%Y}" in response.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"decision:{decision.id}")).all() \
        == [event]


def test_a_day_in_the_future_or_before_signing_is_refused_by_the_field(client, auth, ward, frozen_clock):
    decision = ward.decision
    frozen_clock.current = at_ward(decision.signed_on + timedelta(days=2))
    auth.login("chairman")
    for day, why in ((decision.signed_on + timedelta(days=3), "không thể ở tương lai"),
                     (decision.signed_on - timedelta(days=1), "không thể trước ngày ký quyết định"),
                     ("31/02/2026", "Ngày không hợp lệ"), ("", "Nhập ngày niêm yết")):
        response = post_publish(client, decision, str(day))
        assert response.status_code == 422, day
        assert why in response.get_data(as_text=True)
    assert db.session.get(Decision, decision.id).published_on is None


@pytest.mark.parametrize("username", ["council_secretary", "auditor", "ward_inspector"])
def test_others_see_the_deadline_but_may_not_post(client, auth, ward, username):
    auth.login(username)
    status, html = decision_page(client, ward.decision)
    assert status == 200 and "Hạn công bố danh sách" in html and 'name="published_on"' not in html
    response = post_publish(client, ward.decision, ward.decision.signed_on.isoformat())
    assert response.status_code == 403
    assert db.session.get(Decision, ward.decision.id).published_on is None


def test_a_decision_out_of_scope_answers_404(client, auth, ward):
    auth.login("outsider_chairman")
    response = post_publish(client, ward.decision, ward.decision.signed_on.isoformat())
    assert response.status_code == 404
    assert db.session.get(Decision, ward.decision.id).published_on is None


def test_the_work_list_names_the_decision_until_it_is_posted(client, auth, ward, frozen_clock):
    decision = ward.decision
    due = publication.due_on(decision)
    frozen_clock.current = at_ward(due + timedelta(days=2))
    auth.login("chairman")
    html = client.get("/").get_data(as_text=True)
    item = f"Công bố danh sách được công nhận theo Quyết định số {DECISION}"
    assert "Danh sách được công nhận chờ niêm yết" in html and item in html
    assert f'href="/review/decisions/{decision.id}#publication"' in html
    assert "Quá hạn 2 ngày" in html
    post_publish(client, decision, due.isoformat())
    assert item not in client.get("/").get_data(as_text=True)
    auth.login("council_secretary")
    assert "Danh sách được công nhận chờ niêm yết" not in client.get("/").get_data(as_text=True)
