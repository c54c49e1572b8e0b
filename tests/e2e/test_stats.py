"""Ward leaders' statistics in a real browser, on the demo ward: every chart is drawn (one bar per row of its
table, the same numbers), on a desktop and on a phone without sideways scrolling. Pictures in tests/e2e/artifacts."""

from playwright.sync_api import expect

CHARTS = ("chart-stages", "chart-titles", "chart-units", "chart-days", "chart-years")


def test_the_chairman_reads_the_statistics(person):
    chairman = person("chairman")
    page = chairman.open("/stats")
    expect(page.locator("h1")).to_have_text("Thống kê đợt thi đua")
    for chart in CHARTS:
        figure = page.locator(f"#{chart}")
        expect(figure).to_be_visible()
        rows = figure.locator(".bar-row")
        assert rows.count() >= 1, chart
        box = figure.locator("svg.bar").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 5, (chart, box)  # drawn, not collapsed
    stages = page.locator("#chart-stages .bar-value").all_inner_texts()
    table = page.locator("#table-stages tbody td.num").all_inner_texts()
    assert stages == table  # the chart says what its table says
    total = int(page.locator("#total").inner_text())
    assert total == sum(int(n) for n in table)
    chairman.shot("stats-1280")
    page.locator("select[name=campaign_id]").select_option(index=1)
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("#chart-stages")).to_be_visible()
    assert int(page.locator("#total").inner_text()) <= total

    phone = person("chairman", width=360)
    page = phone.open("/stats")
    expect(page.locator("#chart-days")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.shot("stats-360")
