"""The committee's Excel page: upload, a preview of every row (nothing written), then one button creates them."""

import io

from sqlalchemy import func, select

from models import Dossier
from tests.api.test_imports import GOOD, mixed
from tests.conftest import csrf_from
from workflow.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def test_upload_preview_then_create(client, auth, world):
    data = mixed(world)
    auth.login("group_committee")
    page = html(client.get("/imports/registrations"))
    assert "Tải tệp mẫu (Excel)" in page and world.units["G1"].name in page
    before = db.session.scalar(select(func.count(Dossier.id)))
    preview = client.post("/imports/registrations", data={
        "csrf_token": csrf_from(page), "unit_id": world.units["G1"].id, "campaign_id": world.campaign.id,
        "file": (io.BytesIO(data), "danh-sach.xlsx")}, content_type="multipart/form-data")
    assert preview.status_code == 200
    shown = html(preview)
    assert "3 dòng sẽ được tạo" in shown and "2 dòng trùng" in shown and "3 dòng lỗi" in shown
    assert "dòng trống" in shown and "Gia đình hiếu học" in shown and "Tạo 3 hồ sơ" in shown
    assert db.session.scalar(select(func.count(Dossier.id))) == before  # nothing yet
    done = client.post("/imports/registrations/confirm", data={
        "csrf_token": csrf_from(shown), "unit_id": world.units["G1"].id, "campaign_id": world.campaign.id,
        "payload": shown.split('name="payload" type="hidden" value="', 1)[1].split('"', 1)[0]})
    assert done.status_code == 302 and "state=registered" in done.headers["Location"]
    assert db.session.scalar(select(func.count(Dossier.id))) == before + 3
    assert "Đã tạo 3 hồ sơ" in html(client.get(done.headers["Location"]))


def test_a_file_that_is_not_excel_is_named_beside_the_field(client, auth, world):
    auth.login("group_committee")
    page = html(client.get("/imports/registrations"))
    response = client.post("/imports/registrations", data={
        "csrf_token": csrf_from(page), "unit_id": world.units["G1"].id, "campaign_id": world.campaign.id,
        "file": (io.BytesIO(b"%PDF-1.7 not a list"), "ds.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "không đọc được tệp .xlsx" in html(response)
    assert str(GOOD[0][1]) not in html(response)


def test_only_a_committee_imports(client, auth, world):
    auth.login("applicant")
    assert client.get("/imports/registrations").status_code == 403


def test_outside_registration_the_page_says_when_the_next_campaign_opens(client, auth, world):
    from datetime import timedelta

    from workflow.services.listing import local_today

    # Closed for every title: the registration window, and the assessment deadline that ends the days of the
    # titles assessed for every household.
    world.campaign.registration_closes = local_today() - timedelta(days=10)
    world.campaign.assessment_due = local_today() - timedelta(days=1)
    db.session.commit()
    auth.login("group_committee")
    page = html(client.get("/imports/registrations"))
    assert "Hiện không có đợt thi đua nào đang nhận đăng ký" in page
    assert "Phường chưa công bố đợt thi đua tiếp theo" in page
    assert 'type="file"' not in page  # no form whose campaign list is empty


def test_after_registration_closes_the_campaign_still_takes_every_household_titles(client, auth, world):
    from datetime import timedelta

    from workflow.services.listing import local_today

    world.campaign.registration_closes = local_today() - timedelta(days=1)
    db.session.commit()
    auth.login("group_committee")
    page = html(client.get("/imports/registrations"))
    assert 'type="file"' in page and world.campaign.name in page
    assert "hết hạn đăng ký; danh hiệu xét cho mọi hộ gia đình lập hồ sơ đến" in page
    assert "/dossiers/every-household" in page
