"""The certificates in a real browser, on the demo ward: last year's decision 312/QĐ-UBND prints one landscape A4
giấy công nhận per standing title; a family's own certificate from its dossier page, on a desktop, on a phone and
as the browser prints it; the QR code read off the screen (as a phone's camera would) opens the public check,
which says the title is valid — and for the household whose title was revoked, that it was. Pictures in
tests/e2e/artifacts. The clock is not moved."""

from __future__ import annotations

import re
from io import BytesIO

import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import ARTIFACTS


def qr_text(page) -> str:
    """What a phone's scanner reads from the certificate's QR code as the screen shows it."""
    found = zxingcpp.read_barcodes(Image.open(BytesIO(page.locator(".cert-qr").first.screenshot())))
    assert len(found) == 1, "the QR code is not readable on screen"
    return found[0].text


def open_decision(page, number: str) -> None:
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator("h1")).to_contain_text(number)


def test_the_chairman_prints_last_years_certificates(person, browser, live_server):
    chairman = person("chairman")
    page = chairman.open("/review/decisions")
    open_decision(page, "312/QĐ-UBND")
    link = page.locator("a", has_text="In giấy công nhận")
    count = int(re.search(r"\((\d+)\)", link.inner_text()).group(1))
    assert count >= 2
    link.click()
    sheets = page.locator("section.cert-sheet")
    expect(sheets).to_have_count(count)
    expect(sheets.first.locator(".cert-title")).to_have_text("CÔNG NHẬN")
    expect(page.locator(".cert-stamp")).to_have_count(0)  # a revoked title is not printed to be handed out
    expect(page.locator(".cert-revoked-note")).to_contain_text("Không in 1 giấy")
    chairman.shot("certificates-batch-1280")
    page.emulate_media(media="print")
    page.pdf(path=str(ARTIFACTS / "certificates-batch-print.pdf"), prefer_css_page_size=True)
    pdf = PdfReader(str(ARTIFACTS / "certificates-batch-print.pdf"))
    assert len(pdf.pages) == count  # one certificate per sheet
    width, height = (round(float(v) / 72 * 25.4) for v in (pdf.pages[0].mediabox.width,
                                                             pdf.pages[0].mediabox.height))
    assert (width, height) == (297, 210)  # A4 landscape
    page.emulate_media(media="screen")


def test_a_familys_certificate_on_screen_on_paper_and_on_a_phone(person, browser, live_server):
    chairman = person("chairman")
    page = chairman.open("/review/decisions")
    open_decision(page, "312/QĐ-UBND")
    page.get_by_role("link", name="Hộ ông Lê Văn Hùng").click()
    page.locator("a", has_text="Giấy công nhận số").click()
    sheet = page.locator("section.cert-sheet")
    expect(sheet).to_contain_text("ỦY BAN NHÂN DÂN")
    expect(sheet).to_contain_text("PHƯỜNG TÂN DÂN")
    expect(sheet).to_contain_text("Độc lập - Tự do - Hạnh phúc")
    expect(page.locator(".cert-authority")).to_have_text("CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG TÂN DÂN")
    expect(page.locator(".cert-honour")).to_have_text(re.compile(r"^Đạt danh hiệu “Gia đình kiểu mẫu” năm \d{4}$"))
    expect(page.locator(".cert-subject")).to_have_text("Hộ gia đình ông Lê Văn Hùng")
    expect(page.locator(".cert-group")).to_contain_text("Tổ dân phố 1")
    expect(page.locator(".cert-basis")).to_contain_text("Theo Quyết định số 312/QĐ-UBND")
    expect(page.locator(".cert-sign .sign-role")).to_have_text("CHỦ TỊCH")  # the chairman's own power
    code = page.locator(".cert-code strong").inner_text()
    assert re.fullmatch(r"\d{4}-[A-Z2-9]{8}", code)
    box = sheet.bounding_box()
    assert box["width"] > box["height"] > 700, box  # landscape, A4-sized on a desktop
    url = qr_text(page)
    assert url == f"{live_server}/public/certificates/{code}"
    expect(page.locator("#print-button")).to_be_visible()
    certificate = re.sub(r"^https?://[^/]+", "", page.url)
    chairman.shot("certificate-1280")

    page.emulate_media(media="print")
    expect(page.locator("#print-button")).to_be_hidden()
    expect(page.locator("header.top")).to_be_hidden()
    chairman.shot("certificate-print")
    page.pdf(path=str(ARTIFACTS / "certificate-print.pdf"), prefer_css_page_size=True)
    assert len(PdfReader(str(ARTIFACTS / "certificate-print.pdf")).pages) == 1
    page.emulate_media(media="screen")

    phone = person("chairman", width=360)
    page = phone.open(certificate)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    nation, authority = page.locator(".cert-nation"), page.locator(".cert-authority")
    assert nation.bounding_box()["y"] < authority.bounding_box()["y"]  # the nation first, then who recognizes
    phone.shot("certificate-360")

    # The QR code, read off the desktop screen, opens the public check for anyone, signed in or not.
    resident = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    try:
        check = resident.new_page()
        check.goto(url)
        expect(check.locator("#verdict")).to_contain_text("Giấy công nhận hợp lệ")
        expect(check.locator(".cert-facts")).to_contain_text("Hộ ông Lê Văn Hùng")
        expect(check.locator(".cert-facts")).to_contain_text("312/QĐ-UBND")
        expect(check.locator("main")).not_to_contain_text("038085001111")
        assert check.evaluate("document.documentElement.scrollWidth") <= 360
        check.screenshot(path=str(ARTIFACTS / "certificate-check-360.png"), full_page=True)
    finally:
        resident.close()


def test_a_revoked_title_is_stamped_and_the_check_says_so(person, browser, live_server):
    chairman = person("chairman")
    page = chairman.open("/review/decisions")
    open_decision(page, "312/QĐ-UBND")
    page.get_by_role("link", name="Hộ ông Vũ Đình Khánh").click()
    page.locator("a", has_text="Giấy công nhận số").click()
    expect(page.locator(".cert-stamp")).to_contain_text("ĐÃ THU HỒI")
    expect(page.locator(".cert-revoked-note")).to_contain_text("đã bị thu hồi ngày")
    chairman.shot("certificate-revoked-1280")
    url = qr_text(page)
    resident = browser.new_context(locale="vi-VN")
    try:
        check = resident.new_page()
        check.goto(url)
        expect(check.locator("#verdict")).to_contain_text("Danh hiệu đã bị thu hồi")
        expect(check.locator(".cert-verdict")).to_contain_text(
            re.compile(r"thu hồi theo Quyết định số \S+ ngày \d\d/\d\d/\d{4}"))
        check.screenshot(path=str(ARTIFACTS / "certificate-check-revoked-1280.png"), full_page=True)
    finally:
        resident.close()
