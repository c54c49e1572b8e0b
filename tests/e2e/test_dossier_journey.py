"""The ward's work by clicking, each role in turn in a real browser, on the demo ward as it stands on 25/11/2026:
first November's bulk work (one meeting for a whole group, its passing households sent on in one batch, a
resident's objection on the public board, notices and council reviews closed in batches), then one family dossier
of next year's campaign through all five stages (a refusal with its reason, a return for revision, the council's
votes, the chairman's decision). Every new page is photographed at 1280 and 360 px (tests/e2e/artifacts)."""

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS

SUBJECT = "Hộ gia đình ông Phạm Văn Thử"


def fire(page, trigger: str, comment: str = "") -> None:
    form = page.locator(f"form.trigger-{trigger}")
    if comment:
        form.locator("textarea").fill(comment)
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()


def state_badge(page):
    return page.locator(".status-line .badge")


def on_phone_too(person, username: str, path: str, name: str) -> None:
    """The same page on a 360 px phone: nothing wider than the screen; both pictures kept."""
    phone = person(username, width=360)
    page = phone.open(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide on a phone"
    phone.shot(f"{name}-360")
    phone.close()


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def confirm_batch(page, question: str) -> None:
    """The batch page's review step, then its confirmation."""
    page.get_by_role("button", name="Xem lại trước khi thực hiện").click()
    expect(page.locator("h1")).to_contain_text(question)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_the_wards_november_in_batches(person, browser, e2e_clock, live_server):
    # 1. TDP-5 meets on the evening of 25/11: the committee types the one meeting in, a vote count per household.
    committee = person("committee5")
    page = committee.open("/meetings")
    committee.shot("meetings-index-1280")
    page.locator("tr", has_text="năm 2026").get_by_role("link", name="Ghi biên bản họp").click()
    meeting_path = path_of(page)
    page.fill("#held_on", "2026-11-25")
    page.fill("#invited", "35")
    page.fill("#attendees", "28")
    page.fill("#chaired_by", "Vũ Văn Lâm, Tổ trưởng")
    page.get_by_label("Số người đồng ý với hồ sơ Hộ ông Lê Đình Thắng").fill("26")
    page.get_by_label("Số người đồng ý với hồ sơ Hộ bà Trịnh Thị Thu").fill("12")
    page.get_by_role("button", name="Lưu biên bản họp").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã lưu biên bản họp bình xét")
    expect(page.locator("tr", has_text="Lê Đình Thắng")).to_contain_text("Đạt: 26/28")
    expect(page.locator("tr", has_text="Trịnh Thị Thu")).to_contain_text("Chưa đạt: 12/28")
    committee.shot("meeting-1280")
    on_phone_too(person, "committee5", meeting_path, "meeting")
    page.get_by_role("link", name="Xem và in biên bản").click()
    expect(page.locator("main")).to_contain_text("BIÊN BẢN")
    expect(page.locator("main")).to_contain_text("Hộ bà Trịnh Thị Thu")
    committee.shot("minutes-1280")
    on_phone_too(person, "committee5", path_of(page), "minutes")

    # 2. ...and sends the group's passing households to the ward in one batch: only those that can go are ticked,
    #    the other is named with its reason before anything is confirmed.
    page = committee.open(meeting_path)
    page.get_by_text("Gửi 1 hồ sơ đạt lên phường").click()
    expect(page.get_by_label("Chọn Hộ ông Lê Đình Thắng")).to_be_checked()
    expect(page.get_by_label("Chọn Hộ bà Trịnh Thị Thu")).not_to_be_checked()
    expect(page.locator("tr", has_text="Trịnh Thị Thu")).to_contain_text("chưa đủ số người dự họp đồng ý: 12/28")
    committee.shot("batch-submit-1280")
    on_phone_too(person, "committee5", path_of(page), "batch-submit")
    page.get_by_role("button", name="Xem lại trước khi thực hiện").click()
    committee.shot("batch-confirm-1280")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    # 3. The public board of TDP-5 shows it (no sign-in); a resident of TDP-2 objects on her group's board.
    visitor = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    board = visitor.new_page()
    board.goto(f"{live_server}/public/notices/TDP-5")
    expect(board.locator("main")).to_contain_text("Hộ ông Lê Đình Thắng")
    expect(board.locator("main")).not_to_contain_text("Trịnh Thị Thu")
    expect(board.locator("main")).to_contain_text("Niêm yết đến hết ngày")
    assert board.evaluate("document.documentElement.scrollWidth") <= 360
    board.screenshot(path=str(ARTIFACTS / "board-anonymous-360.png"), full_page=True)
    visitor.close()
    resident = person("applicant2")
    page = resident.open("/public/notices/TDP-2")
    item = page.locator("article.notice", has_text="Bùi Thị Mai")
    item.get_by_text("Góp ý về hồ sơ này").click()
    item.locator("textarea").fill("Gia đình chị Mai chưa tham gia buổi dọn vệ sinh đường làng tháng 11.")
    item.get_by_role("button", name="Gửi ý kiến").click()
    expect(page.locator("article.notice", has_text="Bùi Thị Mai")).to_contain_text("Bạn đã gửi 1 ý kiến")
    resident.shot("board-resident-1280")
    on_phone_too(person, "applicant2", "/public/notices/TDP-2", "board-resident")

    # 4. The inspector: no notice has ended yet on 25/11, and each dossier says until when. He answers the
    #    objection; two days later TDP-2's notices (ended 26/11) close in one batch, the others stay named.
    inspector = person("inspector")
    page = inspector.open("/review/batch/close_notice")
    expect(page.locator("tr", has_text="Bùi Thị Mai")).to_contain_text("niêm yết đến hết ngày 26/11/2026")
    expect(page.locator("input[name=dossier_ids]:checked")).to_have_count(0)
    page.get_by_role("link", name="Bùi Thị Mai").click()
    page.fill("#answer", "Đã xác minh với tổ: gia đình có tham gia, phản ánh không có cơ sở.")
    page.check("input[name=upheld][value=no]")
    page.get_by_role("button", name="Trả lời").click()
    expect(page.locator(".flash-success")).to_be_visible()
    e2e_clock.offset += timedelta(days=2)
    page = inspector.open("/review/batch/close_notice")
    expect(page.get_by_label("Chọn Bùi Thị Mai")).to_be_checked()
    expect(page.get_by_label("Chọn Hộ bà Nguyễn Thị Lan")).to_be_checked()
    expect(page.get_by_label("Chọn Hộ ông Lê Đình Thắng")).not_to_be_checked()
    expect(page.locator("tr", has_text="Lê Đình Thắng")).to_contain_text("niêm yết đến hết ngày")
    inspector.shot("batch-close-notice-1280")
    on_phone_too(person, "inspector", "/review/batch/close_notice", "batch-close-notice")
    confirm_batch(page, "2")
    expect(page.locator("main")).not_to_contain_text("Bùi Thị Mai")  # moved on: no longer waiting here

    # 5. The secretary closes TDP-1's council reviews in one batch, seeing each tally and who has not voted.
    secretary = person("secretary")
    page = secretary.open("/review/batch/close_review")
    expect(page.locator("tr", has_text="Hộ ông Nguyễn Văn An")).to_contain_text("Mọi thành viên đã bỏ phiếu")
    expect(page.locator("tr", has_text="Hộ bà Trần Thị Dung")).to_contain_text("không đề nghị công nhận")
    secretary.shot("batch-close-review-1280")
    on_phone_too(person, "secretary", "/review/batch/close_review", "batch-close-review")
    confirm_batch(page, "4")

    # 6. The chairman's decision page ticks only those the council recommended.
    chairman = person("chairman")
    page = chairman.open("/review/decisions/new")
    expect(page.get_by_label("Chọn Hộ ông Nguyễn Văn An")).to_be_checked()
    expect(page.get_by_label("Chọn Hộ bà Trần Thị Dung")).not_to_be_checked()
    chairman.shot("batch-decision-1280")
    on_phone_too(person, "chairman", "/review/decisions/new", "batch-decision")

    # The admin's new pages: the calendar (Tết 2027 as announced) and the unit tree with its merge form.
    admin = person("admin")
    page = admin.open("/admin/calendar?year=2027")
    expect(page.locator("main")).to_contain_text("11/02/2027")
    admin.shot("admin-calendar-1280")
    on_phone_too(person, "admin", "/admin/calendar?year=2027", "admin-calendar")
    admin.open("/admin/units")
    admin.shot("admin-units-1280")
    on_phone_too(person, "admin", "/admin/units", "admin-units")


def open_dossier(session, dossier_path: str):
    page = session.open(dossier_path)
    expect(page.locator("h1")).to_have_text(SUBJECT)
    return page


def test_one_dossier_from_registration_to_recognition(person, e2e_clock, live_server):
    # 0. The admin opens next year's campaign; on Monday 11/01/2027 its registration is open.
    admin = person("admin")
    page = admin.open("/admin/campaigns")
    page.fill("#year", "2027")
    page.fill("#name", "Phong trào xây dựng danh hiệu kiểu mẫu năm 2027")
    for name, day in (("registration_opens", "2027-01-04"), ("registration_closes", "2027-01-29"),
                      ("assessment_due", "2027-11-25"), ("inspection_due", "2027-12-10"),
                      ("decision_due", "2027-12-24")):
        page.fill(f"#{name}", day)
    page.get_by_role("button", name="Tạo đợt thi đua").click()
    expect(page.locator(".flash-success")).to_be_visible()
    admin.close()
    e2e_clock.offset = datetime(2027, 1, 11, 2, 0, tzinfo=UTC) - e2e_clock.now() + e2e_clock.offset

    # 1. Registration: the applicant registers the family and submits.
    applicant = person("applicant1")
    applicant.shot("home-applicant")
    page = applicant.page
    page.get_by_role("button", name="Đăng ký hồ sơ mới").first.click()
    page.select_option("#title", "model_family")
    page.select_option("#unit_id", label="Tổ dân phố 1 (TDP-1)")
    page.fill("#subject_name", SUBJECT)
    page.fill("#subject_ref", "HK-E2E-0001")
    page.fill("#subject_address", "Số 12, Tổ dân phố 1, Phường Tân Dân")
    page.get_by_role("button", name="Tạo hồ sơ").click()
    expect(state_badge(page)).to_have_text("Bản nháp")
    dossier_path = re.sub(r"^https?://[^/]+", "", page.url)
    fire(page, "submit")
    expect(state_badge(page)).to_have_text("Đã đăng ký")

    # 2. The group committee accepts, self-assesses with the meeting record, and sends it to the ward.
    committee = person("committee1")
    committee.shot("home-group_committee")
    page = open_dossier(committee, dossier_path)
    fire(page, "accept")
    expect(page.locator("form.trigger-submit_assessment button")).to_be_disabled()
    expect(page.locator("#why-submit_assessment")).to_contain_text("chưa tự đánh giá đủ tiêu chí")
    page.get_by_role("button", name="Ghi tự đánh giá và biên bản họp bình xét").click()
    for field in page.locator("input.points").all():
        field.fill(field.get_attribute("max"))
    expect(page.locator("#preview")).to_contain_text("100/100")
    expect(page.locator("#preview")).to_contain_text("ĐẠT")
    page.get_by_role("button", name="Lưu kết quả tự đánh giá").click()
    expect(page.locator(".score")).to_contain_text("100/100")
    # The group's one meeting: this household's votes go into the group's table, next to its neighbours'.
    page.get_by_role("link", name="Họp bình xét").first.click()
    page.locator("tr", has_text="Tổ dân phố 1").filter(has_text="năm 2027").get_by_role(
        "link", name=re.compile("biên bản họp")).click()
    page.fill("#held_on", "2027-01-11")
    page.fill("#invited", "46")
    page.fill("#attendees", "39")
    page.get_by_label(f"Số người đồng ý với hồ sơ {SUBJECT}").fill("36")
    page.get_by_role("button", name="Lưu biên bản họp").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã lưu biên bản họp bình xét")
    page = open_dossier(committee, dossier_path)
    fire(page, "submit_assessment")
    expect(state_badge(page)).to_have_text("Niêm yết công khai")

    # 3. The ward inspector: the notice cannot close yet (refusal with its reason); an objection is upheld,
    #    so the dossier goes back to the group for revision.
    inspector = person("inspector")
    inspector.shot("home-ward_inspector")
    page = open_dossier(inspector, dossier_path)
    expect(page.locator("form.trigger-close_notice button")).to_be_disabled()
    expect(page.locator("#why-close_notice")).to_contain_text("chưa hết thời gian niêm yết: niêm yết đến hết ngày")
    form = page.locator("form.trigger-return_to_group")
    form.locator("button").click()  # no reason given: the browser refuses to send it and says so
    assert form.locator("textarea").evaluate("el => el.validity.valueMissing")
    expect(state_badge(page)).to_have_text("Niêm yết công khai")
    fire(page, "return_to_group", "Người dân phản ánh hộ còn để vật liệu xây dựng trên vỉa hè; đề nghị tổ xác minh")
    expect(state_badge(page)).to_have_text("Tự đánh giá tại tổ")

    page = open_dossier(committee, dossier_path)
    expect(page.locator("#history")).to_contain_text("Trả về tổ để bổ sung")
    # Sent back as it was, it would be refused: the group re-records its assessment once the household has fixed it.
    expect(page.locator("form.trigger-submit_assessment button")).to_be_disabled()
    expect(page.locator("#why-submit_assessment")).to_contain_text("chưa được sửa")
    page.get_by_role("button", name="Ghi tự đánh giá và biên bản họp bình xét").click()
    page.get_by_role("button", name="Lưu kết quả tự đánh giá").click()
    page = open_dossier(committee, dossier_path)
    fire(page, "submit_assessment", "Hộ đã dọn vỉa hè, tổ đã xác minh")
    expect(state_badge(page)).to_have_text("Niêm yết công khai")

    # The ten days of public notice pass (a last day that is a day off moves the end to the next working day,
    # Tết included: three weeks is past it in any season).
    e2e_clock.offset += timedelta(days=21)

    page = open_dossier(inspector, dossier_path)
    fire(page, "close_notice")
    page.get_by_role("button", name="Ghi kết quả kiểm tra từng tiêu chí").click()
    for points in page.locator("input[type=number]").all():  # a 100-point set: the inspector scores points
        points.fill(points.get_attribute("max"))
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    page.check("input[name=recommendation][value=pass]")
    page.get_by_role("button", name="Lưu kết quả kiểm tra").click()
    fire(page, "complete_inspection")
    expect(state_badge(page)).to_have_text("Hội đồng TĐKT xét")

    # 4. The council votes; the secretary closes the review once the quorum has voted.
    for number in range(1, 5):
        member = person(f"council{number}")
        if number == 1:
            member.shot("home-council_member")
        page = open_dossier(member, dossier_path)
        page.check("input[name=vote][value=approve]")
        page.get_by_role("button", name="Gửi phiếu").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã ghi phiếu")
        member.close()
    secretary = person("secretary")
    secretary.shot("home-council_secretary")
    expect(secretary.page.locator("#work-reviews")).to_contain_text("Đã bỏ phiếu: 4/5")
    page = open_dossier(secretary, dossier_path)
    fire(page, "close_review")
    expect(state_badge(page)).to_have_text("Chờ Chủ tịch quyết định")

    # 5. The chairman signs one decision for it (and whatever else is ready) from the batch page.
    chairman = person("chairman")
    chairman.shot("home-chairman")
    page = chairman.page
    page.get_by_role("button", name="Ký quyết định cho nhiều hồ sơ").click()
    page.get_by_label(f"Chọn {SUBJECT}").check()
    page.fill("#number", "88/QĐ-UBND")
    page.fill("#signed_on", e2e_clock.now().date().isoformat())
    page.check("input[name=outcome][value=recognize]")
    page.get_by_role("button", name="Xem lại trước khi ký").click()
    expect(page.locator("main")).to_contain_text(SUBJECT)
    page.get_by_role("button", name="Ký quyết định").click()
    expect(page.locator("h1")).to_contain_text("88/QĐ-UBND")
    # The list of those recognized must be posted within the campaign's days: a due item on his work list
    # until he records the day it went up on the board.
    page = chairman.open("/")
    item = page.locator("#work-publications li", has_text="88/QĐ-UBND")
    expect(item).to_contain_text("Công bố danh sách được công nhận")
    item.locator("a").first.click()
    block = page.locator("#publication")
    expect(block).to_contain_text(re.compile(r"Hạn công bố danh sách: \d\d/\d\d/2027"))
    block.locator("input[name=published_on]").fill(e2e_clock.now().date().isoformat())
    block.get_by_role("button", name="Ghi ngày niêm yết").click()
    expect(page.locator("#publication").get_by_role("status")).to_contain_text("Đã niêm yết danh sách ngày")
    expect(chairman.open("/").locator("#work-publications li", has_text="88/QĐ-UBND")).to_have_count(0)
    page = open_dossier(chairman, dossier_path)
    expect(state_badge(page)).to_have_text("Đã công nhận")
    expect(page.locator(".tracker .stage-done")).to_have_count(5)
    expect(page.locator("#history")).not_to_contain_text("Chuỗi kiểm toán")  # the audit data are the auditor's
    chairman.shot("dossier-recognized")

    # The auditor sees the whole history, verifies the chains, and everyone can track the code publicly.
    auditor = person("auditor")
    auditor.shot("home-auditor")
    page = auditor.open("/audit/events?trigger=return_to_group")
    expect(page.locator("table.events")).to_contain_text("đề nghị tổ xác minh")
    page = auditor.open("/audit/verify")  # the latest `flask audit-verify`: none has run on this server
    expect(page.locator(".flash-warning")).to_contain_text("Chưa có lần kiểm tra nào")
    auditor.shot("audit-verify")
    page = open_dossier(auditor, dossier_path)
    expect(page.locator("#history")).to_contain_text("Chuỗi kiểm toán toàn vẹn")
    code = page.locator("strong.code").inner_text()
    auditor.shot("dossier-auditor")
    admin = person("admin")
    admin.shot("home-admin")
    admin.open("/admin/campaigns")
    admin.shot("admin-campaigns")
    public = person("applicant2")
    page = public.open(f"/track/{code}")
    expect(page.locator("main")).to_contain_text("Đã công nhận")
    expect(page.locator("main")).not_to_contain_text(SUBJECT)


def test_pages_fit_a_360_pixel_phone(person):
    phone = person("committee1", width=360)
    links = phone.open("/dossiers").locator("main a[href^='/dossiers/']")
    first = next(h for h in (a.get_attribute("href") for a in links.all()) if re.fullmatch(r"/dossiers/\d+", h))
    for path, name in (("/", "phone-home"), ("/dossiers", "phone-list"), (first, "phone-dossier"),
                       ("/inbox", "phone-inbox"), ("/imports/registrations", "phone-import")):
        page = phone.open(path)
        expect(page.locator("h1")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
        phone.shot(name)


def test_english_is_one_click_away(person):
    inspector = person("inspector")
    page = inspector.page
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("My work")
    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.locator("h1")).to_have_text("Việc cần làm")
