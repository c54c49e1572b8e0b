"""The chairman's decision as an official paper (Decree 30/2020/NĐ-CP): issuing body, number, national name and
motto, place and date, title, grounds, articles, recipients, the signature block of whoever signed, and the annex
list of the decision's dossiers; a refusal says so in its title; nobody outside the decision's scope finds it."""

from datetime import date

import pytest
from sqlalchemy import select

from models import AuditEvent
from states.enums import State, Title
from workflow import clock
from workflow.extensions import db
from workflow.services import decisions
from workflow.services.documents import official_date


def html(response) -> str:
    return response.get_data(as_text=True)


def signed(world, outcome: str = "recognize", number: str = "135/QĐ-UBND", **extra):
    """One decision over two dossiers of the group and the group itself, signed today by the chairman."""
    family = world.dossier(State.AWAITING_DECISION)
    other = world.dossier(State.AWAITING_DECISION, subject_name="Hộ bà Lê Thị Hoa")
    payload = {"number": number, "signed_on": clock.now().date().isoformat(), "outcome": outcome,
               "dossier_ids": [family.id, other.id], **extra}
    decision = decisions.record_decision(world.users["chairman"], payload)
    db.session.commit()
    return decision, [family, other]


def test_the_decision_reads_as_the_state_layout(client, auth, world):
    decision, listed = signed(world)
    auth.login("chairman")
    response = client.get(f"/review/decisions/{decision.id}/document")
    assert response.status_code == 200
    page = html(response)
    for part in ("ỦY BAN NHÂN DÂN", "PHƯỜNG THỬ", "Số: 135/QĐ-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", f"Thử, {official_date(decision.signed_on)}", "QUYẾT ĐỊNH",
                 "Về việc công nhận danh hiệu “Gia đình kiểu mẫu” năm", "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ",
                 # each ground with its number, date, issuer and title (Decree 30/2020)
                 "Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16 tháng 6 năm 2025;",
                 "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;",
                 "Căn cứ Nghị định số 86/2023/NĐ-CP ngày 07 tháng 12 năm 2023 của Chính phủ",
                 "Căn cứ Quyết định số 09/2019/QĐ-UBND ngày 09 tháng 4 năm 2019 của Ủy ban nhân dân tỉnh Thanh Hóa",
                 "Theo đề nghị của Hội đồng Thi đua - Khen thưởng phường", "QUYẾT ĐỊNH:",
                 "Điều 1.", "Điều 2.", "Điều 3.", "Văn phòng HĐND-UBND", "chịu trách nhiệm thi hành",
                 f"cho {len(listed):02d} hộ gia đình có tên trong danh sách",
                 # Nơi nhận as a ward sends it
                 "Nơi nhận:", "Như Điều 3;", "Đảng ủy phường (để báo cáo);", "Thường trực HĐND phường (để báo cáo);",
                 "Ủy ban MTTQ Việt Nam phường;", "Lưu: VT.",
                 "Kèm theo Quyết định số 135/QĐ-UBND", "của Chủ tịch Ủy ban nhân dân phường Thử)",
                 f"Danh sách gồm {len(listed):02d} hộ gia đình./.", world.users["chairman"].full_name):
        assert part in page, part
    # The chairman's own power (Decree 86/2023): signed CHỦ TỊCH, never the collective TM. ỦY BAN NHÂN DÂN.
    signature = page.split('class="paper-signature"', 1)[1]
    assert '<p class="sign-role"><strong>CHỦ TỊCH</strong></p>' in signature
    assert "TM. ỦY BAN NHÂN DÂN" not in page and "KT. CHỦ TỊCH" not in page and "không công nhận" not in page
    annex = page.split('<table class="annex">', 1)[1].split("</table>", 1)[0]
    assert annex.count("<tr>") == 1 + len(listed)  # the header and one row per dossier
    for dossier in listed:
        assert dossier.subject_name in annex and dossier.unit.name in annex
    assert "Gia đình kiểu mẫu" in annex
    assert 'id="print-button"' in page  # the "In" button, hidden in print (no-print)
    assert "/static/document.css" in page


def test_the_decision_page_links_to_its_paper(client, auth, world):
    decision, _ = signed(world)
    auth.login("auditor")
    page = html(client.get(f"/review/decisions/{decision.id}"))
    assert f'href="/decisions/{decision.id}/document"' in page  # API.md's path
    assert client.get(f"/decisions/{decision.id}/document").get_data(as_text=True) == \
        client.get(f"/review/decisions/{decision.id}/document").get_data(as_text=True)
    assert '<p class="sign-role"><strong>CHỦ TỊCH</strong></p>' in page  # the shared block on the decision page


