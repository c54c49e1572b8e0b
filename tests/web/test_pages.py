"""The basic pages: sign-in, CSRF on every POST, lists and pages in scope, one button per trigger with the
reason when a guard blocks it, the create form, public tracking and friendly errors."""

from states.enums import State
from tests.conftest import csrf_from
from workflow.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def test_sign_in_and_out(client, auth, world):
    assert client.get("/").status_code == 302  # to the login page
    wrong = auth.login("chairman", "nope")
    assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in html(wrong)
    ok = auth.login("chairman")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "Người dùng chairman" in html(page)
    out = client.post("/logout", data={"csrf_token": csrf_from(html(page))})
    assert out.status_code == 302 and client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused_kindly(client, world):
    response = client.post("/login", data={"username": "chairman", "password": "demo12345"})
    assert response.status_code == 400
    assert "CSRF" in html(response) and "tải lại trang" in html(response)
    assert client.get("/").status_code == 302  # still signed out


def test_list_shows_only_dossiers_in_scope(client, auth, world):
    world.dossier(State.REGISTERED, subject_name="Hộ ông Tổ Một")
    world.dossier(State.REGISTERED, group="G2", subject_name="Hộ bà Tổ Hai")
    auth.login("applicant2")
    page = html(client.get("/dossiers"))
    assert "Hộ bà Tổ Hai" in page and "Hộ ông Tổ Một" not in page and "1 hồ sơ" in page
    auth.login("chairman")
    page = html(client.get("/dossiers?state=registered"))
    assert "Hộ bà Tổ Hai" in page and "Hộ ông Tổ Một" in page


def test_dossier_outside_scope_is_a_friendly_404(client, auth, world):
    dossier = world.dossier(State.REGISTERED)
    auth.login("outsider_committee")
    response = client.get(f"/dossiers/{dossier.id}")
    assert response.status_code == 404 and "Không tìm thấy" in html(response)


def test_a_blocked_trigger_is_shown_disabled_with_its_reason(client, auth, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Gửi kết quả bình xét lên phường" in page
    assert "disabled" in page and "chưa tự đánh giá đủ tiêu chí" in page
    assert 'value="withdraw"' not in page  # the applicant's button is not the committee's


def test_firing_a_trigger_from_the_page(client, auth, world):
    dossier = world.dossier(State.REGISTERED)
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    response = client.post(f"/dossiers/{dossier.id}/transitions", data={
        "csrf_token": csrf_from(page), "trigger": "accept", "version": dossier.version, "comment": "Đủ điều kiện"})
    assert response.status_code == 302
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Đã thực hiện: Chấp nhận đăng ký." in page and "Tự đánh giá tại tổ" in page and "Đủ điều kiện" in page


def test_a_refused_step_on_the_page_says_why_and_changes_nothing(client, auth, world):
    dossier = world.dossier(State.REGISTERED)
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    response = client.post(f"/dossiers/{dossier.id}/transitions", data={
        "csrf_token": csrf_from(page), "trigger": "reject_registration", "version": dossier.version, "comment": ""})
    assert response.status_code == 422
    assert "bắt buộc ghi rõ lý do" in html(response) and 'aria-invalid="true"' in html(response)
    db.session.expire_all()
    assert dossier.state == State.REGISTERED


def test_a_transition_post_without_csrf_changes_nothing(client, auth, world):
    dossier = world.dossier(State.REGISTERED)
    auth.login("group_committee")
    client.post(f"/dossiers/{dossier.id}/transitions", data={"trigger": "accept", "version": dossier.version})
    db.session.expire_all()
    assert dossier.state == State.REGISTERED


def test_create_form_keeps_input_and_shows_errors_by_the_field(client, auth, world):
    auth.login("applicant")
    page = html(client.get("/dossiers/new"))
    assert "Tổ dân phố 1 (G1)" in page and "Tổ dân phố 2" not in page
    response = client.post("/dossiers/new", data={
        "csrf_token": csrf_from(page), "campaign_id": world.campaign.id, "title": "model_family",
        "unit_id": world.units["G1"].id, "subject_name": "Hộ ông Lưu Văn Giữ", "subject_ref": ""})
    assert response.status_code == 422
    assert "Nhập số định danh" in html(response) and 'value="Hộ ông Lưu Văn Giữ"' in html(response)
    response = client.post("/dossiers/new", data={
        "csrf_token": csrf_from(page), "campaign_id": world.campaign.id, "title": "model_family",
        "unit_id": world.units["G1"].id, "subject_name": "Hộ ông Lưu Văn Giữ", "subject_ref": "HK-1"})
    assert response.status_code == 302
    assert "Hộ ông Lưu Văn Giữ" in html(client.get(response.headers["Location"]))


def test_public_tracking_page(client, world):
    dossier = world.dossier(State.PUBLIC_NOTICE, subject_name="Hộ ông Kín Tiếng")
    page = html(client.get(f"/track/{dossier.tracking_code}"))
    assert "Niêm yết công khai" in page and "Kín Tiếng" not in page and dossier.subject_ref not in page
    missing = client.get("/track?code=KMKHONGCO1")
    assert missing.status_code == 404 and "Không tìm thấy hồ sơ có mã này" in html(missing)


def test_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404 and "Không tìm thấy" in html(response)


def test_auditor_home_shows_recent_changes_and_overdue(client, auth, world, frozen_clock):
    from datetime import timedelta

    late = world.dossier(State.WARD_INSPECTION)
    world.campaign.inspection_due = frozen_clock.now().date() - timedelta(days=2)
    db.session.commit()
    auth.login("auditor")
    page = html(client.get("/"))
    assert "Thay đổi gần đây" in page and "Hoàn thành kiểm tra" not in page
    assert f'/dossiers/{late.id}#history' in page
    overdue = page.split('id="work-oversight"')[1].split("</article>")[0]
    assert '<span class="count">1</span>' in overdue


def test_vote_names_are_for_reviewers_and_auditors_only(client, auth, world):
    from workflow.services import records

    dossier = world.dossier(State.COUNCIL_REVIEW)
    records.cast_vote(world.users["council2"], dossier, "reject", "Chưa thuyết phục")
    db.session.commit()
    auth.login("applicant")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Không đồng ý 1" in page and "Người dùng council2" not in page and "Chưa thuyết phục" not in page
    auth.login("auditor")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Người dùng council2" in page and "Chưa thuyết phục" in page


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in html(response)  # nothing inline for the policy to block


def test_applicant_home_says_what_each_dossier_needs_next(client, auth, world):
    draft = world.dossier(State.DRAFT, subject_name="Hộ bà Nháp")
    world.dossier(State.PUBLIC_NOTICE, subject_name="Hộ ông Niêm Yết")
    world.dossier(State.RECOGNIZED, subject_name="Hộ ông Xong")
    auth.login("applicant")
    mine = html(client.get("/")).split('id="work-mine"')[1].split("</article>")[0]
    after = {name: mine.split(name)[1].split("</li>")[0] for name in ("Hộ bà Nháp", "Hộ ông Niêm Yết", "Hộ ông Xong")}
    assert "Bước tiếp theo của bạn: Nộp đăng ký<" in after["Hộ bà Nháp"]
    assert "Đang chờ: Thành viên Ban chỉ đạo" in after["Hộ ông Niêm Yết"]
    assert "Đã kết thúc" in after["Hộ ông Xong"] and draft.id
    assert mine.index("Hộ bà Nháp") < mine.index("Hộ ông Niêm Yết") < mine.index("Hộ ông Xong")
