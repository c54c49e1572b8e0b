"""The chairman's decision as an official paper (Decree 30/2020/NĐ-CP): issuing body, number, national name and
motto, place and date, title, grounds, articles, recipients, the signature block of whoever signed, and the annex
list of the decision's dossiers; a refusal says so in its title; nobody outside the decision's scope finds it."""

from datetime import date

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
                 "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", "152/2025/NĐ-CP",
                 "09/2019/QĐ-UBND", "Xét đề nghị của Hội đồng Thi đua – Khen thưởng phường", "QUYẾT ĐỊNH:",
                 "Điều 1.", "Điều 2.", "Điều 3.", "Văn phòng HĐND-UBND", "chịu trách nhiệm thi hành",
                 "Nơi nhận:", "Như Điều 3;", "Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "Kèm theo Quyết định số 135/QĐ-UBND",
                 world.users["chairman"].full_name):
        assert part in page, part
    assert "KT. CHỦ TỊCH" not in page and "không công nhận" not in page
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
    assert "TM. ỦY BAN NHÂN DÂN" in page  # the shared signature block still on the decision page


def test_a_refusal_says_so_in_its_title(client, auth, world):
    decision, listed = signed(world, outcome="refuse", number="136/QĐ-UBND",
                              comment="Hội đồng không đề nghị công nhận")
    auth.login("chairman")
    page = html(client.get(f"/review/decisions/{decision.id}/document"))
    assert "Về việc không công nhận danh hiệu “Gia đình kiểu mẫu”" in page
    assert "Không công nhận danh hiệu" in page and "Lý do: Hội đồng không đề nghị công nhận" in page
    assert all(d.subject_name in page for d in listed)


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
