"""The public list of those recognized in a real browser, on the demo ward, signed out: last year's 312/QĐ-UBND
lists its households by title, readable on a desktop and on a 360 px phone, each name opening its certificate's
check. Pictures in tests/e2e/artifacts."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, choose_campaign


def test_anyone_reads_the_list_on_a_desktop_and_a_phone(visitor):
    for width in (1280, 360):
        page = visitor(width)
        page.locator("main a", has_text="Danh sách được công nhận").click()
        expect(page.locator("h1")).to_have_text("Danh sách được công nhận danh hiệu kiểu mẫu")
        choose_campaign(page, "Phường Tân Dân · năm 2025", "Xem danh sách")
        rows = page.locator("table.recognized tbody tr")
        assert rows.count() >= 1
        expect(page.locator("table.recognized").first).to_contain_text("312/QĐ-UBND")
        expect(rows.first.locator("td").first).to_have_text("1")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"public-recognized-{width}.png"), full_page=True)
        name = rows.first.locator("td a").first
        expected = name.inner_text()
        name.click()
        expect(page).to_have_url(re.compile(r"/public/certificates/\d{4}-[A-Z0-9]{8}$"))
        expect(page.locator("main")).to_contain_text(expected)


def test_the_chairman_finds_last_years_list_recorded_as_posted(person):
    """The demo recorded last December's list as posted three working days after signing: no posting is due
    on the chairman's work list for it, and its decision page says when it was posted (a phone suffices)."""
    phone = person("chairman", width=360)
    page = phone.open("/")
    expect(page.locator("#work-publications li", has_text="312/QĐ-UBND")).to_have_count(0)
    page = phone.open("/review/decisions")
    page.locator("main a", has_text="312/QĐ-UBND").first.click()
    block = page.locator("#publication")
    expect(block).to_contain_text(re.compile(r"Hạn công bố danh sách: \d\d/\d\d/202[56]"))
    expect(block.get_by_role("status")).to_contain_text(re.compile(r"Đã niêm yết danh sách ngày \d\d/\d\d/202[56]"))
    expect(block.locator("input[name=published_on]")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.shot("decision-publication-360")
