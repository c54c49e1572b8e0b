"""The public progress of the demo ward's campaign in a real browser, signed out, on a desktop and a 360 px phone:
reached from the notice boards, one row per step, no name. Pictures in tests/e2e/artifacts."""

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, choose_campaign


def test_anyone_reads_the_wards_progress_on_a_desktop_and_a_phone(visitor):
    for width in (1280, 360):
        page = visitor(width)
        page.locator("main a", has_text="Tiến độ giải quyết hồ sơ của phường").click()
        expect(page.locator("h1")).to_have_text("Công khai tiến độ giải quyết hồ sơ")
        choose_campaign(page, "Phường Tân Dân · năm 2026", "Xem tiến độ")
        expect(page.locator("table.progress tbody tr")).to_have_count(6)
        expect(page.locator("table.progress")).to_contain_text("Niêm yết công khai")
        expect(page.locator("main")).not_to_contain_text("Hộ gia đình ông")  # counts only, no household
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"public-progress-{width}.png"), full_page=True)
