"""Each paper read whole, as a ward's legal officer reads it before signing: its parts in the order Decree 30/2020
lays them out (issuing body and number, national name and motto, place and date, the kind of paper and what it is
about, the grounds, the body, the recipients, the signature block of whoever signed, the signer's name), nothing
of the app's chrome among them, and nothing a paper of that kind must not say."""

from __future__ import annotations

import html as markup
import re

from states.enums import State
from tests.web.test_certificates import REVOCATION, revoke, signed
from workflow import clock
from workflow.extensions import db
from workflow.services import decisions, delegations
from workflow.services.documents import official_date
from workflow.services.dossiers import apply_transition


def paper_text(response) -> str:
    """The words of the paper as printed: the <article> only, tags and buttons' rows gone, spaces collapsed."""
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    article = page[page.index("<article"):page.rindex("</article>")]
    article = re.sub(r"<(script|style)\b.*?</\1>", " ", article, flags=re.S)
    article = re.sub(r'<(div|p|nav)[^>]*class="[^"]*no-print[^"]*".*?</\1>', " ", article, flags=re.S)
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def reads_in_order(text: str, parts: list[str]) -> None:
    """Every part is there, each after the one before it."""
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} missing after {text[max(0, at - 80):at]!r}" if part in text \
            else f"{part!r} missing from the paper"
        at = found + len(part)


def test_a_recognizing_decision_reads_whole_in_decree_30s_order(client, auth, world):
    decision, listed = signed(world)
    day, chairman = official_date(decision.signed_on), world.users["chairman"].full_name
    auth.login("chairman")
    text = paper_text(client.get(f"/decisions/{decision.id}/document"))
    reads_in_order(text, [
        "ỦY BAN NHÂN DÂN PHƯỜNG THỬ", "Số: 135/QĐ-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", f"Thử, {day}",
        "QUYẾT ĐỊNH", f"Về việc công nhận danh hiệu “Gia đình kiểu mẫu” năm {world.campaign.year}",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ",
        "Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16 tháng 6 năm 2025;",
        "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;",
        "Căn cứ Nghị định số 86/2023/NĐ-CP ngày 07 tháng 12 năm 2023 của Chính phủ",
        "Căn cứ Quyết định số 09/2019/QĐ-UBND",
        "Theo đề nghị của Hội đồng Thi đua - Khen thưởng phường",
        "QUYẾT ĐỊNH:",
        "Điều 1.", "cho 02 hộ gia đình có tên trong danh sách kèm theo Quyết định này.",
        "Điều 2.", "có hiệu lực kể từ ngày ký",
        "Điều 3.", "chịu trách nhiệm thi hành Quyết định này./.",
        "Nơi nhận:", "Như Điều 3;", "Đảng ủy phường (để báo cáo);", "Thường trực HĐND phường (để báo cáo);",
        "Ủy ban MTTQ Việt Nam phường;", "Lưu: VT.",
        "CHỦ TỊCH", chairman,
        # the annex: its own title, which decision it goes with, then the rows in order
        "DANH SÁCH CÔNG NHẬN", "(Kèm theo Quyết định số 135/QĐ-UBND",
        # the rows by group, then name
        *[part for number, name in enumerate(sorted(d.subject_name for d in listed), 1)
          for part in (str(number), name)],
        "Danh sách gồm 02 hộ gia đình./."])
    assert "TM. ỦY BAN NHÂN DÂN" not in text and "KT. CHỦ TỊCH" not in text and "không công nhận" not in text
    assert "Tải PDF" not in text and "Về trang quyết định" not in text  # the buttons are not part of the paper


