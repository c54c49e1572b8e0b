"""Flows a ward official (and a resident) can follow, as the pages show them: a returned dossier says why at the
top, refusals and successes appear at the top of the page, council members see their own vote (and nothing of
others' in a secret ballot), the secretary sees who has not voted and what closing would give, applicants choose
only open campaigns and confirm before withdrawing, residents read a plain history while auditors see the
internals, and work lists mark what is overdue, due today, due soon or sent back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models import Campaign, Dossier
from states.enums import State, Trigger
from tests.conftest import csrf_from
from workflow.extensions import db
from workflow.services import records
from workflow.services.dossiers import apply_transition
from workflow.services.listing import local_today

RETURN_REASON = "Hộ còn để vật liệu xây dựng lấn chiếm vỉa hè; đề nghị tổ xác minh lại tiêu chí 3.3"
SEND_BACK_REASON = "Thiếu biên bản họp Hội đồng; đề nghị Hội đồng họp và bỏ phiếu lại"
NAMES = {"applicant": "Lê Văn Hùng", "group_committee": "Trần Văn Minh", "ward_inspector": "Hoàng Văn Nam",
         "council1": "Lê Thị Mai", "council2": "Mai Văn Sơn", "council3": "Ngô Văn Tuấn", "council4": "Vũ Văn Bình",
         "council5": "Đỗ Thị Thu", "council6": "Phan Văn Đức", "council_secretary": "Nguyễn Thị Hạnh",
         "chairman": "Phạm Văn Quang", "auditor": "Bùi Thị Lan"}


def html(response) -> str:
    return response.get_data(as_text=True)


def top(page: str) -> str:
    """What sits above the page's first heading: the message region."""
    main = page.split('id="main"', 1)[1]
    return main.split("<h1", 1)[0]


@pytest.fixture
def named(world):
    """The world's people with the full names residents know them by."""
    for username, full_name in NAMES.items():
        world.users[username].full_name = full_name
    db.session.commit()
    return world


def step(world, username: str, dossier: Dossier, trigger: Trigger, comment: str = "") -> None:
    apply_transition(world.users[username], dossier, trigger, dossier.version, comment)
    db.session.commit()


# --- 1. a returned dossier ------------------------------------------------------------------------------------------

def test_a_dossier_returned_to_the_group_says_why_at_the_top_and_in_the_work_list(client, auth, named):
    dossier = named.dossier(State.WARD_INSPECTION)
    step(named, "ward_inspector", dossier, Trigger.RETURN_TO_GROUP, RETURN_REASON)
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    banner = page.split('id="returned"', 1)[1].split("</section>", 1)[0]
    assert page.index('id="returned"') < page.index("Việc bạn có thể làm")  # above every button
    assert "Hồ sơ bị phường trả về tổ để bổ sung" in banner and RETURN_REASON in banner
    assert "Hoàng Văn Nam" in banner and "Thành viên Ban chỉ đạo" in banner and "giờ Việt Nam" in banner
    assert "Cần làm trước khi gửi lại" in banner and "Chưa có cập nhật nào kể từ khi bị trả lại" in banner
    # Sending it on again is not offered as if nothing happened: it asks what was fixed.
    form = page.split('class="trigger trigger-submit_assessment"', 1)[1].split("</form>", 1)[0]
    assert "chỉ gửi lại khi đã khắc phục" in form and "Đã khắc phục thế nào (bắt buộc)" in form
    assert re.search(r'<textarea[^>]*name="comment"[^>]*required', form)

    work = html(client.get("/")).split('id="work-assessments"', 1)[1].split("</article>", 1)[0]
    assert "Bị trả lại" in work and RETURN_REASON[:40] in work and "1 bị trả lại" in work


