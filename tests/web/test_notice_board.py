"""The public notice board (niêm yết công khai): what anyone sees of a group's dossiers on notice, the objection a
resident of the group files from it, and the links that lead people there."""

from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEvent, Objection
from states.enums import State
from tests.conftest import csrf_from
from workflow.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def board_url(code: str = "G1") -> str:
    return f"/public/notices/{code}"


def objection_url(dossier, code: str = "G1") -> str:
    return f"/public/notices/{code}/dossiers/{dossier.id}/objection"


def counts(dossier) -> tuple[int, int]:
    objections = db.session.scalar(select(func.count(Objection.id)).where(Objection.dossier_id == dossier.id))
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == dossier.id))
    return objections, events


def test_the_board_lists_exactly_the_groups_dossiers_on_notice(client, world):
    on_notice = world.dossier(State.PUBLIC_NOTICE, subject_name="Hộ ông Trần Văn Niêm", subject_ref="038090001234",
                              subject_address="Số 7 ngõ Hoa Sữa")
    other_group = world.dossier(State.PUBLIC_NOTICE, group="G2", subject_name="Hộ bà Lê Thị Tổ Hai")
    not_yet = world.dossier(State.SELF_ASSESSMENT, subject_name="Hộ ông Chưa Tới")
    past = world.dossier(State.WARD_INSPECTION, subject_name="Hộ bà Đã Qua")
    response = client.get(board_url())  # nobody signed in
    assert response.status_code == 200
    page = html(response)
    assert "Tổ dân phố 1" in page and "Phường Thử" in page
    assert "Hộ ông Trần Văn Niêm" in page and on_notice.tracking_code in page and "Gia đình kiểu mẫu" in page
    assert on_notice.notice_ends_on is not None
    assert "Niêm yết đến hết ngày" in page and on_notice.notice_ends_on.strftime("%d/%m/%Y") in page
    for hidden in (other_group.subject_name, other_group.tracking_code, not_yet.subject_name, past.subject_name):
        assert hidden not in page
    # Nothing personal: no personal number, no address, no score.
    assert "038090001234" not in page and "Hoa Sữa" not in page
    entry = page.split(f'id="d-{on_notice.tracking_code}"')[1].split("</article>")[0]
    assert "điểm" not in entry and "/100" not in entry
    assert "1 hồ sơ đang niêm yết" in page
    # How to object, in plain words, and a way in for a resident who is not signed in; no form for the anonymous.
    assert "Cách góp ý, phản ánh" in page and "Ban vận động Tổ dân phố 1" in page
    assert "Đăng nhập để gửi ý kiến" in page and "/login?next=" in page
    assert "<textarea" not in page


def test_unknown_or_non_group_codes_are_the_404_page(client, world):
    for code in ("KHONG-CO", "WARD", "AG", "x" * 60):
        response = client.get(board_url(code))
        assert response.status_code == 404 and "Không tìm thấy" in html(response), code
    assert client.get(board_url("g1")).status_code == 200  # people type codes any way


def test_the_index_lists_the_groups_that_exist_now_with_their_counts(client, world, frozen_clock):
    from datetime import timedelta

    world.dossier(State.PUBLIC_NOTICE)
    world.dossier(State.PUBLIC_NOTICE)
    world.units["G9"].valid_to = frozen_clock.now().date() - timedelta(days=1)  # merged away yesterday
    db.session.commit()
    page = html(client.get("/public/notices"))
    assert "Phường Thử" in page and "Tổ dân phố 1" in page and "Tổ dân phố 2" in page
    group1 = page.split("Tổ dân phố 1</a>")[1].split("</li>")[0]
    assert "2 hồ sơ đang niêm yết" in group1
    assert "Tổ dân phố 9" not in page and "Trường Tiểu học" not in page  # ended; not a residential group


def test_a_resident_of_the_group_files_an_objection_from_the_board(client, auth, world):
    dossier = world.dossier(State.PUBLIC_NOTICE, subject_name="Hộ ông Phạm Văn Góp")
    before = counts(dossier)
    auth.login("resident")
    page = html(client.get(board_url()))
    assert f'action="{objection_url(dossier)}"' in page and "Góp ý về hồ sơ này" in page
    response = client.post(objection_url(dossier), data={
        "csrf_token": csrf_from(page), "text": "Gia đình này chưa giữ vệ sinh ngõ xóm."})
    assert response.status_code == 302 and response.headers["Location"] == board_url()
    back = html(client.get(response.headers["Location"]))
    top = back.split("<h1")[0]
    assert "Đã gửi ý kiến của bạn về hồ sơ" in top and dossier.tracking_code in top
    assert counts(dossier) == (before[0] + 1, before[1] + 1)  # the objection, and one audit event
    db.session.expire_all()
    assert [o.text for o in dossier.objections] == ["Gia đình này chưa giữ vệ sinh ngõ xóm."]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                               .order_by(AuditEvent.seq.desc())).first()
    assert event.trigger == "objection_recorded" and event.actor == "resident"
    # The objection is the ward's to answer: the board never shows it, but tells its author it went through.
    assert "vệ sinh ngõ xóm" not in back
    entry = back.split(f'id="d-{dossier.tracking_code}"')[1].split("</article>")[0]
    assert "Bạn đã gửi 1 ý kiến về hồ sơ này" in entry
    # The inspector sees it on the dossier, waiting for an answer.
    auth.login("ward_inspector")
    assert "Gia đình này chưa giữ vệ sinh ngõ xóm." in html(client.get(f"/dossiers/{dossier.id}"))


