"""The group's papers as a ward receives them (issue 16): the group's proposal with its summary list, the meeting's
minutes v2 (times, place, secretary, participants, vote method, opinions), the inspection team on the inspection
minutes, and objections written down and answered by the group's committee."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from models import AuditEvent, GroupMeeting
from states.enums import State
from tests.conftest import csrf_from
from tests.services.test_meetings import assessed_group, meeting_payload
from tests.statements import counting
from workflow import clock
from workflow.extensions import db
from workflow.services import meetings, records


def html(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.get_data(as_text=True)))


def proposal_url(world, group: str = "G1") -> str:
    return f"/units/{world.units[group].id}/proposals/{world.campaign.id}"


def on_notice_with_objections(world):
    """Two households of group 1 on public notice; the committee writes down one objection made on paper and
    answers it (not upheld), and a resident's own objection is found right by the inspector."""
    first, second = world.dossier(State.PUBLIC_NOTICE), world.dossier(State.PUBLIC_NOTICE)
    committee, inspector, resident = (world.users[n] for n in ("group_committee", "ward_inspector", "resident"))
    paper = records.record_objection(committee, first, "Hộ này chưa đóng quỹ khuyến học",
                                     resident_name="Bà Trần Thị Lan")
    records.answer_objection(committee, first, paper.id, "Đã đóng đủ ngày 02/11, có biên lai", False)
    own = records.record_objection(resident, second, "Hộ này để rác lấn lối đi chung")
    records.answer_objection(inspector, second, own.id, "Đã xác minh: đúng", True)
    db.session.commit()
    return first, second


# --- the group's proposal ----------------------------------------------------------------------------------------

def test_the_proposal_lists_the_groups_dossiers_with_votes_and_objections(api, world):
    first, second = on_notice_with_objections(world)
    other_group = world.dossier(State.PUBLIC_NOTICE, group="G2")
    response = api.as_("group_committee").get(proposal_url(world))
    assert response.status_code == 200, response.json
    body = response.json
    meeting = meetings.meeting_of(world.units["G1"].id, world.campaign.id)
    assert (body["unit_id"], body["campaign_id"], body["meeting_id"]) == (world.units["G1"].id, world.campaign.id,
                                                                          meeting.id)
    items = {i["dossier_id"]: i for i in body["items"]}
    assert set(items) == {first.id, second.id} and other_group.id not in items
    assert set(items[first.id]) == {"dossier_id", "subject_name", "title", "votes_for", "attendees", "objections",
                                    "upheld", "state"}
    assert (items[first.id]["objections"], items[first.id]["upheld"]) == (1, 0)
    assert (items[second.id]["objections"], items[second.id]["upheld"]) == (1, 1)
    assert items[first.id]["votes_for"] == first.meeting_vote.votes_for
    assert items[first.id]["attendees"] == meeting.attendees and items[first.id]["state"] == "public_notice"
    # the ward's reviewers of that scope read it too
    for reader in ("ward_inspector", "chairman", "auditor"):
        assert api.as_(reader).get(proposal_url(world)).json == body, reader


@pytest.mark.parametrize("who", ["committee2", "outsider_committee", "applicant", "resident", "outsider_chairman"])
def test_the_proposal_is_not_found_outside_the_readers_scope(api, world, who):
    on_notice_with_objections(world)
    response = api.as_(who).get(proposal_url(world))
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found", who