def test_the_banner_notes_the_groups_revision_and_goes_when_the_dossier_moves_on(client, auth, named, frozen_clock):
    from workflow.services.walkthrough import full_assessment

    dossier = named.dossier(State.PUBLIC_NOTICE)
    step(named, "ward_inspector", dossier, Trigger.RETURN_TO_GROUP, RETURN_REASON)
    frozen_clock.advance(hours=2)
    records.save_assessment(named.users["group_committee"], dossier,
                            full_assessment(dossier, held_on=local_today()))
    db.session.commit()
    auth.login("applicant")  # the applicant is told too
    banner = html(client.get(f"/dossiers/{dossier.id}")).split('id="returned"', 1)[1].split("</section>", 1)[0]
    assert RETURN_REASON in banner and "Đã có cập nhật sau khi bị trả lại" in banner
    step(named, "group_committee", dossier, Trigger.SUBMIT_ASSESSMENT, "Hộ đã dọn vỉa hè, tổ đã xác minh")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert 'id="returned"' not in page and "Bị trả lại" not in page


def test_a_dossier_sent_back_to_the_council_says_so_to_the_secretary(client, auth, named):
    dossier = named.dossier(State.AWAITING_DECISION)
    step(named, "chairman", dossier, Trigger.SEND_BACK, SEND_BACK_REASON)
    auth.login("council_secretary")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    banner = page.split('id="returned"', 1)[1].split("</section>", 1)[0]
    assert "Chủ tịch trả hồ sơ về Hội đồng để xét lại" in banner and SEND_BACK_REASON in banner
    assert "Phạm Văn Quang" in banner and "bỏ phiếu lại" in banner
    assert "Bị trả lại" in html(client.get("/")).split('id="work-reviews"', 1)[1].split("</article>", 1)[0]


# --- 2. refusals and successes at the top ------------------------------------------------------------------------