def test_a_refusal_is_a_notice_with_each_households_reason(client, auth, world):
    """Decree 86/2023: those not recognized are told in writing with the reasons — a THÔNG BÁO (TB), addressed to
    the groups and households, each with its own reason; never a decision listing names."""
    family = world.dossier(State.AWAITING_DECISION, approve=False)
    other = world.dossier(State.AWAITING_DECISION, approve=False, subject_name="Hộ bà Lê Thị Hoa")
    notice = decisions.record_decision(world.users["chairman"], {
        "number": "12/TB-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "refuse",
        "dossier_ids": [family.id, other.id],
        "reasons": {str(family.id): "Chưa đạt tiêu chí vệ sinh môi trường (đạt 70/100 điểm)",
                    str(other.id): "Có người vi phạm quy định về trật tự công cộng trong năm"}})
    db.session.commit()
    auth.login("chairman")
    page = html(client.get(f"/review/decisions/{notice.id}/document"))
    for part in ("THÔNG BÁO", "Số: 12/TB-UBND", "Về việc không công nhận danh hiệu “Gia đình kiểu mẫu”",
                 "Kính gửi:", "Trưởng Tổ dân phố 1;", "Các hộ gia đình có tên dưới đây.",
                 "đối với 02 hộ gia đình", "Lý do không công nhận",
                 "Chưa đạt tiêu chí vệ sinh môi trường (đạt 70/100 điểm)",
                 "Có người vi phạm quy định về trật tự công cộng trong năm", "Nơi nhận:", "Như trên;"):
        assert part in page, part
    assert "QUYẾT ĐỊNH" not in page and "Điều 1." not in page and "TM. ỦY BAN NHÂN DÂN" not in page
    assert '<p class="sign-role"><strong>CHỦ TỊCH</strong></p>' in page
    # Each household's event carries its own reason.
    events = {d.id: db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == d.id)
                                       .order_by(AuditEvent.seq.desc()).limit(1)).one() for d in (family, other)}
    assert events[family.id].trigger == "refuse" and "70/100" in events[family.id].comment
    assert "trật tự công cộng" in events[other.id].comment


def test_a_household_reads_its_own_letter_and_not_its_neighbours(client, auth, world):
    family = world.dossier(State.AWAITING_DECISION, approve=False)
    neighbour = world.dossier(State.AWAITING_DECISION, approve=False, group="G2", subject_name="Hộ bà Lê Thị Hoa")
    notice = decisions.record_decision(world.users["chairman"], {
        "number": "13/TB-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "refuse",
        "dossier_ids": [family.id, neighbour.id], "comment": "Hội đồng không đề nghị công nhận",
        "reasons": {str(family.id): "Chưa hoàn thành cam kết giữ gìn vệ sinh chung"}})
    db.session.commit()
    auth.login("applicant")  # the applicant of group 1: her own household only
    detail = html(client.get(f"/dossiers/{family.id}"))
    assert f'href="/dossiers/{family.id}/notice"' in detail
    letter = html(client.get(f"/dossiers/{family.id}/notice"))
    for part in ("THÔNG BÁO", "Số: 13/TB-UBND", "Kính gửi:", family.subject_name.replace("Hộ ông", "Hộ gia đình ông"),
                 "chưa được công nhận danh hiệu “Gia đình kiểu mẫu”",
                 "Lý do: Chưa hoàn thành cam kết giữ gìn vệ sinh chung"):
        assert part in letter, part
    assert "Lê Thị Hoa" not in letter
    assert client.get(f"/review/decisions/{notice.id}/document").status_code == 404  # it names a neighbour
    assert client.get(f"/dossiers/{neighbour.id}/notice").status_code == 404
    auth.login("chairman")
    whole = html(client.get(f"/review/decisions/{notice.id}/document"))
    assert "Lê Thị Hoa" in whole and "Hội đồng không đề nghị công nhận" in whole  # the common reason for her


def test_a_refusal_needs_a_notice_number_and_every_reason(client, auth, world):
    from workflow.services.errors import ValidationFailed

    family = world.dossier(State.AWAITING_DECISION, approve=False)
    other = world.dossier(State.AWAITING_DECISION, approve=False)
    base = {"signed_on": clock.now().date().isoformat(), "outcome": "refuse", "dossier_ids": [family.id, other.id]}
    with pytest.raises(ValidationFailed) as wrong:
        decisions.record_decision(world.users["chairman"], {**base, "number": "14/QĐ-UBND", "comment": "Không đạt"})
    assert set(wrong.value.fields) == {"number"} and "TB-UBND" in str(wrong.value.fields["number"])
    with pytest.raises(ValidationFailed) as missing:
        decisions.record_decision(world.users["chairman"], {**base, "number": "14/TB-UBND",
                                                            "reasons": {str(family.id): "Không đạt"}})
    assert "reasons" in missing.value.fields and str(other.id) in str(missing.value.fields["reasons"])
    with pytest.raises(ValidationFailed) as blank:
        decisions.record_decision(world.users["chairman"], {**base, "number": "14/TB-UBND", "comment": "x",
                                                            "reasons": {str(family.id): "   "}})
    assert f"reasons.{family.id}" in blank.value.fields
    db.session.rollback()
    db.session.expire_all()
    assert family.state == State.AWAITING_DECISION and other.state == State.AWAITING_DECISION


