"""Every form: CSRF refused without its token, server-side validation with the message by the field and the
user's input kept, and the service's rule applied (no rule written twice)."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Campaign, Unit, User, Vote
from states.enums import State, Title
from tests.conftest import csrf_from
from workflow.extensions import db
from workflow.services import meetings

MEETING_DAY = (date.today() - timedelta(days=100)).isoformat()  # within the test campaign, never ahead


def html(response) -> str:
    return response.get_data(as_text=True)


def events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


# Every form of the site: (who, the dossier's state, where it posts, valid-looking data). Each must refuse a post
# without its CSRF token and change nothing.
CSRF_CASES = [
    ("applicant", State.DRAFT, "/dossiers/new", {"title": "model_family", "subject_name": "A", "subject_ref": "B"}),
    ("applicant", State.DRAFT, "/dossiers/{id}/edit", {"version": "1", "subject_name": "A", "subject_ref": "B"}),
    ("applicant", State.DRAFT, "/dossiers/{id}/transitions", {"trigger": "submit", "version": "1"}),
    ("applicant", State.DRAFT, "/dossiers/{id}/attachments", {"kind": "evidence"}),
    ("group_committee", State.SELF_ASSESSMENT, "/dossiers/{id}/assessment", {"version": "3"}),
    ("ward_inspector", State.WARD_INSPECTION, "/dossiers/{id}/inspection", {"version": "3"}),
    ("ward_inspector", State.PUBLIC_NOTICE, "/dossiers/{id}/objections", {"text": "Phản ánh"}),
    ("ward_inspector", State.PUBLIC_NOTICE, "/dossiers/{id}/objections/1/answer", {"answer": "Đã xử lý"}),
    ("council1", State.COUNCIL_REVIEW, "/dossiers/{id}/votes", {"vote": "approve"}),
    ("chairman", State.AWAITING_DECISION, "/review/decisions/new", {"number": "1", "outcome": "recognize"}),
    ("admin", State.DRAFT, "/admin/units", {"code": "TDP-X", "name": "X", "kind": "group"}),
    ("admin", State.DRAFT, "/admin/users", {"username": "x", "full_name": "X", "password": "12345678"}),
    ("admin", State.DRAFT, "/admin/users/1", {"role": "auditor"}),
    ("admin", State.DRAFT, "/admin/users/1/roles/1/remove", {}),
    ("admin", State.DRAFT, "/admin/campaigns", {"year": "2030", "name": "X"}),
    ("admin", State.DRAFT, "/admin/campaigns/1", {"name": "X"}),
    ("admin", State.DRAFT, "/admin/criteria", {}),
    ("ward_inspector", State.WARD_INSPECTION, "/dossiers/{id}/disqualifiers", {"version": "3", "code": "KX1",
                                                                              "standing": "yes"}),
    ("chairman", State.DRAFT, "/delegations", {"held": "chairman@WARD", "to_username": "vice_chairman",
                                                "reason": "Công tác"}),
    ("chairman", State.DRAFT, "/delegations/1/end", {}),
    ("applicant", State.DRAFT, "/logout", {}),
]


@pytest.mark.parametrize(("who", "state", "target", "data"), CSRF_CASES, ids=[c[2] for c in CSRF_CASES])
def test_every_form_refuses_a_post_without_its_csrf_token(client, auth, world, who, state, target, data):
    dossier = world.dossier(state)
    auth.login(who)
    before = events()
    response = client.post(target.format(id=dossier.id), data=data)
    assert response.status_code == 400 and "CSRF" in html(response)
    assert events() == before
    assert client.get("/").status_code == 200  # still signed in: nothing happened, not even the logout


def test_create_form_refuses_a_unit_the_applicant_does_not_hold(client, auth, world):
    auth.login("applicant")
    page = html(client.get("/dossiers/new"))
    response = client.post("/dossiers/new", data={
        "csrf_token": csrf_from(page), "campaign_id": world.campaign.id, "title": "model_family",
        "unit_id": world.units["G2"].id, "subject_name": "Hộ X", "subject_ref": "HK-X"})
    assert response.status_code == 422
    assert "Lựa chọn không hợp lệ." in html(response) and "Not a valid choice" not in html(response)


def test_edit_form_keeps_input_and_bumps_the_version(client, auth, world):
    dossier = world.dossier(State.DRAFT)
    auth.login("applicant")
    page = html(client.get(f"/dossiers/{dossier.id}/edit"))
    bad = client.post(f"/dossiers/{dossier.id}/edit", data={
        "csrf_token": csrf_from(page), "version": dossier.version, "subject_name": "", "subject_ref": "HK-9",
        "subject_address": "Số 3 ngõ Hoa"})
    assert bad.status_code == 422 and "Nhập tên đối tượng" in html(bad) and 'value="Số 3 ngõ Hoa"' in html(bad)
    stale = client.post(f"/dossiers/{dossier.id}/edit", data={
        "csrf_token": csrf_from(page), "version": dossier.version - 1, "subject_name": "Hộ mới", "subject_ref": "X"})
    assert stale.status_code == 409 and "phiên bản" in html(stale)
    good = client.post(f"/dossiers/{dossier.id}/edit", data={
        "csrf_token": csrf_from(page), "version": dossier.version, "subject_name": "Hộ mới", "subject_ref": "HK-9"})
    assert good.status_code == 302
    db.session.expire_all()
    assert dossier.subject_name == "Hộ mới"


def test_assessment_form_shows_errors_by_criterion_and_keeps_input(client, auth, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    # The group's one meeting (entered on its own page, tests/web/test_batch_pages.py): 3 of 8 in favour.
    meetings.record_meeting(world.users["group_committee"], dossier.unit_id, dossier.campaign_id, {
        "held_on": MEETING_DAY, "invited": 10, "attendees": 8, "votes": [{"dossier_id": dossier.id, "votes_for": 3}]})
    db.session.commit()
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}/assessment"))
    assert 'data-shape="points"' in page and 'name="points-1.1"' in page
    assert 'name="invited"' not in page and "/meetings/" in page  # the meeting's figures live on the group's page
    assert "được 3/8 người dự họp đồng ý" in page
    form = {"csrf_token": csrf_from(page), "version": dossier.version, "points-1.1": "99", "note-1.1": "Giữ lại"}
    response = client.post(f"/dossiers/{dossier.id}/assessment", data=form)
    text = html(response)
    assert response.status_code == 422
    assert "phải là số nguyên từ 0 đến 8" in text and 'value="Giữ lại"' in text and 'value="99"' in text
    good = {**form, "points-1.1": "8"}
    for criterion in dossier.criteria_set.criteria:
        good.setdefault(f"points-{criterion.code}", str(criterion.max_points))
    assert client.post(f"/dossiers/{dossier.id}/assessment", data=good).status_code == 302
    detail = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Tổng điểm tự đánh giá: 100/100" in detail and "mời 10, dự 8, đồng ý 3" in detail
    # 3 of 8 in favour is under 60%: the button says so.
    assert "chưa đủ số người dự họp đồng ý: 3/8, cần ≥ 60%" in detail


def test_checklist_assessment_and_inspection_forms(client, auth, world):
    dossier = world.dossier(State.SELF_ASSESSMENT, title=Title.MODEL_CITIZEN)
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}/assessment"))
    form = {"csrf_token": csrf_from(page), "version": dossier.version, "held_on": MEETING_DAY, "invited": "10",
            "attendees": "10", "votes_for": "10"}
    form.update({f"met-{c.code}": "yes" for c in dossier.criteria_set.criteria})
    assert client.post(f"/dossiers/{dossier.id}/assessment", data=form).status_code == 302
    assert "Tiêu chí đạt: 7/7" in html(client.get(f"/dossiers/{dossier.id}"))


def test_inspection_form_requires_the_inspector_and_saves_verdicts(client, auth, world):
    dossier = world.dossier(State.WARD_INSPECTION)
    auth.login("group_committee")
    assert client.get(f"/dossiers/{dossier.id}/inspection").status_code == 403
    auth.login("ward_inspector")
    page = html(client.get(f"/dossiers/{dossier.id}/inspection"))
    form = {"csrf_token": csrf_from(page), "version": dossier.version, "recommendation": "maybe"}
    # A 100-point set is scored in points by the inspector too.
    assert f'name="points-{dossier.criteria_set.criteria[0].code}"' in page
    form.update({f"points-{c.code}": c.max_points for c in dossier.criteria_set.criteria})
    bad = client.post(f"/dossiers/{dossier.id}/inspection", data=form)
    assert bad.status_code == 422 and "phải là pass hoặc fail" in html(bad)
    assert client.post(f"/dossiers/{dossier.id}/inspection", data={**form, "recommendation": "pass"}).status_code == 302
    detail = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Đạt, đề nghị" not in detail and 'value="complete_inspection"' in detail
    assert "chưa có kết luận kiểm tra" not in detail


def test_vote_form(client, auth, world):
    dossier = world.dossier(State.COUNCIL_REVIEW)
    auth.login("council6")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    missing = client.post(f"/dossiers/{dossier.id}/votes", data={"csrf_token": csrf_from(page)})
    assert missing.status_code == 422 and "Chọn một phương án" in html(missing)
    ok = client.post(f"/dossiers/{dossier.id}/votes", data={"csrf_token": csrf_from(page), "vote": "abstain",
                                                           "comment": "Cần thêm thông tin"})
    assert ok.status_code == 302
    assert db.session.scalar(select(Vote.choice).where(Vote.dossier_id == dossier.id,
                                                       Vote.user_id == world.users["council6"].id)) == "abstain"


def test_objection_and_answer_forms(client, auth, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    auth.login("ward_inspector")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    empty = client.post(f"/dossiers/{dossier.id}/objections", data={"csrf_token": csrf_from(page), "text": " "})
    assert empty.status_code == 422 and "Nhập nội dung phản ánh" in html(empty)
    client.post(f"/dossiers/{dossier.id}/objections", data={"csrf_token": csrf_from(page),
                                                            "text": "Hộ này lấn chiếm vỉa hè"})
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Hộ này lấn chiếm vỉa hè" in page and "còn 1 ý kiến phản ánh chưa được trả lời" in page
    objection_id = dossier.objections[0].id
    client.post(f"/dossiers/{dossier.id}/objections/{objection_id}/answer",
                data={"csrf_token": csrf_from(page), "answer": "Đã xác minh, đã tháo dỡ", "upheld": "no"})
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Đã xác minh, đã tháo dỡ" in page and "còn 1 ý kiến" not in page


def test_attachment_form(client, auth, world, app):
    dossier = world.dossier(State.DRAFT)
    auth.login("applicant")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    none = client.post(f"/dossiers/{dossier.id}/attachments", data={"csrf_token": csrf_from(page), "kind": "evidence"},
                       content_type="multipart/form-data")
    assert none.status_code == 422 and "Chọn một tệp PDF, PNG hoặc JPEG" in html(none)
    fake = client.post(f"/dossiers/{dossier.id}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "kind": "evidence", "file": (io.BytesIO(b"hello"), "a.pdf")})
    assert fake.status_code == 422 and "Chỉ nhận tệp PDF, PNG hoặc JPEG" in html(fake)
    ok = client.post(f"/dossiers/{dossier.id}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "kind": "registration_form", "file": (io.BytesIO(b"%PDF-1.4 x"), "Mẫu 01.pdf")})
    assert ok.status_code == 302
    assert "Mẫu 01.pdf" in html(client.get(f"/dossiers/{dossier.id}"))


def test_batch_decision_confirms_then_signs_and_reports_blocked_dossiers(client, auth, world, frozen_clock):
    ready = [world.dossier(State.AWAITING_DECISION) for _ in range(2)]
    weak = world.dossier(State.AWAITING_DECISION, approve=False)
    auth.login("chairman")
    page = html(client.get("/review/decisions/new"))
    base = {"csrf_token": csrf_from(page), "number": "12/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat(),
            "outcome": "recognize"}
    nothing = client.post("/review/decisions/new", data=base)
    assert nothing.status_code == 422 and "Chọn ít nhất một hồ sơ" in html(nothing)
    # Checked before the confirmation: the one the council did not recommend is named, nothing is confirmed.
    checked = client.post("/review/decisions/new", data={**base, "dossier_ids": [str(d.id) for d in ready + [weak]]})
    assert checked.status_code == 422 and "Xác nhận quyết định" not in html(checked)
    assert "không đề nghị công nhận" in html(checked) and weak.tracking_code in html(checked)
    confirm = client.post("/review/decisions/new", data={**base, "dossier_ids": [str(d.id) for d in ready]})
    assert confirm.status_code == 200 and "Xác nhận quyết định" in html(confirm)
    blocked = client.post("/review/decisions/new", data={**base, "confirmed": "yes",
                                                         "dossier_ids": [str(d.id) for d in ready + [weak]]})
    assert blocked.status_code == 422 and "không đề nghị công nhận" in html(blocked)
    db.session.expire_all()
    assert all(d.state == State.AWAITING_DECISION for d in ready)
    signed = client.post("/review/decisions/new", data={**base, "confirmed": "yes",
                                                        "dossier_ids": [str(d.id) for d in ready]})
    assert signed.status_code == 302
    db.session.expire_all()
    assert all(d.state == State.RECOGNIZED for d in ready)
    assert "12/QĐ-UBND" in html(client.get(signed.headers["Location"]))


def test_admin_forms_create_units_users_roles_and_campaigns(client, auth, world):
    auth.login("admin")
    page = html(client.get("/admin/units"))
    dup = client.post("/admin/units", data={"csrf_token": csrf_from(page), "code": "G1", "name": "Trùng",
                                            "kind": "group", "parent_id": world.units["WARD"].id})
    assert dup.status_code == 409 and "đã tồn tại" in html(dup)
    ok = client.post("/admin/units", data={"csrf_token": csrf_from(page), "code": "tdp-7", "name": "Tổ dân phố 7",
                                           "kind": "group", "parent_id": world.units["WARD"].id})
    assert ok.status_code == 302
    unit = db.session.scalars(select(Unit).where(Unit.code == "TDP-7")).one()
    assert unit.path.startswith(world.units["WARD"].path)

    page = html(client.get("/admin/users"))
    short = client.post("/admin/users", data={"csrf_token": csrf_from(page), "username": "lan", "full_name": "Lan",
                                              "password": "123", "role": "applicant", "unit_id": unit.id})
    assert short.status_code == 422 and "Ít nhất 8 ký tự" in html(short) and 'value="lan"' in html(short)
    made = client.post("/admin/users", data={"csrf_token": csrf_from(page), "username": "lan", "full_name": "Lan",
                                             "password": "mật khẩu tốt", "role": "applicant", "unit_id": unit.id})
    assert made.status_code == 302
    lan = db.session.scalars(select(User).where(User.username == "lan")).one()
    assert [(a.role, a.unit.code) for a in lan.roles] == [("applicant", "TDP-7")]
    page = html(client.get(f"/admin/users/{lan.id}"))
    client.post(f"/admin/users/{lan.id}", data={"csrf_token": csrf_from(page), "role": "group_committee",
                                                "unit_id": unit.id})
    db.session.expire_all()
    assert sorted(a.role for a in lan.roles) == ["applicant", "group_committee"]
    granted = db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"user:{lan.id}")).all()
    assert [e.trigger for e in granted] == ["role_granted", "role_granted"]

    page = html(client.get("/admin/campaigns"))
    bad = client.post("/admin/campaigns", data={
        "csrf_token": csrf_from(page), "year": world.campaign.year, "unit_id": world.units["WARD"].id,
        "name": "Trùng năm",
        "registration_opens": "2026-01-01", "registration_closes": "2026-01-31", "assessment_due": "2026-11-25",
        "inspection_due": "2026-12-10", "decision_due": "2026-12-31", "group_quorum": "60", "group_approval": "60",
        "notice_days": "10", "council_quorum": "66.67", "council_approval": "70", "pass_points": "85",
        "decision_days": "10", "publication_days": "15"})
    assert bad.status_code == 409 and "đã có đợt thi đua năm" in html(bad)
    assert db.session.scalar(select(func.count(Campaign.id))) == 2


def test_admin_pages_are_for_admins(client, auth, world):
    auth.login("chairman")
    for url in ("/admin/units", "/admin/users", "/admin/campaigns", "/admin/criteria"):
        response = client.get(url)
        assert response.status_code == 403 and "Không có quyền" in html(response)


def test_a_tampered_version_field_is_refused_not_a_crash(client, auth, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    draft = world.dossier(State.DRAFT)
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}/assessment"))
    response = client.post(f"/dossiers/{dossier.id}/assessment", data={"csrf_token": csrf_from(page), "version": "abc"})
    assert response.status_code == 400 and "Biểu mẫu không hợp lệ" in html(response)
    auth.login("applicant")
    page = html(client.get(f"/dossiers/{draft.id}/edit"))
    response = client.post(f"/dossiers/{draft.id}/edit", data={"csrf_token": csrf_from(page), "version": "abc",
                                                              "subject_name": "X", "subject_ref": "Y"})
    assert response.status_code == 422


def test_admin_revokes_a_role_with_a_post_and_the_change_is_audited(client, auth, world):
    inspector = world.users["ward_inspector"]
    assignment = inspector.roles[0]
    auth.login("admin")
    page = html(client.get(f"/admin/users/{inspector.id}"))
    assert client.post(f"/admin/users/{inspector.id}/roles/{assignment.id}/remove").status_code == 400
    response = client.post(f"/admin/users/{inspector.id}/roles/{assignment.id}/remove",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert inspector.roles == []
    assert db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.stream == f"user:{inspector.id}")).all() \
        == ["role_revoked"]


def test_answer_form_requires_an_answer_and_a_conclusion(client, auth, world):
    from workflow.services import records

    dossier = world.dossier(State.PUBLIC_NOTICE)
    objection = records.record_objection(world.users["ward_inspector"], dossier, "Phản ánh về tiếng ồn")
    db.session.commit()
    auth.login("ward_inspector")
    page = html(client.get(f"/dossiers/{dossier.id}"))
    response = client.post(f"/dossiers/{dossier.id}/objections/{objection.id}/answer",
                           data={"csrf_token": csrf_from(page), "answer": ""}, follow_redirects=True)
    assert "Cần nhập nội dung trả lời và chọn kết luận" in html(response)
    db.session.expire_all()
    assert objection.answer is None


def test_criteria_upload_form(client, auth, world):
    import json

    from tests.factories import CRITERIA_DIR

    auth.login("admin")
    page = html(client.get("/admin/criteria"))
    broken = client.post("/admin/criteria", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(b"{not json"), "bo.json")})
    assert broken.status_code == 422 and "Không đọc được tệp JSON" in html(broken)
    document = json.loads((CRITERIA_DIR / "model_group.json").read_text(encoding="utf-8"))
    document["version"] = "QĐ 01/2027"
    ok = client.post("/admin/criteria", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(json.dumps(document).encode()), "tdp-2027.json")})
    assert ok.status_code == 302
    assert "QĐ 01/2027" in html(client.get(ok.headers["Location"]))


def test_campaign_edit_form_checks_dates_and_audits_the_change(client, auth, world):
    auth.login("admin")
    page = html(client.get(f"/admin/campaigns/{world.campaign.id}"))
    assert 'value="60.00"' in page or 'value="60"' in page  # shares shown as percentages
    fields = {"csrf_token": csrf_from(page), "name": "Đợt mới", "registration_opens": "2026-03-01",
              "registration_closes": "2026-02-01", "assessment_due": "2026-11-25", "inspection_due": "2026-12-10",
              "decision_due": "2026-12-31", "group_quorum": "60", "group_approval": "60", "notice_days": "7",
              "council_quorum": "66.67", "council_approval": "70", "pass_points": "90", "decision_days": "10",
              "publication_days": "15"}
    bad = client.post(f"/admin/campaigns/{world.campaign.id}", data=fields)
    assert bad.status_code == 422 and 'value="Đợt mới"' in html(bad)
    assert "không được trước ngày mở đăng ký (01/03/2026)" in html(bad)
    good = client.post(f"/admin/campaigns/{world.campaign.id}", data={**fields, "registration_closes": "2026-03-31"})
    assert good.status_code == 302
    db.session.expire_all()
    assert (world.campaign.notice_days, world.campaign.pass_points) == (7, 90)
    change = db.session.scalars(select(AuditEvent).where(AuditEvent.trigger == "campaign_updated")).one()
    assert change.data["changes"]["notice_days"] == {"from": 10, "to": 7}


def test_granting_a_role_twice_is_refused_kindly(client, auth, world):
    inspector = world.users["ward_inspector"]
    auth.login("admin")
    page = html(client.get(f"/admin/users/{inspector.id}"))
    response = client.post(f"/admin/users/{inspector.id}", data={
        "csrf_token": csrf_from(page), "role": "ward_inspector", "unit_id": world.units["WARD"].id})
    assert response.status_code == 409 and "đã có vai trò này" in html(response)