def test_a_refused_step_is_announced_at_the_top_of_the_page(client, auth, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    response = client.post(f"/dossiers/{dossier.id}/transitions", data={
        "csrf_token": csrf_from(page), "trigger": "submit_assessment", "version": dossier.version})
    assert response.status_code == 422
    head = top(html(response))
    assert 'class="flash flash-error" role="alert"' in head and "chưa tự đánh giá đủ tiêu chí" in head
    db.session.expire_all()
    assert dossier.state == State.SELF_ASSESSMENT


def test_a_full_score_is_not_shown_as_passing_while_the_meeting_would_not_carry_it(client, auth, world):
    from workflow.services.walkthrough import full_assessment

    dossier = world.dossier(State.SELF_ASSESSMENT)
    records.save_assessment(world.users["group_committee"], dossier,
                            full_assessment(dossier, invited=40, attendees=32, votes_for=10, held_on=local_today()))
    db.session.commit()
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    score = page.split('<p class="score', 1)[1].split("</p>", 1)[0]
    assert score.startswith(' fail"') and "Họp bình xét của tổ: chưa đạt" in score
    assert "chưa đủ số người dự họp đồng ý: 10/32" in score


def test_the_meeting_block_links_its_minutes_for_those_who_may_open_them(client, auth, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    link = f'/meetings/{dossier.meeting_vote.meeting_id}/minutes"'
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Biên bản họp bình xét của tổ" in page and link in page
    assert client.get(link.rstrip('"')).status_code == 200
    auth.login("applicant")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Biên bản họp bình xét của tổ" in page and link not in page  # the minutes page is the reviewers'


def test_a_form_refused_before_the_service_says_so_at_the_top_too(client, auth, world):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    auth.login("council1")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    response = client.post(f"/dossiers/{dossier.id}/votes", data={"csrf_token": csrf_from(page), "comment": "?"})
    assert response.status_code == 422
    head = top(html(response))
    assert "Chưa ghi được phiếu" in head and "Chọn một phương án" in head
    assert not dossier.votes


def test_a_success_lands_at_the_top_of_the_page_not_at_an_anchor_below(client, auth, world):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    auth.login("council1")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    response = client.post(f"/dossiers/{dossier.id}/votes", data={"csrf_token": csrf_from(page), "vote": "approve"})
    assert response.status_code == 302 and "#" not in response.headers["Location"]
    assert "Đã ghi phiếu của bạn." in top(html(client.get(response.headers["Location"])))


# --- 3. the council's votes ----------------------------------------------------------------------------------------

def test_a_council_member_sees_the_vote_just_cast_and_may_change_it(client, auth, named):
    dossier = named.dossier(State.COUNCIL_REVIEW)
    auth.login("council1")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Bạn chưa bỏ phiếu cho hồ sơ này." in page
    client.post(f"/dossiers/{dossier.id}/votes", data={"csrf_token": csrf_from(page), "vote": "reject",
                                                       "comment": "Chưa đủ minh chứng"})
    page = html(client.get(f"/dossiers/{dossier.id}"))
    mine = page.split('id="cast-vote"', 1)[1].split("</article>", 1)[0]
    assert "Phiếu của bạn:" in mine and "<strong>Không đồng ý</strong>" in mine and "Chưa đủ minh chứng" in mine
    assert "giờ Việt Nam" in mine and "Đổi phiếu" in mine
    assert re.search(r'value="reject"[^>]*checked|checked[^>]*value="reject"', mine)  # the form starts from it


def test_in_a_secret_ballot_a_member_sees_their_own_vote_and_nothing_of_others(client, auth, named):
    named.campaign.secret_ballot = True
    dossier = named.dossier(State.COUNCIL_REVIEW)
    records.cast_vote(named.users["council2"], dossier, "reject", "Lý do riêng của ông Sơn")
    records.cast_vote(named.users["council1"], dossier, "approve", "Ý kiến của bà Mai")
    db.session.commit()
    auth.login("council1")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Phiếu của bạn:" in page and "<strong>Đồng ý</strong>" in page and "Ý kiến của bà Mai" in page
    assert "Mai Văn Sơn" not in page and "Lý do riêng của ông Sơn" not in page
    assert "Bỏ phiếu kín" in page
    history = page.split('id="history"', 1)[1]
    assert history.count("Lê Thị Mai (bạn)") == 1 and history.count("Thành viên Hội đồng</small>") == 1


def test_the_secretary_sees_who_has_not_voted_and_what_closing_would_give(client, auth, named):
    dossier = named.dossier(State.COUNCIL_REVIEW)
    for member in ("council1", "council2", "council3"):
        records.cast_vote(named.users[member], dossier, "approve")
    db.session.commit()
    auth.login("council_secretary")
    panel = html(client.get(f"/dossiers/{dossier.id}")).split('id="turnout"', 1)[1].split("</article>", 1)[0]
    assert "Đã bỏ phiếu: 3/6 thành viên (cần ít nhất 4)" in panel
    missing = panel.split('class="missing-voters">', 1)[1].split("</strong>", 1)[0]
    assert missing == "Vũ Văn Bình, Phan Văn Đức, Đỗ Thị Thu"  # full names, by given name
    assert "chưa kết thúc được" in panel
    records.cast_vote(named.users["council4"], dossier, "reject")
    db.session.commit()
    panel = html(client.get(f"/dossiers/{dossier.id}")).split('id="turnout"', 1)[1].split("</article>", 1)[0]
    # 3 approvals of 6 members is below the 70% the council needs: closing now would not recommend it.
    assert "Hội đồng không đề nghị công nhận" in panel and "3 phiếu đồng ý trên 6 thành viên, cần ít nhất 5" in panel
    for member in ("council4", "council5"):
        records.cast_vote(named.users[member], dossier, "approve")
    db.session.commit()
    panel = html(client.get(f"/dossiers/{dossier.id}")).split('id="turnout"', 1)[1].split("</article>", 1)[0]
    assert "Hội đồng đề nghị công nhận" in panel and "Phan Văn Đức" in panel


def test_in_a_secret_ballot_the_secretary_sees_counts_and_missing_voters_not_choices(client, auth, named):
    named.campaign.secret_ballot = True
    dossier = named.dossier(State.COUNCIL_REVIEW)
    records.cast_vote(named.users["council1"], dossier, "reject", "Không thuyết phục")
    db.session.commit()
    auth.login("council_secretary")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Chưa bỏ phiếu (5)" in page and "Lê Thị Mai:" not in page and "Không thuyết phục" not in page
    assert "Không đồng ý 1" in page


def test_the_turnout_is_only_for_whoever_closes_the_review(client, auth, world):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    for username in ("council1", "applicant", "chairman"):
        auth.login(username)
        assert 'id="turnout"' not in html(client.get(f"/dossiers/{dossier.id}"))


# --- 4. registering and withdrawing ----------------------------------------------------------------------------------

def _campaign(world, year: int, opens: int, closes: int) -> Campaign:
    today = local_today()
    campaign = Campaign(year=year, unit_id=world.units["WARD"].id, name=f"Thi đua kiểu mẫu {year}",
                        registration_opens=today + timedelta(days=opens),
                        registration_closes=today + timedelta(days=closes),
                        assessment_due=today + timedelta(days=closes + 10),
                        inspection_due=today + timedelta(days=closes + 20),
                        decision_due=today + timedelta(days=closes + 30))
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_applicants_choose_only_campaigns_open_for_registration_now(client, auth, world):
    past = _campaign(world, world.campaign.year - 1, -400, -300)
    future = _campaign(world, world.campaign.year + 1, 100, 130)
    auth.login("applicant")
    page = html(client.get("/dossiers/new"))
    select = page.split('name="campaign_id"', 1)[1].split("</select>", 1)[0]
    assert re.search(rf'<option selected value="{world.campaign.id}"|value="{world.campaign.id}" selected', select)
    assert f'value="{past.id}"' not in select and f'value="{future.id}"' not in select
    response = client.post("/dossiers/new", data={
        "csrf_token": csrf_from(page), "campaign_id": past.id, "title": "model_family",
        "unit_id": world.units["G1"].id, "subject_name": "Hộ ông Lưu Văn Giữ", "subject_ref": "HK-1"})
    assert response.status_code == 422 and "Chưa tạo được hồ sơ" in top(html(response))
    assert db.session.query(Dossier).count() == 0


def test_when_no_campaign_is_open_the_form_says_when_the_next_opens(client, auth, world):
    world.campaign.registration_closes = local_today() - timedelta(days=1)
    db.session.commit()
    future = _campaign(world, world.campaign.year + 1, 40, 70)
    auth.login("applicant")
    page = html(client.get("/dossiers/new"))
    assert "Hiện không có đợt thi đua nào đang nhận đăng ký" in page
    assert f"Đợt tiếp theo: {future.name}, nhận đăng ký từ {future.registration_opens:%d/%m/%Y}" in page
    assert 'name="subject_name"' not in page


def test_withdrawing_asks_first_and_a_single_click_changes_nothing(client, auth, world):
    dossier = world.dossier(State.REGISTERED)
    auth.login("applicant")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert 'value="withdraw"' not in page and f'/dossiers/{dossier.id}/withdraw"' in page
    # The old one-click post now only leads to the confirmation page.
    response = client.post(f"/dossiers/{dossier.id}/transitions", data={
        "csrf_token": csrf_from(page), "trigger": "withdraw", "version": dossier.version})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dossiers/{dossier.id}/withdraw")
    confirm = html(client.get(response.headers["Location"]))
    assert "Rút hồ sơ nghĩa là" in confirm and "Không thể mở lại hồ sơ đã rút" in confirm
    assert "Chưa rút hồ sơ: hãy đọc và xác nhận" in top(confirm)
    refused = client.post(f"/dossiers/{dossier.id}/withdraw", data={
        "csrf_token": csrf_from(confirm), "version": dossier.version})
    assert refused.status_code == 422 and "Đánh dấu ô này để xác nhận rút hồ sơ" in top(html(refused))
    db.session.expire_all()
    assert dossier.state == State.REGISTERED
    done = client.post(f"/dossiers/{dossier.id}/withdraw", data={
        "csrf_token": csrf_from(confirm), "version": dossier.version, "confirm": "y",
        "comment": "Gia đình chuyển đi nơi khác"})
    assert done.status_code == 302
    db.session.expire_all()
    assert dossier.state == State.WITHDRAWN
    assert "Đã rút hồ sơ" in top(html(client.get(done.headers["Location"])))


def test_only_the_applicant_reaches_the_withdraw_page(client, auth, world):
    dossier = world.dossier(State.REGISTERED)
    auth.login("group_committee")
    response = client.get(f"/dossiers/{dossier.id}/withdraw")
    assert response.status_code == 302
    assert "Không thể rút hồ sơ" in top(html(client.get(response.headers["Location"])))
    db.session.expire_all()
    assert dossier.state == State.REGISTERED


# --- 5. what residents and auditors read -------------------------------------------------------------------------

def test_residents_read_a_plain_history_and_auditors_the_internals(client, auth, named):
    dossier = named.dossier(State.PUBLIC_NOTICE)
    auth.login("applicant")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    for internal in ("Phiên bản", "· seq ", "SHA-256", "Chuỗi kiểm toán", "<pre>", "prev_hash"):
        assert internal not in page, internal
    history = page.split('id="history"', 1)[1]
    assert "Thời gian theo giờ Việt Nam" in history
    assert "Trần Văn Minh" in history and "Ban vận động TDP" in history and "Chấp nhận đăng ký" in history
    assert "group_committee" not in history and "ward_inspector" not in history  # full names, not usernames
    auth.login("auditor")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Phiên bản" in page and re.search(r"· seq \d+", page) and "Chuỗi kiểm toán toàn vẹn" in page
    assert "<pre>" in page


# --- 6. work lists ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "mark", "summary"), [
    (-3, "Quá hạn 3 ngày", "1 quá hạn"), (0, "Đến hạn hôm nay", "1 đến hạn hôm nay"),
    (1, "Còn 1 ngày", "1 sắp đến hạn"), (30, None, None)])
