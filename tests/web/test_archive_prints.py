"""Prints for the paper archive (issue 8, part 6): the Mẫu 01 registration filled in, the inspection minutes, the
whole dossier, and the group meeting's minutes — each a page and a PDF, each for whoever sees the dossier in full
(404 for anyone else, a neighbour who sees only the notice board included); and one official header whose place
reads the same on every paper."""

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from states.enums import State, Title
from states.policy import VIETNAM
from workflow import clock
from workflow.extensions import db
from workflow.services import meetings, records
from workflow.services.archive import place_and_date
from workflow.services.documents import official_date

MEMBERS = [{"name": "Nguyễn Văn Hùng", "personal_id": "038080001111", "relation": "Chủ hộ"},
           {"name": "Trần Thị Mai", "personal_id": "038085002222", "relation": "Vợ"},
           {"name": "Nguyễn Minh Khôi", "personal_id": "", "relation": "Con"}]


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def recognized(world):
    """A family walked through the whole workflow to a signed decision."""
    return world.dossier(State.RECOGNIZED, decision_number="77/QĐ-UBND", members=MEMBERS,
                         subject_name="Hộ ông Nguyễn Văn Hùng", subject_ref="038080001111",
                         subject_address="Số 12, ngõ 4, Tổ dân phố 1")


# --- Mẫu 01 ------------------------------------------------------------------------------------------------------