def test_the_results_list_leaves_out_those_refused(client, auth, world):
    family = world.dossier(State.AWAITING_DECISION, approve=False, subject_name="Hộ ông Phan Văn Khải")
    decisions.record_decision(world.users["chairman"], {
        "number": "15/TB-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "refuse",
        "dossier_ids": [family.id], "comment": "Không đạt"})
    world.dossier(State.RECOGNIZED, subject_name="Hộ bà Trần Thị Lành")
    db.session.commit()
    auth.login("chairman")
    csv = html(client.get(f"/dossiers/results?format=csv&campaign_id={world.campaign.id}"))
    assert "Trần Thị Lành" in csv and "Phan Văn Khải" not in csv


def test_a_decision_signed_under_delegation_carries_kt_chu_tich(client, auth, world):
    from workflow.services import delegations
    from workflow.services.dossiers import apply_transition

    today = clock.now().date()
    dossier = world.dossier(State.AWAITING_DECISION)
    delegations.grant(world.users["chairman"], {"to_username": "vice_chairman", "role": "chairman",
                                                "unit_code": "WARD", "starts_on": today, "ends_on": today,
                                                "reason": "Chủ tịch họp tại tỉnh"})
    apply_transition(world.users["vice_chairman"], dossier, "recognize", dossier.version, "",
                     {"decision_number": "04/QĐ-UBND", "signed_on": today.isoformat()})
    db.session.commit()
    auth.login("chairman")
    page = html(client.get(f"/review/decisions/{dossier.decision_id}/document"))
    signature = page.split('class="paper-signature"', 1)[1]
    assert "KT. CHỦ TỊCH" in signature and "PHÓ CHỦ TỊCH" in signature and "TM. ỦY BAN NHÂN DÂN" not in signature
    assert world.users["vice_chairman"].full_name in signature
    assert world.users["chairman"].full_name not in signature