def test_work_lists_mark_how_close_each_deadline_is_in_words(client, auth, world, days, mark, summary):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    world.campaign.assessment_due = local_today() + timedelta(days=days)
    db.session.commit()
    auth.login("group_committee")
    work = html(client.get("/")).split('id="work-assessments"', 1)[1].split("</article>", 1)[0]
    assert dossier.subject_name in work
    assert f"{world.campaign.assessment_due:%d/%m/%Y}" in work
    for text in ("Quá hạn", "Đến hạn hôm nay", "Còn "):
        assert (text in work) == (mark is not None and mark.startswith(text)), text
    if mark:
        assert mark in work and summary in work


def test_work_lists_count_every_item_and_put_the_urgent_first(client, auth, world):
    later = world.dossier(State.SELF_ASSESSMENT, subject_name="Hộ bà Chưa Gấp")
    returned = world.dossier(State.WARD_INSPECTION, subject_name="Hộ ông Bị Trả")
    step(world, "ward_inspector", returned, Trigger.RETURN_TO_GROUP, RETURN_REASON)
    world.campaign.assessment_due = local_today() + timedelta(days=20)
    db.session.commit()
    auth.login("group_committee")
    work = html(client.get("/")).split('id="work-assessments"', 1)[1].split("</article>", 1)[0]
    assert '<span class="count" aria-label="số hồ sơ">2</span>' in work
    assert work.index("Hộ ông Bị Trả") < work.index("Hộ bà Chưa Gấp")  # the returned one first
    assert later.subject_name in work


def test_the_dossier_list_marks_returned_and_overdue_dossiers(client, auth, world):
    returned = world.dossier(State.WARD_INSPECTION)
    step(world, "ward_inspector", returned, Trigger.RETURN_TO_GROUP, RETURN_REASON)
    world.campaign.assessment_due = local_today() - timedelta(days=1)
    db.session.commit()
    auth.login("ward_inspector")
    row = html(client.get("/dossiers")).split(returned.tracking_code, 1)[1].split("</tr>", 1)[0]
    assert "Bị trả lại" in row and "Quá hạn 1 ngày" in row
