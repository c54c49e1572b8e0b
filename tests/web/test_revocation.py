"""Revocation by a numbered decision (issue 16, item 3): the chairman's revoke step needs the decision's number and
date and a reason; it records a Decision (outcome revoke) the dossier points at; its paper (QUYẾT ĐỊNH Về việc thu
hồi danh hiệu …) reads in Decree 30's order, prints and makes a PDF; the dossier page links it; the certificate is
stamped as taken back by it and the public check names it; lists of those recognized do not count it."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from models import Decision
from states.enums import State
from tests.api.helpers import fire
from tests.conftest import csrf_from
from tests.web.test_certificates import REVOKE_REASON, html, in_pdf_text, pdf_text, signed
from workflow import clock
from workflow.extensions import db
from workflow.services import publication
from workflow.services.errors import Conflict

NUMBER = "150/QĐ-UBND"


def revoke_by_api(api, dossier, number: str = NUMBER, expect: int = 200, **data):
    today = clock.now().date().isoformat()
    return fire(api.as_("chairman"), dossier.id, "revoke", REVOKE_REASON,
                {"decision_number": number, "signed_on": today, **data}, expect=expect)


def test_revoke_needs_the_decisions_number_and_date(api, world):
    _, (family,) = signed(world, count=1)
    body = fire(api.as_("chairman"), family.id, "revoke", REVOKE_REASON, expect=422)
    assert set(body["error"]["fields"]) == {"decision_number", "signed_on"}
    body = revoke_by_api(api, family, number="thu hồi 1", expect=422)
    assert set(body["error"]["fields"]) == {"decision_number"} and "135/QĐ-UBND" in body["error"]["fields"][
        "decision_number"]
    body = fire(api.as_("chairman"), family.id, "revoke", "",
                {"decision_number": NUMBER, "signed_on": clock.now().date().isoformat()}, expect=422)
    assert "comment" in body["error"]["fields"]  # the reason, as before
    db.session.expire_all()
    assert family.state == State.RECOGNIZED and family.revoked_by_decision_id is None
    assert db.session.scalar(select(Decision).where(Decision.outcome == "revoke")) is None


def test_revoke_records_a_numbered_decision_and_the_public_check_names_it(api, client, world):
    decision, (family,) = signed(world, count=1)
    body = revoke_by_api(api, family, number=" 150 / qđ-ubnd ")
    assert body["state"] == "revoked" and body["certificate_number"] == 1
    revocation = db.session.get(Decision, body["revoked_by_decision_id"])
    assert (revocation.number, revocation.outcome, revocation.comment) == (NUMBER, "revoke", REVOKE_REASON)
    assert body["decision_id"] == decision.id  # the recognizing decision stays what the certificate cites
    events = api.as_("auditor").get(f"/dossiers/{family.id}/history").json["events"]
    assert events[-1]["data"]["decision_number"] == NUMBER
    assert events[-1]["data"]["revoked_by_decision_id"] == revocation.id

    check = api.get(f"/public/certificates/{family.certificate_code}").json
    assert (check["status"], check["revoked_by"], check["certificate_number"]) == ("revoked", NUMBER, 1)
    assert check["revoked_on"] == clock.now().date().isoformat()
    # The number is the revocation's for the year: a recognition under it is refused, naming the revocation.
    with pytest.raises(Conflict) as refused:
        signed(world, count=1, number="150/QĐ-UBND")
    db.session.rollback()
    assert str(refused.value).startswith(f"Số {NUMBER} đã dùng cho Quyết định thu hồi ngày")


def test_the_revocation_paper_reads_as_a_decision_and_prints(api, client, auth, world):
    decision, (family, kept) = signed(world, count=2)
    revoke_by_api(api, family)
    auth.login("chairman")
    page = html(client.get(f"/dossiers/{family.id}"))
    assert f'href="/dossiers/{family.id}/revocation"' in page and f"Quyết định thu hồi số {NUMBER}" in page
    response = client.get(f"/dossiers/{family.id}/revocation")
    assert response.status_code == 200
    paper = html(response)
    year = world.campaign.year
    parts = ["ỦY BAN NHÂN DÂN", "PHƯỜNG THỬ", f"Số: {NUMBER}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
             "QUYẾT ĐỊNH", f"Về việc thu hồi danh hiệu “Gia đình kiểu mẫu” năm {year}",
             "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ", "Căn cứ Luật Thi đua, khen thưởng",
             f"Căn cứ Quyết định số {decision.number}", "QUYẾT ĐỊNH:", "Điều 1.",
             f"Giấy công nhận số vào sổ {family.certificate_number}", "Hộ gia đình ông Trần Văn Bình",
             f"Lý do: {REVOKE_REASON}", "Điều 2.", "Điều 3.", "Nơi nhận:", world.users["chairman"].full_name]
    at = 0
    for part in parts:  # each there, in Decree 30's order
        found = paper.find(part, at)
        assert found >= 0, part
        at = found + len(part)
    assert "Lê Thị Hoa" not in paper  # only the revoked household
    assert 'id="print-button"' in paper and 'href="?format=pdf"' in paper

    pdf = client.get(f"/dossiers/{family.id}/revocation?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert len(PdfReader(BytesIO(pdf.data)).pages) >= 1
    for part in ("QUYẾT ĐỊNH", "thu hồi danh hiệu", NUMBER, "Trần Văn Bình", "Nơi nhận"):
        assert in_pdf_text(part, text), part

    # The certificate says by which decision it was taken back; the decision page prints the same paper.
    certificate = html(client.get(f"/dossiers/{family.id}/certificate"))
    assert "ĐÃ THU HỒI" in certificate and f"theo Quyết định số {NUMBER} ngày" in certificate
    revocation = family.revoked_by
    assert client.get(f"/decisions/{revocation.id}/document").headers["Location"].endswith(
        f"/dossiers/{family.id}/revocation")
    listing = html(client.get("/review/decisions"))
    assert NUMBER in listing and "Thu hồi danh hiệu" in listing
    assert family.subject_name in html(client.get(f"/review/decisions/{revocation.id}"))
    # Not recognized by it: the public list and the decision's certificates leave the revoked one out.
    names = {i.subject_name for i in publication.recognized_list(world.campaign.id)}
    assert family.subject_name not in names and kept.subject_name in names


def test_no_revocation_paper_before_a_revocation_nor_outside_the_scope(api, client, auth, world):
    _, (family,) = signed(world, count=1)
    auth.login("chairman")
    response = client.get(f"/dossiers/{family.id}/revocation")
    assert response.status_code == 404 and "chưa bị thu hồi" in html(response)
    revoke_by_api(api, family)
    for outsider in ("outsider_chairman", "applicant9"):
        auth.login(outsider)
        assert client.get(f"/dossiers/{family.id}/revocation").status_code == 404, outsider


def test_the_web_form_takes_the_revocations_number(client, auth, world):
    _, (family,) = signed(world, count=1)
    auth.login("chairman")
    page = html(client.get(f"/dossiers/{family.id}"))
    assert 'id="dn-revoke"' in page and 'id="so-revoke"' in page
    token = csrf_from(page)
    response = client.post(f"/dossiers/{family.id}/transitions", data={
        "csrf_token": token, "trigger": "revoke", "version": family.version, "comment": REVOKE_REASON,
        "decision_number": "12/QĐ", "signed_on": "2001-01-01"})
    assert response.status_code == 422 and "quyết định công nhận" in html(response)  # beside the field
    response = client.post(f"/dossiers/{family.id}/transitions", data={
        "csrf_token": token, "trigger": "revoke", "version": family.version, "comment": REVOKE_REASON,
        "decision_number": NUMBER, "signed_on": clock.now().date().isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    assert family.state == State.REVOKED and family.revoked_by.number == NUMBER
