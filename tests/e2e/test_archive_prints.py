"""The archive prints in a real browser, on the demo ward: a recognized family's whole dossier, its Mẫu 01 and its
inspection minutes, opened from the dossier page's "In / lưu hồ sơ" links, on a desktop and on a phone, and as the
browser prints them. Pictures in tests/e2e/artifacts."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS


def test_the_committee_prints_a_recognized_dossier_for_the_archive(person):
    committee = person("committee1")
    page = committee.open("/dossiers?state=recognized")
    page.locator("table a[href^='/dossiers/']").first.click()
    dossier = re.sub(r"^https?://[^/]+", "", page.url)
    name = page.locator("h1").inner_text()

    page.locator("#papers").get_by_role("link", name="Cả hồ sơ", exact=True).click()
    paper = page.locator("article.paper")
    expect(paper).to_contain_text("HỒ SƠ XÉT CÔNG NHẬN DANH HIỆU")
    expect(paper).to_contain_text(name)
    expect(page.locator(".paper-place").first).to_contain_text(re.compile(r"^Tân Dân, ngày \d\d tháng \d+ năm \d{4}$"))
    for part in ("I. Thông tin hồ sơ", "II. Tổ tự đánh giá", "III. Phường kiểm tra", "IV. Hội đồng", "V. Quyết định",
                 "VI. Lịch sử xử lý"):
        expect(paper).to_contain_text(part)
    width = page.locator(".paper-sheet").first.evaluate("e => e.getBoundingClientRect().width")
    assert 780 <= width <= 800, width  # 210 mm at 96 dpi
    committee.shot("dossier-print-1280")
    page.emulate_media(media="print")
    expect(page.locator("#print-button")).to_be_hidden()
    page.pdf(path=str(ARTIFACTS / "dossier-print.pdf"), format="A4", prefer_css_page_size=True)
    page.emulate_media(media="screen")

    page = committee.open(dossier)
    page.locator("#papers").get_by_role("link", name="Đơn đăng ký (Mẫu 01)").click()
    expect(page.locator("article.paper")).to_contain_text("ĐƠN ĐĂNG KÝ THI ĐUA")
    expect(page.locator("article.paper")).to_contain_text("Kính gửi:")
    committee.shot("registration-1280")

    page = committee.open(dossier)
    page.locator("#papers").get_by_role("link", name="Biên bản kiểm tra").click()
    expect(page.locator("article.paper")).to_contain_text("BIÊN BẢN KIỂM TRA")
    committee.shot("inspection-minutes-1280")

    phone = person("committee1", width=360)
    for path, shot in ((f"{dossier}/print", "dossier-print-360"), (f"{dossier}/registration", "registration-360")):
        page = phone.open(path)
        expect(page.locator("article.paper")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, shot
        phone.shot(shot)