def test_the_proposal_paper_is_a_decree_30_paper_signed_by_the_groups_head(client, auth, world):
    first, second = on_notice_with_objections(world)
    auth.login("group_committee")
    page = html(client.get(proposal_url(world)))
    for part in ("UBND PHƯỜNG THỬ", "TỔ DÂN PHỐ 1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "VĂN BẢN ĐỀ NGHỊ",
                 "Kính gửi:</strong> Ủy ban nhân dân phường Thử", "Nghị định số 86/2023/NĐ-CP", "DANH SÁCH TỔNG HỢP",
                 first.subject_name, second.subject_name, "<td>Niêm yết công khai</td>",
                 "nhận được 02 ý kiến phản ánh, trong đó 01 ý kiến được xác minh là đúng",
                 "Biên bản họp bình xét ngày", "TỔ TRƯỞNG", 'href="?format=pdf"', 'id="print-button"'):
        assert part in page, part
    table = page.split('<table class="paper-table proposal-list">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 3  # the head and two households
    # linked from the meeting page and the group's list of meetings
    meeting_page = client.get(f"/meetings/{world.units['G1'].id}/{world.campaign.id}").get_data(as_text=True)
    assert proposal_url(world) in meeting_page
    assert proposal_url(world) in client.get("/meetings").get_data(as_text=True)
    auth.login("committee2")
    assert client.get(proposal_url(world)).status_code == 404


def test_the_proposal_reads_as_sets(api, world):
    for _ in range(2):
        on_notice_with_objections(world)
    committee = api.as_("group_committee")
    db.session.expire_all()
    with counting() as few:
        assert len(committee.get(proposal_url(world)).json["items"]) == 4
    for _ in range(3):
        on_notice_with_objections(world)
    db.session.expire_all()
    with counting() as many:
        assert len(committee.get(proposal_url(world)).json["items"]) == 10
    assert len(many) == len(few), many  # no query per dossier


def test_the_proposal_pdf(client, auth, world):
    on_notice_with_objections(world)
    auth.login("chairman")
    response = client.get(proposal_url(world) + "?format=pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")


# --- the minutes v2 ----------------------------------------------------------------------------------------------

MINUTES_V2 = {"started_at": "19:30", "ended_at": "21:15", "place": "Nhà văn hóa tổ dân phố 1",
              "secretary": "Phạm Thu Hà", "vote_method": "secret_ballot",
              "participants": [{"name": "Nguyễn Văn An", "role": "Bí thư chi bộ"},
                               {"name": "Lê Thị Bình", "role": "Trưởng ban công tác Mặt trận"},
                               {"name": "Đỗ Văn Cường", "role": "Chi hội trưởng Hội Cựu chiến binh"}],
              "opinions": "Ông Tâm đề nghị xem lại việc giữ vệ sinh ngõ 3."}


def test_the_minutes_carry_the_new_fields_by_the_api_and_print_them(api, client, auth, world):
    dossiers = assessed_group(world, 2)
    committee = api.as_("group_committee")
    url = f"/units/{world.units['G1'].id}/meetings/{world.campaign.id}"
    response = committee.put(url, json=meeting_payload(dossiers, [25, 24], **MINUTES_V2))
    assert response.status_code == 200, response.json
    saved = response.json
    assert {k: saved[k] for k in MINUTES_V2} == MINUTES_V2
    assert committee.get(url).json == saved
    auth.login("group_committee")
    page = html(client.get(f"/meetings/{saved['id']}/minutes"))
    for part in ("vào lúc 19 giờ 30 phút", "tại Nhà văn hóa tổ dân phố 1", "Thư ký: Phạm Thu Hà",
                 "Nguyễn Văn An — Bí thư chi bộ", "Lê Thị Bình — Trưởng ban công tác Mặt trận",
                 "hình thức: bỏ phiếu kín", "Ông Tâm đề nghị xem lại", "kết thúc vào lúc 21 giờ 15 phút",
                 "THƯ KÝ", "CHỦ TRÌ"):
        assert part in page, part
    signatures = page.split('class="paper-signatures"', 1)[1]
    assert "Phạm Thu Hà" in signatures and "Nguyễn Văn Hùng" in signatures  # secretary and chair sign


def test_an_end_before_the_start_is_refused_and_nothing_is_written(api, world):
    dossiers = assessed_group(world, 1)
    committee = api.as_("group_committee")
    url = f"/units/{world.units['G1'].id}/meetings/{world.campaign.id}"
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    for bad, field, words in (({"started_at": "20:00", "ended_at": "19:00"}, "ended_at", "không thể trước"),
                              ({"started_at": "25:00"}, "started_at", "giờ không hợp lệ"),
                              ({"vote_method": "raise_hands"}, "vote_method", "show_of_hands"),
                              ({"participants": [{"role": "Bí thư"}]}, "participants[0].name", "bắt buộc")):
        response = committee.put(url, json=meeting_payload(dossiers, [25], **bad))
        assert response.status_code == 422, (bad, response.json)
        assert words in response.json["error"]["fields"][field], response.json
    assert db.session.scalar(select(func.count(GroupMeeting.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_the_meeting_page_shows_the_new_fields_and_refuses_an_end_before_the_start(client, auth, world):
    dossiers = assessed_group(world, 1)
    auth.login("group_committee")
    url = f"/meetings/{world.units['G1'].id}/{world.campaign.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "held_on": (clock.now().date() - timedelta(days=1)).isoformat(), "invited": "40",
            "attendees": "30", "chaired_by": "Nguyễn Văn Hùng", "secretary": "Phạm Thu Hà",
            "place": "Nhà văn hóa tổ 1", "started_at": "20:00", "ended_at": "19:30", "vote_method": "show_of_hands",
            "participants": "Nguyễn Văn An - Bí thư chi bộ\nLê Thị Bình - Trưởng ban công tác Mặt trận",
            "opinions": "Không có ý kiến khác.", f"votes-{dossiers[0].id}": "25"}
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    page = html(refused)
    error = re.search(r'id="ended_at-error"[^>]*>([^<]+)<', page)
    assert error and "giờ kết thúc (19:30) không thể trước giờ bắt đầu (20:00)" in error.group(1)
    assert db.session.scalar(select(func.count(GroupMeeting.id))) == 0
    saved = client.post(url, data={**form, "ended_at": "21:00"})
    assert saved.status_code == 302
    meeting = meetings.meeting_of(world.units["G1"].id, world.campaign.id)
    assert (f"{meeting.started_at:%H:%M}", f"{meeting.ended_at:%H:%M}", meeting.vote_method) == (
        "20:00", "21:00", "show_of_hands")
    assert meeting.participants == [{"name": "Nguyễn Văn An", "role": "Bí thư chi bộ"},
                                    {"name": "Lê Thị Bình", "role": "Trưởng ban công tác Mặt trận"}]
    page = html(client.get(url))
    assert "Nguyễn Văn An - Bí thư chi bộ" in page and 'value="20:00"' in page and "Phạm Thu Hà" in page


# --- the inspection team -----------------------------------------------------------------------------------------

TEAM = [{"name": "Hoàng Văn Đức", "role": "head"}, {"name": "Vũ Thị Én", "role": "member"},
        {"name": "Ngô Văn Phúc", "role": "member"}]


def inspected(api, world, **extra):
    dossier = world.dossier(State.WARD_INSPECTION)
    inspector = api.as_("ward_inspector")
    items = [{"criterion": c.code, "met": True, "points": c.max_points} for c in dossier.criteria_set.criteria]
    response = inspector.put(f"/dossiers/{dossier.id}/inspection",
                             json={"version": dossier.version, "items": items, "recommendation": "pass", **extra})
    return dossier, response


def test_the_inspection_team_and_times_are_saved_and_printed(api, client, auth, world):
    dossier, response = inspected(api, world, team=TEAM, started_at="08:00", ended_at="09:40")
    assert response.status_code == 200, response.json
    assert response.json["inspection"] == {"team": TEAM, "started_at": "08:00", "ended_at": "09:40"}
    moved = api.as_("ward_inspector").post(f"/dossiers/{dossier.id}/transitions", json={
        "trigger": "complete_inspection", "version": response.json["version"], "data": {"recommendation": "pass"}})
    assert moved.status_code == 200, moved.json
    auth.login("chairman")
    page = html(client.get(f"/dossiers/{dossier.id}/inspection-minutes"))
    for part in ("hồi 08 giờ 00 phút", "Hoàng Văn Đức — Trưởng đoàn", "Vũ Thị Én — Thành viên",
                 "Ngô Văn Phúc — Thành viên", "lập xong hồi 09 giờ 40 phút", "lập thành 02 bản",
                 "TRƯỞNG ĐOÀN KIỂM TRA"):
        assert part in page, part


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"started_at": "10:00", "ended_at": "09:00"}, "ended_at", "không thể trước"),
    ({"team": [{"name": "Vũ Thị Én", "role": "member"}]}, "team", "đúng một trưởng đoàn"),
    ({"team": [{"name": "Hoàng Văn Đức", "role": "chief"}]}, "team[0].role", "head"),
])
def test_a_bad_inspection_team_or_time_is_refused(api, world, extra, field, words):
    dossier, response = inspected(api, world, **extra)
    assert response.status_code == 422, response.json
    assert words in response.json["error"]["fields"][field]
    db.session.refresh(dossier)
    assert dossier.inspection_team is None and not dossier.inspection_items