def test_a_group_title_and_a_family_title_in_one_decision(client, auth, world):
    family = world.dossier(State.AWAITING_DECISION)
    group = world.dossier(State.AWAITING_DECISION, title=Title.MODEL_GROUP, subject_name="Tổ dân phố 1")
    decision = decisions.record_decision(world.users["chairman"], {
        "number": "140/QĐ-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [family.id, group.id]})
    db.session.commit()
    auth.login("chairman")
    page = html(client.get(f"/review/decisions/{decision.id}/document"))
    assert "“Gia đình kiểu mẫu” và “Tổ dân phố kiểu mẫu”" in page
    assert "Tổ dân phố kiểu mẫu" in page.split('<table class="annex">', 1)[1]


def test_nobody_outside_the_decisions_scope_finds_it(client, auth, world):
    decision, _ = signed(world)
    for outsider in ("outsider_chairman", "applicant9", "outsider_committee"):
        auth.login(outsider)
        response = client.get(f"/review/decisions/{decision.id}/document")
        assert response.status_code == 404, outsider
        assert "135/QĐ-UBND" not in html(response)
    auth.login("chairman")
    assert client.get("/review/decisions/999999/document").status_code == 404


def test_signed_in_only(client, world):
    decision, _ = signed(world)
    response = client.get(f"/review/decisions/{decision.id}/document")
    assert response.status_code in (302, 401)


def test_official_dates_take_leading_zeros():
    assert official_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert official_date(date(2025, 12, 18)) == "ngày 18 tháng 12 năm 2025"
    assert official_date(date(2025, 3, 9)) == "ngày 09 tháng 3 năm 2025"


def pdf_text(data: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_decision_as_pdf_holds_the_same_paper(client, auth, world):
    decision, listed = signed(world)
    auth.login("chairman")
    response = client.get(f"/decisions/{decision.id}/document?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.data.startswith(b"%PDF-")
    text = " ".join(pdf_text(response.data).split())
    for part in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 135/QĐ-UBND", "Căn cứ Luật Thi đua, khen thưởng",
                 "QUYẾT ĐỊNH:", "Điều 1.", "Nơi nhận:", "CHỦ TỊCH", world.users["chairman"].full_name,
                 *(d.subject_name for d in listed)):
        assert part in text, part
    assert "TM. ỦY BAN NHÂN DÂN" not in text
    assert "In" not in text.split()[:3] and "Về trang quyết định" not in text  # no app chrome, no buttons


def test_only_the_page_or_its_pdf(client, auth, world):
    decision, _ = signed(world)
    auth.login("chairman")
    response = client.get(f"/decisions/{decision.id}/document?format=docx")
    assert response.status_code == 400 and "format=pdf" in html(response)
    auth.login("applicant9")
    assert client.get(f"/decisions/{decision.id}/document?format=pdf").status_code == 404


def _campaign_form(client, world) -> dict:
    from tests.web.test_forms import csrf_from

    page = html(client.get(f"/admin/campaigns/{world.campaign.id}"))
    c = world.campaign
    return {"csrf_token": csrf_from(page), "name": c.name,
            **{k: getattr(c, k).isoformat() for k in ("registration_opens", "registration_closes",
                                                      "assessment_due", "inspection_due", "decision_due")},
            "group_quorum": "60", "group_approval": "60", "notice_days": "10", "council_quorum": "66.67",
            "council_approval": "70", "pass_points": "85", "decision_days": "10", "publication_days": "15"}, page


def test_a_campaign_writes_its_own_grounds_and_the_decision_cites_them(client, auth, world):
    auth.login("admin")
    fields, page = _campaign_form(client, world)
    assert "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;" in page  # to edit
    own = ("Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;\r\n\r\n"
           "Căn cứ Quyết định số 22/2024/QĐ-UBND của Ủy ban nhân dân tỉnh Phú Thọ;\r\n"
           "  Xét đề nghị của Hội đồng Thi đua – Khen thưởng phường.  ")
    assert client.post(f"/admin/campaigns/{world.campaign.id}", data={**fields, "grounds": own}).status_code == 302
    decision, _ = signed(world)
    auth.login("chairman")
    paper = html(client.get(f"/decisions/{decision.id}/document"))
    grounds = paper.split('class="paper-grounds"', 1)[1].split("QUYẾT ĐỊNH:", 1)[0]
    assert grounds.count("<p>") == 3
    assert "22/2024/QĐ-UBND của Ủy ban nhân dân tỉnh Phú Thọ" in grounds and "09/2019" not in grounds
    auth.login("admin")
    assert client.post(f"/admin/campaigns/{world.campaign.id}", data={**fields, "grounds": ""}).status_code == 302
    auth.login("chairman")
    assert "09/2019/QĐ-UBND" in html(client.get(f"/decisions/{decision.id}/document"))  # empty: the standard ones


def test_too_many_grounds_are_named_beside_the_field(client, auth, world):
    auth.login("admin")
    fields, _ = _campaign_form(client, world)
    response = client.post(f"/admin/campaigns/{world.campaign.id}",
                           data={**fields, "grounds": "\n".join(f"Căn cứ số {i};" for i in range(13))})
    assert response.status_code == 422 and "nhiều nhất 12 căn cứ" in html(response)
    response = client.post(f"/admin/campaigns/{world.campaign.id}", data={**fields, "grounds": "x" * 501})
    assert response.status_code == 422 and "mỗi căn cứ dài nhất 500 ký tự" in html(response)


def test_a_collective_decision_is_signed_for_the_committee(client, auth, world):
    """A campaign whose decisions are the People's Committee's as a body: authority line without CHỦ TỊCH, block
    TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH, and the annex says it is the committee's decision."""
    world.campaign.decision_authority = "committee"
    db.session.commit()
    decision, _ = signed(world)
    auth.login("chairman")
    page = html(client.get(f"/review/decisions/{decision.id}/document"))
    assert '<p class="paper-authority"><strong>ỦY BAN NHÂN DÂN PHƯỜNG THỬ</strong></p>' in page
    signature = page.split('class="paper-signature"', 1)[1]
    assert "TM. ỦY BAN NHÂN DÂN<br>CHỦ TỊCH" in signature
    assert "của Ủy ban nhân dân phường Thử)" in page and "của Chủ tịch Ủy ban nhân dân" not in page


def test_counts_are_split_by_kind_and_two_digits(world):
    from workflow.services.documents import counted, place_of

    citizen = world.dossier(State.AWAITING_DECISION, title=Title.MODEL_CITIZEN, subject_name="Nguyễn Văn An")
    families = [world.dossier(State.AWAITING_DECISION) for _ in range(5)]
    assert counted([citizen, *families]) == "01 công dân, 05 hộ gia đình"
    assert counted(families * 3) == "15 hộ gia đình"
    assert place_of("Phường Tân Dân") == "Tân Dân" and place_of("Phường 1") == "Phường 1"
    assert place_of("Xã Quảng Phú") == "Quảng Phú" and place_of("Thị trấn 12") == "Thị trấn 12"
