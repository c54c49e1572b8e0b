"""The "Đề nghị Giấy khen" page and its printable list: those recognized enough years in a row, in scope."""

from __future__ import annotations

import io

import pytest

from states.enums import State, Title
from tests.services.test_streaks import recognize


@pytest.fixture
def seeded(world):
    this = world.campaign.year
    for year in (this - 2, this - 1, this):
        recognize(world, year, "HK-0301", name="Hộ ông Hoàng Văn Lâm")
    recognize(world, this - 1, "HK-0302", name="Hộ bà Đinh Thị Cúc")
    recognize(world, this, "HK-0302", name="Hộ bà Đinh Thị Cúc")
    for year in range(this - 4, this + 1):
        recognize(world, year, "TDP-1", title=Title.MODEL_GROUP, name="Tổ dân phố 1")
    recognize(world, this - 2, "HK-0303", group="G2", name="Hộ ông Mai Văn Sơn")
    recognize(world, this - 1, "HK-0303", group="G2", name="Hộ ông Mai Văn Sơn", target=State.REVOKED)
    recognize(world, this, "HK-0303", group="G2", name="Hộ ông Mai Văn Sơn")
    return world


@pytest.mark.parametrize("username", ["chairman", "council_secretary", "auditor"])
def test_the_page_lists_those_eligible(client, auth, seeded, username):
    this = seeded.campaign.year
    auth.login(username)
    response = client.get("/review/streaks")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Đề nghị Giấy khen" in html
    assert "Hộ ông Hoàng Văn Lâm" in html and f"{this - 2}, {this - 1}, {this}" in html
    assert "Tổ dân phố 1" in html and f"{this - 4}, {this - 3}" in html
    assert "Hộ bà Đinh Thị Cúc" not in html  # two years only
    assert "Hộ ông Mai Văn Sơn" not in html  # a revoked year broke the run
    assert "HK-0301" not in html  # the personal reference is not shown


def test_the_unit_filter_narrows_the_list(client, auth, seeded):
    auth.login("chairman")
    html = client.get(f"/review/streaks?unit_id={seeded.units['G2'].id}").get_data(as_text=True)
    assert "Hộ ông Hoàng Văn Lâm" not in html and "Chưa có ai đủ số năm liên tục" in html
    for raw in ("abc", "-1", "9" * 40, str(seeded.units["G9"].id)):  # nonsense or out of scope: the whole list
        response = client.get(f"/review/streaks?unit_id={raw}")
        assert response.status_code == 200 and "Hộ ông Hoàng Văn Lâm" in response.get_data(as_text=True)


def test_the_printable_proposal_list(client, auth, seeded):
    auth.login("chairman")
    response = client.get(f"/review/streaks/print?unit_id={seeded.units['WARD'].id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "DANH SÁCH ĐỀ NGHỊ TẶNG GIẤY KHEN" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert "ỦY BAN NHÂN DÂN PHƯỜNG THỬ" in html
    assert "Hộ ông Hoàng Văn Lâm" in html and "Tổ dân phố 1" in html and "Hộ bà Đinh Thị Cúc" not in html
    assert "Danh sách gồm 2 trường hợp." in html
    pdf = client.get(f"/review/streaks/print?unit_id={seeded.units['WARD'].id}&format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    from pypdf import PdfReader

    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "ĐỀ NGHỊ TẶNG GIẤY KHEN" in text and "Hoàng Văn Lâm" in text, text


@pytest.mark.parametrize("username", ["applicant", "group_committee", "ward_inspector", "council1"])
def test_others_are_refused(client, auth, world, username):
    auth.login(username)
    assert client.get("/review/streaks").status_code == 403
    assert client.get("/review/streaks/print").status_code == 403


def test_signed_out_goes_to_sign_in(client, world):
    assert client.get("/review/streaks").status_code == 302


def test_the_menu_offers_the_page_to_those_the_policy_lets_in(client, auth, world):
    auth.login("council_secretary")
    assert 'href="/review/streaks"' in client.get("/").get_data(as_text=True)
    auth.login("applicant")
    assert 'href="/review/streaks"' not in client.get("/").get_data(as_text=True)
