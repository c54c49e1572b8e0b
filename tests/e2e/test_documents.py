"""The ward's printed papers in a real browser, on the demo ward: last year's decision 312/QĐ-UBND (recognized)
and notice 41/TB-UBND (refused) as A4 papers in the Decree 30/2020 layout, opened from the decision page,
on a desktop and on a phone, and as the browser prints them. Pictures in tests/e2e/artifacts. The clock is not moved."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS


def open_paper(page, number: str) -> str:
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator("h1")).to_contain_text(number)
    page.locator("a", has_text="Xem và in văn bản quyết định").click()
    expect(page.locator(".paper-number")).to_have_text(f"Số: {number}")
    return re.sub(r"^https?://[^/]+", "", page.url)


def test_the_chairman_prints_last_years_decisions(person):
    chairman = person("chairman")
    page = chairman.open("/review/decisions")
    recognized = open_paper(page, "312/QĐ-UBND")
    paper = page.locator("article.paper")
    expect(paper).to_contain_text("ỦY BAN NHÂN DÂN")
    expect(paper).to_contain_text("PHƯỜNG TÂN DÂN")
    expect(paper).to_contain_text("Độc lập - Tự do - Hạnh phúc")
    expect(page.locator(".paper-place")).to_contain_text(re.compile(r"^Tân Dân, ngày \d\d tháng 12 năm \d{4}$"))
    expect(paper).to_contain_text("Về việc công nhận danh hiệu")
    expect(paper).to_contain_text("Căn cứ Luật Thi đua, khen thưởng")
    expect(page.locator(".paper-signature .sign-role")).to_have_text("CHỦ TỊCH")  # the chairman's own power
    expect(page.locator(".paper-signature")).to_contain_text("Nguyễn Văn Thành")
    rows = page.locator("table.annex tbody tr")
    assert rows.count() >= 1
    expect(rows.first.locator("td").first).to_have_text("1")
    # The sheet is A4 wide on a desktop, and the "In" button is there but not on paper.
    width = page.locator(".paper-sheet").first.evaluate("e => e.getBoundingClientRect().width")
    assert 780 <= width <= 800, width  # 210 mm at 96 dpi
    expect(page.locator("#print-button")).to_be_visible()
    chairman.shot("decision-document-1280")
    page.emulate_media(media="print")
    expect(page.locator("#print-button")).to_be_hidden()
    expect(page.locator("header.top")).to_be_hidden()
    chairman.shot("decision-document-print")
    page.pdf(path=str(ARTIFACTS / "decision-document-print.pdf"), format="A4", prefer_css_page_size=True)
    page.emulate_media(media="screen")

    page = chairman.open("/review/decisions")
    open_paper(page, "41/TB-UBND")
    expect(page.locator("article.paper")).to_contain_text("THÔNG BÁO")
    expect(page.locator("article.paper")).to_contain_text("Về việc không công nhận danh hiệu")
    expect(page.locator("article.paper")).to_contain_text("Lý do không công nhận")
    chairman.shot("decision-document-refusal-1280")

    phone = person("chairman", width=360)
    page = phone.open(recognized)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.shot("decision-document-360")
