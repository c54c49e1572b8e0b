"""The pages of the group's meeting and of the bulk steps, as a ward official meets them: one form for the whole
group's meeting, then one batch; every dossier checked before the confirmation, only those that can move ticked,
the others named by tracking code and name; refusals (a forged choice, a race) at the top, nothing moved."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from models import AuditEvent, Campaign, Dossier
from states.enums import State, Trigger
from tests.conftest import csrf_from
from tests.services.test_meetings import SHORT, VOTES, assessed_group
from workflow import clock
from workflow.extensions import db
from workflow.services import meetings, records
from workflow.services.dossiers import apply_transition


def html(response) -> str:
    return response.get_data(as_text=True)


def events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def meeting_url(world) -> str:
    return f"/meetings/{world.units['G1'].id}/{world.campaign.id}"


def meeting_form(page: str, dossiers, votes=VOTES, **figures) -> dict:
    form = {"csrf_token": csrf_from(page), "held_on": (clock.now().date() - timedelta(days=1)).isoformat(),
            "invited": "40", "attendees": "30", "chaired_by": "Nguyễn Văn Hùng", "note": "Họp tại nhà văn hóa tổ 1."}
    for dossier, count in zip(dossiers, votes, strict=False):
        form[f"votes-{dossier.id}"] = str(count)
        form[f"version-{dossier.id}"] = str(dossier.version)
    return {**form, **figures}


def top(page: str) -> str:
    """What a user sees first: the page up to its first heading."""
    return page[page.index('<main'):page.index("<h1")]


def test_the_committee_enters_one_meeting_for_the_whole_group_on_one_page(client, auth, world):
    dossiers = assessed_group(world)
    auth.login("group_committee")
    assert "/meetings" in html(client.get("/"))  # from the work list
    index = html(client.get("/meetings"))
    assert "Tổ dân phố 1" in index and "Chưa ghi" in index
    page = html(client.get(meeting_url(world)))
    assert all(d.subject_name in page and f'name="votes-{d.id}"' in page for d in dossiers)
    before = events()
    saved = client.post(meeting_url(world), data=meeting_form(page, dossiers))
    assert saved.status_code == 302
    assert events() == before + 12 + 1  # one per dossier, and the minutes' own record
    page = html(client.get(saved.headers["Location"]))
    assert "Đã lưu biên bản họp bình xét. 9/12 hồ sơ đủ số người dự và số đồng ý." in page
    assert "Dự họp 30/40 người được mời (75%) — đủ số người dự họp" in page
    assert "Đạt: 30/30 người dự họp đồng ý (100%)" in page
    assert "Chưa đạt: 17/30 người dự họp đồng ý (57%), cần ≥ 60%" in page
    assert "Gửi 9 hồ sơ đạt lên phường" in page and "/review/batch/submit_assessment?" in page


def test_meeting_mistakes_are_shown_at_the_top_and_beside_each_field(client, auth, world):
    dossiers = assessed_group(world, 2)
    auth.login("group_committee")
    page = html(client.get(meeting_url(world)))
    before = events()
    bad = client.post(meeting_url(world), data=meeting_form(page, dossiers, [50, 3], attendees="45",
                                                            held_on="2999-01-01"))
    text = html(bad)
    assert bad.status_code == 422 and events() == before
    assert "Biên bản họp bình xét chưa hợp lệ." in top(text)
    assert "số dự họp (45) không thể lớn hơn số được mời (40)" in text
    assert "ngày họp không thể ở tương lai" in text
    row = text[text.index(f'id="row-{dossiers[0].id}"'):text.index(f'id="row-{dossiers[1].id}"')]
    assert 'class="invalid"' in row and "số đồng ý (50) không thể lớn hơn số dự họp (45)" in row
    assert 'value="50"' in row and 'value="Nguyễn Văn Hùng"' in text  # what was typed stays


def test_a_dossier_that_moved_on_is_named_at_the_top(client, auth, world):
    sent = world.dossier(State.PUBLIC_NOTICE)  # sent to the ward with the group's meeting
    fresh = assessed_group(world, 1)[0]
    auth.login("group_committee")
    page = html(client.get(meeting_url(world)))
    assert f'name="votes-{sent.id}"' not in page and "Niêm yết công khai" in page  # read-only, with its state
    refused = client.post(meeting_url(world), data=meeting_form(page, [fresh], [20], attendees="31"))
    text = html(refused)
    assert refused.status_code == 409 and "không hồ sơ nào thay đổi" in top(text)
    assert sent.tracking_code in text and "đã được bình xét theo số liệu này" in text


def test_submit_the_group_in_one_batch_checked_before_the_confirmation(client, auth, world):
    dossiers = assessed_group(world)
    meetings.record_meeting(world.users["group_committee"], world.units["G1"].id, world.campaign.id, {
        "held_on": (clock.now().date() - timedelta(days=1)).isoformat(), "invited": 40, "attendees": 30,
        "votes": [{"dossier_id": d.id, "votes_for": v} for d, v in zip(dossiers, VOTES, strict=True)]})
    db.session.commit()
    short = [d for d, v in zip(dossiers, VOTES, strict=True) if v in SHORT]
    good = [d for d in dossiers if d not in short]
    auth.login("group_committee")
    url = f"/review/batch/submit_assessment?unit_id={world.units['G1'].id}&campaign_id={world.campaign.id}"
    page = html(client.get(url))
    for dossier in good:
        assert re.search(rf'value="{dossier.id}" id="pick-{dossier.id}" data-movable="1"\s+checked', page)
    for dossier in short:
        box = re.search(rf'<input type="checkbox" name="dossier_ids" value="{dossier.id}"[^>]*>', page).group(0)
        assert "checked" not in box and "data-movable" not in box
        assert dossier.tracking_code in page
    assert page.count("chưa đủ số người dự họp đồng ý") == 3
    assert "9 hồ sơ có thể thực hiện ngay" in page

    chosen = {"csrf_token": csrf_from(page), "dossier_ids": [str(d.id) for d in good],
              **{f"version-{d.id}": str(d.version) for d in dossiers}}
    confirm = client.post(url, data=chosen)
    assert confirm.status_code == 200 and "Gửi 9 hồ sơ lên phường và niêm yết công khai?" in html(confirm)
    assert all(d.tracking_code in html(confirm) for d in good)
    before = events()
    done = client.post(url, data={**chosen, "confirmed": "yes"})
    assert done.status_code == 302
    assert "Đã gửi 9 hồ sơ lên phường" in html(client.get(done.headers["Location"]))
    db.session.expire_all()
    assert {db.session.get(Dossier, d.id).state for d in good} == {State.PUBLIC_NOTICE}
    assert {db.session.get(Dossier, d.id).state for d in short} == {State.SELF_ASSESSMENT}
    assert events() == before + 9


def test_a_forged_choice_is_refused_at_the_top_before_any_confirmation(client, auth, world):
    dossiers = assessed_group(world, 2)  # no meeting yet: neither can be sent
    auth.login("group_committee")
    url = "/review/batch/submit_assessment"
    page = html(client.get(url))
    assert "checked" not in re.search(r'<input type="checkbox" name="dossier_ids"[^>]*>', page).group(0)
    before = events()
    refused = client.post(url, data={"csrf_token": csrf_from(page), "dossier_ids": [str(d.id) for d in dossiers]})
    text = html(refused)
    assert refused.status_code == 422 and events() == before
    assert "2 hồ sơ đã chọn không đủ điều kiện" in top(text) and 'id="blockers"' in top(text)
    blockers = text[text.index('id="blockers"'):text.index("</section>")]
    for dossier in dossiers:
        assert dossier.tracking_code in blockers and dossier.subject_name in blockers
    assert "chưa ghi biên bản họp bình xét" in blockers
    assert f"hồ sơ {dossiers[0].id}" not in text and "lên phường và niêm yết công khai?" not in text


def test_a_change_between_confirmation_and_batch_moves_nothing_and_is_named(client, auth, world):
    dossiers = [world.dossier(State.REGISTERED) for _ in range(3)]
    auth.login("group_committee")
    url = "/review/batch/accept"
    page = html(client.get(url))
    assert all(f'id="pick-{d.id}" data-movable="1"' in page for d in dossiers)
    chosen = {"csrf_token": csrf_from(page), "dossier_ids": [str(d.id) for d in dossiers],
              **{f"version-{d.id}": str(d.version) for d in dossiers}}
    confirm = html(client.post(url, data=chosen))
    assert "Chấp nhận đăng ký cho 3 hồ sơ?" in confirm
    # Meanwhile, on another screen, the second registration is refused.
    apply_transition(world.users["group_committee"], dossiers[1], Trigger.REJECT_REGISTRATION, dossiers[1].version,
                     "Hộ đã chuyển đi nơi khác")
    db.session.commit()
    before = events()
    raced = client.post(url, data={**chosen, "confirmed": "yes"})
    text = html(raced)
    assert raced.status_code == 409 and events() == before
    assert "Không hồ sơ nào được chuyển" in top(text)
    blockers = text[text.index('id="blockers"'):text.index("</section>")]
    assert dossiers[1].tracking_code in blockers and dossiers[1].subject_name in blockers
    assert dossiers[0].tracking_code not in blockers
    db.session.expire_all()
    assert [db.session.get(Dossier, d.id).state for d in dossiers] == [
        State.REGISTERED, State.REGISTRATION_REJECTED, State.REGISTERED]


def test_close_notices_in_a_batch_once_the_notice_has_run(client, auth, world, frozen_clock):
    notices = assessed_group(world, 2)
    meetings.record_meeting(world.users["group_committee"], world.units["G1"].id, world.campaign.id, {
        "held_on": clock.now().date().isoformat(), "invited": 40, "attendees": 30,
        "votes": [{"dossier_id": d.id, "votes_for": 25} for d in notices]})
    for dossier in notices:  # posted today: the notice runs its days from now
        apply_transition(world.users["group_committee"], dossier, Trigger.SUBMIT_ASSESSMENT, dossier.version)
    db.session.commit()
    auth.login("ward_inspector")
    assert "/review/batch/close_notice" in html(client.get("/"))
    page = html(client.get("/review/batch/close_notice"))
    assert "0 hồ sơ có thể thực hiện ngay" in page and "chưa hết thời gian niêm yết" in page
    frozen_clock.advance(days=30)
    page = html(client.get("/review/batch/close_notice"))
    assert "2 hồ sơ có thể thực hiện ngay" in page
    chosen = {"csrf_token": csrf_from(page), "dossier_ids": [str(d.id) for d in notices],
              **{f"version-{d.id}": str(d.version) for d in notices}}
    assert "Kết thúc niêm yết cho 2 hồ sơ?" in html(client.post("/review/batch/close_notice", data=chosen))
    assert client.post("/review/batch/close_notice", data={**chosen, "confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert {db.session.get(Dossier, d.id).state for d in notices} == {State.WARD_INSPECTION}


def test_the_secretary_sees_the_tally_and_who_has_not_voted_unless_the_ballot_is_secret(client, auth, world):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    for n in range(1, 5):
        records.cast_vote(world.users[f"council{n}"], dossier, "approve" if n < 4 else "reject")
    db.session.commit()
    auth.login("council_secretary")
    page = html(client.get("/review/batch/close_review"))
    assert "Đã bỏ phiếu 4/6 thành viên" in page and "Đồng ý 3 · Không đồng ý 1" in page
    assert "Chưa bỏ phiếu: Người dùng council5, Người dùng council6" in page
    assert "Hội đồng không đề nghị công nhận" in page  # 3 of 6 is under 70%
    assert re.search(rf'id="pick-{dossier.id}" data-movable="1"\s+checked', page)
    campaign = db.session.get(Campaign, world.campaign.id)
    campaign.secret_ballot = True
    db.session.commit()
    page = html(client.get("/review/batch/close_review"))
    assert "Đã bỏ phiếu 4/6 thành viên" in page and "council5" not in page and "Bỏ phiếu kín" in page


def test_the_chairman_is_offered_only_what_the_council_recommended(client, auth, world):
    ready = world.dossier(State.AWAITING_DECISION)
    weak = world.dossier(State.AWAITING_DECISION, approve=False)
    auth.login("chairman")
    page = html(client.get("/review/decisions/new"))
    assert re.search(rf'id="pick-{ready.id}" data-movable="1"\s+checked', page)
    box = re.search(rf'<input type="checkbox" name="dossier_ids" value="{weak.id}"[^>]*>', page).group(0)
    assert "checked" not in box and "data-movable" not in box
    assert "không đề nghị công nhận" in page and "1 hồ sơ có thể công nhận" in page


def test_the_minutes_print_the_whole_meeting(client, auth, world):
    dossiers = assessed_group(world, 3)
    meeting = meetings.record_meeting(world.users["group_committee"], world.units["G1"].id, world.campaign.id, {
        "held_on": (clock.now().date() - timedelta(days=1)).isoformat(), "invited": 40, "attendees": 30,
        "chaired_by": "Nguyễn Văn Hùng", "votes": [{"dossier_id": d.id, "votes_for": v}
                                                   for d, v in zip(dossiers, [25, 18, 12], strict=True)]})
    db.session.commit()
    auth.login("ward_inspector")  # anyone in scope reads the minutes
    page = html(client.get(f"/meetings/{meeting.id}/minutes"))
    assert "BIÊN BẢN HỌP BÌNH XÉT" in page and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
    assert "PHƯỜNG THỬ" in page and "TỔ DÂN PHỐ 1" in page
    assert "Số người được mời 40; số người có mặt 30 (75%)" in page
    assert all(d.subject_name in page for d in dossiers)
    assert "12/30" in page and "40%" in page and "Không đạt" in page
    assert "THƯ KÝ" in page and "CHỦ TRÌ" in page and "Nguyễn Văn Hùng" in page
    assert "đề nghị 2/3 hồ sơ đạt" in page
    auth.login("outsider_committee")
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == 404
    assert client.get(meeting_url(world)).status_code == 404


def test_only_the_committee_may_record_others_in_scope_only_read(client, auth, world):
    dossiers = assessed_group(world, 1)
    auth.login("ward_inspector")
    page = html(client.get(meeting_url(world)))
    assert 'name="votes-' not in page and "Lưu biên bản họp" not in page
    before = events()
    response = client.post(meeting_url(world), data=meeting_form(csrf_page(client), dossiers, [20]))
    assert response.status_code == 403 and events() == before


def csrf_page(client) -> str:
    return html(client.get("/"))


def test_the_chairman_refuses_by_a_notice_writing_each_households_reason(client, auth, world):
    weak = [world.dossier(State.AWAITING_DECISION, approve=False) for _ in range(2)]
    auth.login("chairman")
    page = html(client.get("/review/decisions/new"))
    form = {"csrf_token": csrf_from(page), "dossier_ids": [str(d.id) for d in weak], "outcome": "refuse",
            "number": "21/TB-UBND", "signed_on": clock.now().date().isoformat(),
            "comment": "Hội đồng không đề nghị công nhận"}
    confirm = html(client.post("/review/decisions/new", data=form))
    assert "Xác nhận thông báo không công nhận" in confirm and "Ký thông báo" in confirm
    for dossier in weak:  # one reason box per household, filled with the common reason to edit
        assert re.search(rf'<textarea id="reason-{dossier.id}" name="reason-{dossier.id}"[^>]*>Hội đồng không đề',
                         confirm)
    signed = client.post("/review/decisions/new", data={
        **form, "confirmed": "yes", "csrf_token": csrf_from(confirm),
        f"reason-{weak[0].id}": "Chưa đạt tiêu chí 4: giữ gìn vệ sinh môi trường", f"reason-{weak[1].id}": ""})
    assert signed.status_code == 302, html(signed)
    comments = [db.session.scalars(select(AuditEvent.comment).where(AuditEvent.dossier_id == d.id)
                                   .order_by(AuditEvent.seq.desc()).limit(1)).one() for d in weak]
    assert comments == ["Chưa đạt tiêu chí 4: giữ gìn vệ sinh môi trường", "Hội đồng không đề nghị công nhận"]
    letter = html(client.get(f"/dossiers/{weak[0].id}/notice"))
    assert "Số: 21/TB-UBND" in letter and "Lý do: Chưa đạt tiêu chí 4: giữ gìn vệ sinh môi trường" in letter