# --- objections recorded by the committee ------------------------------------------------------------------------

def test_the_committee_records_and_answers_an_objection_and_an_applicant_cannot(api, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    committee = api.as_("group_committee")
    filed = committee.post(f"/dossiers/{dossier.id}/objections",
                           json={"text": "Hộ này chưa tham gia dọn vệ sinh", "resident_name": "Ông Lý Văn Sơn"})
    assert filed.status_code == 201, filed.json
    assert filed.json["resident_name"] == "Ông Lý Văn Sơn"
    # the dossier's own applicant may neither record an objection to it nor answer one
    own = api.as_("applicant").post(f"/dossiers/{dossier.id}/objections", json={"text": "Tự phản ánh"})
    assert own.status_code == 403
    refused = api.as_("resident").post(f"/dossiers/{dossier.id}/objections/{filed.json['id']}/answer",
                                       json={"answer": "Tôi trả lời", "upheld": False})
    assert refused.status_code == 403
    answered = committee.post(f"/dossiers/{dossier.id}/objections/{filed.json['id']}/answer",
                              json={"answer": "Đã xác minh: hộ có tham gia", "upheld": False})
    assert answered.status_code == 200, answered.json
    events = db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.dossier_id == dossier.id)).all()
    assert "objection_recorded" in events and "objection_answered" in events


def test_the_committee_writes_an_objection_down_on_the_dossier_page(client, auth, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    auth.login("group_committee")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert 'name="resident_name"' in page
    saved = client.post(f"/dossiers/{dossier.id}/objections", data={
        "csrf_token": csrf_from(page), "text": "Phản ánh bằng giấy: hộ này chưa đóng quỹ",
        "resident_name": "Bà Trần Thị Lan"})
    assert saved.status_code == 302
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert "Người phản ánh: Bà Trần Thị Lan" in page and f'action="/dossiers/{dossier.id}/objections/' in page