def test_an_empty_objection_is_refused_beside_its_field(client, auth, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    before = counts(dossier)
    auth.login("resident")
    page = html(client.get(board_url()))
    response = client.post(objection_url(dossier), data={"csrf_token": csrf_from(page), "text": "   "})
    assert response.status_code == 422
    body = html(response)
    assert "Chưa gửi được ý kiến" in body.split("<h1")[0]  # at the top
    assert "Hãy viết ý kiến của bạn trước khi gửi" in body.split(f'id="d-{dossier.tracking_code}"')[1]
    assert "<details open" in body
    assert counts(dossier) == before


def test_no_form_for_others_and_forged_posts_are_refused(client, auth, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    before = counts(dossier)
    # A resident of another group: no form, and a forged post finds nothing.
    auth.login("applicant2")
    page = html(client.get(board_url()))
    assert dossier.tracking_code in page and "<textarea" not in page
    assert "không gửi ý kiến trực tuyến được" in page
    forged = client.post(objection_url(dossier), data={"csrf_token": csrf_from(page), "text": "Phản ánh giả"})
    assert forged.status_code == 404
    # The dossier's own applicant may not object to it either.
    auth.login("applicant")
    page = html(client.get(board_url()))
    assert "<textarea" not in page
    refused = client.post(objection_url(dossier), data={"csrf_token": csrf_from(page), "text": "Tự phản ánh"})
    assert refused.status_code == 403 and "Không được tự phê duyệt" in html(refused).split("<h1")[0]
    # A post naming another group's board: not there.
    auth.login("resident")
    page = html(client.get(board_url()))
    assert client.post(objection_url(dossier, "G2"), data={"csrf_token": csrf_from(page),
                                                           "text": "Sai tổ"}).status_code == 404
    # Nobody signed in: no form; a post goes to the sign-in page.
    auth.logout()
    page = html(client.get(board_url()))
    assert "<textarea" not in page
    anonymous = client.post(objection_url(dossier), data={"csrf_token": csrf_from(client.get("/login").get_data(
        as_text=True)), "text": "Ẩn danh"})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert counts(dossier) == before


def test_an_objection_after_the_notice_moved_on_is_refused(client, auth, world, frozen_clock):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    auth.login("resident")
    page = html(client.get(board_url()))
    from workflow.services.dossiers import apply_transition

    frozen_clock.advance(days=20)
    apply_transition(world.users["ward_inspector"], dossier, "close_notice", dossier.version)  # the notice is over
    db.session.commit()
    before = counts(dossier)
    response = client.post(objection_url(dossier), data={"csrf_token": csrf_from(page), "text": "Muộn"})
    assert response.status_code in (404, 409)
    assert counts(dossier) == before


def test_an_objection_after_the_last_day_of_the_notice_is_refused_with_the_day(client, auth, world, frozen_clock):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    auth.login("resident")
    page = html(client.get(board_url()))
    assert "Góp ý về hồ sơ này" in page
    frozen_clock.advance(days=20)  # the notice has ended; the inspector has not closed it yet
    before = counts(dossier)
    response = client.post(objection_url(dossier), data={"csrf_token": csrf_from(page), "text": "Muộn"},
                           follow_redirects=True)
    assert response.status_code == 422
    assert f"đã hết thời gian niêm yết (đến hết ngày {dossier.notice_ends_on:%d/%m/%Y})" in html(response)
    assert counts(dossier) == before
    assert "Góp ý về hồ sơ này" not in html(client.get(board_url()))  # the board stops offering the form


def test_the_board_is_rate_limited_like_tracking(client, app, world):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 3
    assert all(client.get(board_url()).status_code == 200 for _ in range(3))
    limited = client.get(board_url())
    assert limited.status_code == 429 and "Tra cứu quá nhiều lần" in html(limited)
    assert client.get("/track?code=KM1").status_code != 429  # its own count


def test_people_find_the_board(client, auth, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    board = f'/public/notices/G1#d-{dossier.tracking_code}'
    # From the public tracking page of a dossier on notice, and the menu of every page.
    tracking = html(client.get(f"/track/{dossier.tracking_code}"))
    assert board in tracking and 'href="/public/notices"' in tracking
    # From the signed-in resident's home.
    auth.login("resident")
    home = html(client.get("/")).split('id="work-notice-boards"')[1].split("</article>")[0]
    assert 'href="/public/notices/G1"' in home and "1 hồ sơ đang niêm yết" in home
    # From the dossier page of a dossier on notice (the inspector's here), and not once it has moved on.
    auth.login("ward_inspector")
    assert board in html(client.get(f"/dossiers/{dossier.id}"))
    later = world.dossier(State.WARD_INSPECTION)
    assert "/public/notices/G1#" not in html(client.get(f"/dossiers/{later.id}"))
    # A reviewer with no resident role has no board card on the home page.
    assert 'id="work-notice-boards"' not in html(client.get("/"))