def test_the_registration_form_reads_as_the_paper_mau_01(client, auth, world, recognized):
    auth.login("applicant")
    page = html(client.get(f"/dossiers/{recognized.id}/registration"))
    submitted = next(e for e in recognized_events(recognized) if e.trigger == "submit")
    for part in ("Mẫu 01", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "ĐƠN ĐĂNG KÝ THI ĐUA", f"Xây dựng danh hiệu “Gia đình kiểu mẫu” năm {world.campaign.year}",
                 "Kính gửi:", "Ban công tác Mặt trận tổ dân phố 1",
                 "Ban vận động xây dựng các danh hiệu kiểu mẫu tổ dân phố 1",
                 "Tôi tên là: <strong>Nguyễn Văn Hùng</strong>, chủ hộ", "Hộ ông Nguyễn Văn Hùng", "038080001111",
                 "Số 12, ngõ 4, Tổ dân phố 1",
                 "Trần Thị Mai", "Vợ", "038085002222", "Nguyễn Minh Khôi", "Con",
                 "xin cam kết", "hương ước, quy ước của tổ dân phố", world.campaign.name,
                 f"Thử, {official_date(submitted.at.date())}", "NGƯỜI ĐĂNG KÝ", "(Chủ hộ ký, ghi rõ họ tên)"):
        assert part in page, part
    table = page.split('<table class="paper-table">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + len(MEMBERS)
    assert 'id="print-button"' in page and 'href="?format=pdf"' in page


def recognized_events(dossier):
    from workflow.services.audit import stream_events

    return stream_events(f"dossier:{dossier.id}")


def test_an_agency_writes_to_the_ward_steering_committee(client, auth, world):
    agency = world.dossier(State.REGISTERED, title=Title.MODEL_AGENCY, subject_name="Trường Tiểu học Thử")
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{agency.id}/registration"))
    assert "Ban chỉ đạo xây dựng các danh hiệu kiểu mẫu phường Thử" in page
    assert "Cơ quan, đơn vị kiểu mẫu" in page and "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in page
    assert "Ban công tác Mặt trận" not in page


def test_a_draft_leaves_the_date_blank(client, auth, world):
    draft = world.dossier(State.DRAFT)
    auth.login("applicant")
    assert "Thử, ngày … tháng … năm …" in html(client.get(f"/dossiers/{draft.id}/registration"))


# --- the inspection minutes --------------------------------------------------------------------------------------

def test_the_inspection_minutes_give_every_verdict_who_and_when(client, auth, world, recognized):
    auth.login("chairman")
    page = html(client.get(f"/dossiers/{recognized.id}/inspection-minutes"))
    done = next(e for e in recognized_events(recognized) if e.trigger == "complete_inspection")
    local = done.at.astimezone(VIETNAM)
    for part in ("BIÊN BẢN KIỂM TRA", "ỦY BAN NHÂN DÂN", "PHƯỜNG THỬ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 f"Thử, {official_date(done.at.date())}", "Người kiểm tra:", "Người dùng ward_inspector",
                 f"hồi …… giờ …… phút, ngày {local:%d/%m/%Y}",  # times not recorded: blanks, not the step's
                 "lập thành 02 bản",
                 "Hộ ông Nguyễn Văn Hùng", recognized.criteria_set.name,
                 "Người kiểm tra đề nghị Hội đồng Thi đua – Khen thưởng phường xét, đề nghị công nhận",
                 "NGƯỜI KIỂM TRA", "ĐẠI DIỆN ĐỐI TƯỢNG ĐƯỢC KIỂM TRA"):
        assert part in page, part
    table = page.split('<table class="paper-table paper-criteria">', 1)[1].split("</table>", 1)[0]
    for item in recognized.inspection_items:
        assert item.criterion.code in table
    assert table.count('<td class="num">') >= len(recognized.inspection_items)
    assert "038080001111" not in page  # the personal number stays on the registration form


def test_no_inspection_minutes_before_the_inspection_is_completed(client, auth, world):
    waiting = world.dossier(State.WARD_INSPECTION)
    auth.login("ward_inspector")
    response = client.get(f"/dossiers/{waiting.id}/inspection-minutes")
    assert response.status_code == 404 and "chưa có kết quả kiểm tra" in response.get_data(as_text=True)
    detail = html(client.get(f"/dossiers/{waiting.id}"))
    assert f"/dossiers/{waiting.id}/print" in detail and "inspection-minutes" not in detail


# --- the whole dossier -------------------------------------------------------------------------------------------

def test_the_whole_dossier_holds_every_part(client, auth, world, recognized):
    auth.login("chairman")
    page = html(client.get(f"/dossiers/{recognized.id}/print"))
    for part in ("HỒ SƠ XÉT CÔNG NHẬN DANH HIỆU", "ỦY BAN NHÂN DÂN", "PHƯỜNG THỬ",
                 "I. Thông tin hồ sơ", "Hộ ông Nguyễn Văn Hùng", "Số 12, ngõ 4, Tổ dân phố 1", "Trần Thị Mai (Vợ)",
                 recognized.tracking_code, "Đã công nhận",
                 "II. Tổ tự đánh giá và họp bình xét", "Họp bình xét của Tổ dân phố 1", "Số người được mời 40",
                 "có mặt 32", "đồng ý 30/32", "Không có ý kiến phản ánh.",
                 "III. Phường kiểm tra", "Người dùng ward_inspector", "Đề nghị xét công nhận",
                 "IV. Hội đồng Thi đua – Khen thưởng", "Đồng ý 6", "Số thành viên Hội đồng: 6",
                 "Hội đồng <strong>đề nghị công nhận</strong>",
                 "V. Quyết định", "Quyết định số <strong>77/QĐ-UBND</strong>", "Người dùng chairman",
                 "VI. Lịch sử xử lý", "Nộp đăng ký", "Hoàn thành kiểm tra", "Người dùng council_secretary"):
        assert part in page, part
    history = page.split('<table class="paper-table paper-history">', 1)[1].split("</table>", 1)[0]
    assert history.count("<tr>") == 1 + len(recognized_events(recognized))
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", history)
    assert "seq 1" not in page  # the chain's internals are the auditor's
    assert "038080001111" not in page and "038085002222" not in page  # personal numbers: only on Mẫu 01
    # both assessments, criterion by criterion
    assert page.count('<table class="paper-table paper-criteria">') == 2
    # the chairman sees who voted how (not a secret ballot)
    assert "Người dùng council1" in page


def test_the_auditor_sees_internals_and_a_secret_ballot_hides_voters(client, auth, world):
    world.campaign.secret_ballot = True
    db.session.commit()
    dossier = world.dossier(State.AWAITING_DECISION)
    auth.login("auditor")
    page = html(client.get(f"/dossiers/{dossier.id}/print"))
    assert "seq 1" in page and "Chuỗi kiểm toán: toàn vẹn" in page
    auth.login("chairman")
    page = html(client.get(f"/dossiers/{dossier.id}/print"))
    assert "Bỏ phiếu kín" in page and "Người dùng council1" not in page and "Chưa có quyết định." in page
    assert "Thành viên Hội đồng" in page  # the history names no voter either


def test_objections_and_their_answers_are_printed(client, auth, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    objection = records.record_objection(world.users["resident"], dossier, "Hộ này còn nợ quỹ vì người nghèo")
    db.session.commit()
    records.answer_objection(world.users["ward_inspector"], dossier, objection.id,
                             "Đã kiểm tra: hộ đã đóng đủ từ tháng 3", False)
    db.session.commit()
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{dossier.id}/print"))
    assert "Hộ này còn nợ quỹ vì người nghèo" in page
    assert "Đã kiểm tra: hộ đã đóng đủ từ tháng 3" in page and "không có cơ sở" in page
    assert "Phường chưa kiểm tra hồ sơ này." in page and "Hồ sơ chưa đến Hội đồng." in page


def test_the_whole_dossier_as_pdf_holds_the_name_and_the_decision(client, auth, world, recognized):
    auth.login("applicant")
    text = squeeze(pdf_text(client.get(f"/dossiers/{recognized.id}/print?format=pdf")))
    assert "Hộ ông Nguyễn Văn Hùng" in text and "77/QĐ-UBND" in text
    assert "HỒ SƠ XÉT CÔNG NHẬN DANH HIỆU" in text and "Lịch sử xử lý" in text
    assert "Tải PDF" not in text  # no app chrome on the paper


@pytest.mark.parametrize("path", ["registration", "inspection-minutes"])
def test_the_other_papers_as_pdf(client, auth, world, recognized, path):
    auth.login("ward_inspector")
    text = squeeze(pdf_text(client.get(f"/dossiers/{recognized.id}/{path}?format=pdf")))
    assert "Hộ ông Nguyễn Văn Hùng" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


# --- who may read them -------------------------------------------------------------------------------------------

PATHS = ("registration", "inspection-minutes", "print")


@pytest.mark.parametrize("username", ["outsider_committee", "outsider_chairman", "applicant2", "applicant9"])
def test_nobody_outside_the_scope_finds_them(client, auth, world, recognized, username):
    auth.login(username)
    for path in PATHS:
        response = client.get(f"/dossiers/{recognized.id}/{path}")
        assert response.status_code == 404, path
        assert "Hộ ông Nguyễn Văn Hùng" not in response.get_data(as_text=True)
        assert client.get(f"/dossiers/{recognized.id}/{path}?format=pdf").status_code == 404


def test_a_neighbour_who_sees_only_the_notice_board_finds_nothing(client, auth, world):
    posted = world.dossier(State.PUBLIC_NOTICE, subject_name="Hộ bà Lê Thị Hoa")
    auth.login("resident")
    assert client.get(f"/dossiers/{posted.id}").status_code == 302  # the notice board, not the dossier
    for path in PATHS:
        response = client.get(f"/dossiers/{posted.id}/{path}")
        assert response.status_code == 404 and "Hộ bà Lê Thị Hoa" not in response.get_data(as_text=True)


def test_signed_out_goes_to_sign_in(client, world, recognized):
    for path in PATHS:
        assert client.get(f"/dossiers/{recognized.id}/{path}").status_code == 302


def test_an_unknown_format_is_refused(client, auth, world, recognized):
    auth.login("applicant")
    assert client.get(f"/dossiers/{recognized.id}/print?format=docx").status_code == 400


# --- the dossier page links its papers ---------------------------------------------------------------------------

def test_the_dossier_page_links_every_paper(client, auth, world, recognized):
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{recognized.id}"))
    papers = page.split('id="papers"', 1)[1].split("</nav>", 1)[0]
    for link in (f"/dossiers/{recognized.id}/print", f"/dossiers/{recognized.id}/print?format=pdf",
                 f"/dossiers/{recognized.id}/registration", f"/dossiers/{recognized.id}/inspection-minutes",
                 f"/meetings/{recognized.meeting_vote.meeting_id}/minutes"):
        assert f'href="{link}"' in papers, link


# --- the group meeting's minutes and the shared header -----------------------------------------------------------

def _meeting(world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    return dossier.meeting_vote.meeting


def test_the_meeting_minutes_as_pdf_hold_the_group(client, auth, world):
    meeting = _meeting(world)
    auth.login("ward_inspector")
    page = html(client.get(f"/meetings/{meeting.id}/minutes"))
    assert 'href="?format=pdf"' in page
    text = squeeze(pdf_text(client.get(f"/meetings/{meeting.id}/minutes?format=pdf")))
    assert "TỔ DÂN PHỐ 1" in text and "BIÊN BẢN HỌP BÌNH XÉT" in text


def test_minutes_and_streak_list_date_their_place_alike(client, auth, world, frozen_clock):
    meetings.record_meeting(world.users["group_committee"], world.units["G1"].id, world.campaign.id, {
        "held_on": clock.now().date().isoformat(), "invited": 10, "attendees": 8, "votes": []})
    db.session.commit()
    meeting = meetings.meeting_of(world.units["G1"].id, world.campaign.id)
    expected = place_and_date(world.units["G1"], clock.now().date())
    assert expected == f"Thử, {official_date(clock.now().date())}"
    auth.login("chairman")
    minutes = html(client.get(f"/meetings/{meeting.id}/minutes"))
    streaks = html(client.get(f"/review/streaks/print?unit_id={world.units['WARD'].id}"))
    for page in (minutes, streaks):
        place = re.search(r'<div class="paper-place"><em>([^<]*)</em>', page).group(1)
        assert place == expected
        assert "Phường Thử, ngày" not in page
    assert "ỦY BAN NHÂN DÂN PHƯỜNG THỬ" in streaks and "HỘI ĐỒNG THI ĐUA\u00a0- KHEN THƯỞNG" in streaks
    frozen_clock.advance(days=1)
    assert place_and_date(world.units["WARD"], clock.now().date() + timedelta(days=0)).startswith("Thử, ngày")