def test_a_refusal_notice_reads_whole_with_each_households_reason(client, auth, world):
    first = world.dossier(State.AWAITING_DECISION, approve=False)
    second = world.dossier(State.AWAITING_DECISION, approve=False, subject_name="Hộ bà Lê Thị Hoa")
    notice = decisions.record_decision(world.users["chairman"], {
        "number": "12/TB-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "refuse",
        "dossier_ids": [first.id, second.id],
        "reasons": {str(first.id): "Chưa đạt tiêu chí vệ sinh môi trường (đạt 70/100 điểm)",
                    str(second.id): "Có người vi phạm quy định về trật tự công cộng trong năm"}})
    db.session.commit()
    auth.login("chairman")
    text = paper_text(client.get(f"/decisions/{notice.id}/document"))
    reads_in_order(text, [
        "ỦY BAN NHÂN DÂN PHƯỜNG THỬ", "Số: 12/TB-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", f"Thử, {official_date(notice.signed_on)}",
        "THÔNG BÁO", "Về việc không công nhận danh hiệu “Gia đình kiểu mẫu”",
        "Kính gửi:", "Trưởng Tổ dân phố 1;", "Các hộ gia đình có tên dưới đây.",
        "đối với 02 hộ gia đình", "Lý do không công nhận",
        second.subject_name, "Có người vi phạm quy định về trật tự công cộng trong năm",  # "Hộ bà" before "Hộ ông"
        first.subject_name, "Chưa đạt tiêu chí vệ sinh môi trường (đạt 70/100 điểm)",
        "tiếp tục phấn đấu", "thông báo để các tổ dân phố",
        "Nơi nhận:", "Như trên;", "CHỦ TỊCH", world.users["chairman"].full_name])
    # A notice is not a decision: no articles, no "QUYẾT ĐỊNH", no grounds of a decision.
    assert "QUYẾT ĐỊNH" not in text and "Điều 1." not in text and "TM. ỦY BAN NHÂN DÂN" not in text

    # Each household's own letter: the same notice, addressed to it alone, with its own reason only.
    auth.login("applicant")
    letter = paper_text(client.get(f"/dossiers/{first.id}/notice"))
    reads_in_order(letter, [
        "ỦY BAN NHÂN DÂN PHƯỜNG THỬ", "Số: 12/TB-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "THÔNG BÁO",
        "Kính gửi:", first.subject_name.replace("Hộ ông", "Hộ gia đình ông"),
        "chưa được công nhận danh hiệu “Gia đình kiểu mẫu”",
        "Lý do: Chưa đạt tiêu chí vệ sinh môi trường (đạt 70/100 điểm)",
        "Nơi nhận:", "Như trên;", "Lưu: VT.", "CHỦ TỊCH", world.users["chairman"].full_name])
    assert second.subject_name not in letter and "trật tự công cộng" not in letter


def test_a_revocation_reads_whole_as_a_decision(client, auth, world):
    _, (family, _) = signed(world)
    revoke(world, family)
    auth.login("chairman")
    text = paper_text(client.get(f"/dossiers/{family.id}/revocation"))
    reads_in_order(text, [
        "ỦY BAN NHÂN DÂN PHƯỜNG THỬ", f"Số: {REVOCATION}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "QUYẾT ĐỊNH", "Về việc thu hồi danh hiệu “Gia đình kiểu mẫu”", "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ",
        "Căn cứ", "135/QĐ-UBND", "QUYẾT ĐỊNH:",
        "Điều 1.", "Hộ gia đình ông Trần Văn Bình", "Điều 2.", "không còn giá trị", "Điều 3.",
        "Nơi nhận:", "Như Điều 3;", "Lưu: VT.", "CHỦ TỊCH", world.users["chairman"].full_name])
    assert "TM. ỦY BAN NHÂN DÂN" not in text and "Lê Thị Hoa" not in text


def test_a_certificate_reads_whole_as_a_wards_certificate(client, auth, world):
    decision, (family, _) = signed(world)
    day = official_date(decision.signed_on)
    auth.login("chairman")
    text = paper_text(client.get(f"/dossiers/{family.id}/certificate"))
    reads_in_order(text, [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ", "CÔNG NHẬN",
        "Hộ gia đình ông Trần Văn Bình", "Tổ dân phố 1, phường Thử",
        f"Đạt danh hiệu “Gia đình kiểu mẫu” năm {world.campaign.year}",
        f"Theo Quyết định số 135/QĐ-UBND {day}",
        # the foot: the register's number and the check on the left, then place, date and signature on the right
        "Số vào sổ: 1", f"Mã: {family.certificate_code}",
        f"Thử, {day}", "CHỦ TỊCH", world.users["chairman"].full_name])
    assert "TM. ỦY BAN NHÂN DÂN" not in text and "ĐÃ THU HỒI" not in text


def test_a_vice_chairman_signs_every_paper_kt_chu_tich(client, auth, world):
    """Under a dated delegation the vice chairman signs KT. CHỦ TỊCH / PHÓ CHỦ TỊCH and his own name — on the
    decision and on the certificate — and never the chairman's name."""
    today = clock.now().date()
    dossier = world.dossier(State.AWAITING_DECISION)
    delegations.grant(world.users["chairman"], {"to_username": "vice_chairman", "role": "chairman",
                                                "unit_code": "WARD", "starts_on": today, "ends_on": today,
                                                "reason": "Chủ tịch họp tại tỉnh"})
    apply_transition(world.users["vice_chairman"], dossier, "recognize", dossier.version, "",
                     {"decision_number": "04/QĐ-UBND", "signed_on": today.isoformat()})
    db.session.commit()
    auth.login("chairman")
    vice, chairman = world.users["vice_chairman"].full_name, world.users["chairman"].full_name
    for path in (f"/decisions/{dossier.decision_id}/document", f"/dossiers/{dossier.id}/certificate"):
        text = paper_text(client.get(path))
        reads_in_order(text, ["CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", vice])
        assert chairman not in text and "TM. ỦY BAN NHÂN DÂN" not in text, path
