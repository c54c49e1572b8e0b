"""The certificates as papers: a recognized dossier's giấy công nhận (issuing body, motto, title and year, the
household, its group, the decision, the signature, the code and a QR code to the public check), the batch print of
a decision, the PDF; nobody outside the dossier's scope finds one; a revoked title is stamped ĐÃ THU HỒI."""

from __future__ import annotations

import re
from io import BytesIO

from pypdf import PdfReader

from states.enums import State, Title
from tests.api.helpers import fire
from tests.api.test_public_certificates import recognized
from workflow import clock
from workflow.extensions import db
from workflow.services import certificates, decisions
from workflow.services.documents import official_date
from workflow.services.dossiers import apply_transition

REVOKE_REASON = "Phát hiện vi phạm trật tự công cộng sau khi công nhận"


def html(response) -> str:
    return response.get_data(as_text=True)


def signed(world, count: int = 2, number: str = "135/QĐ-UBND", outcome: str = "recognize", **extra):
    """One decision over `count` family dossiers of group 1, signed today by the chairman."""
    names = ["Hộ ông Trần Văn Bình", "Hộ bà Lê Thị Hoa", "Nguyễn Thị Mai", "Hộ ông Phạm Văn Cường"]
    listed = [world.dossier(State.AWAITING_DECISION, subject_name=names[i]) for i in range(count)]
    decision = decisions.record_decision(world.users["chairman"], {
        "number": number, "signed_on": clock.now().date().isoformat(), "outcome": outcome,
        "dossier_ids": [d.id for d in listed], **extra})
    db.session.commit()
    return decision, listed


REVOCATION = "150/QĐ-UBND"


def revoke(world, dossier, number: str = REVOCATION) -> None:
    apply_transition(world.users["chairman"], dossier, "revoke", dossier.version, REVOKE_REASON,
                     {"decision_number": number, "signed_on": clock.now().date().isoformat()})
    db.session.commit()


def pdf_text(data: bytes) -> str:
    return " ".join("\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages).split())


def in_pdf_text(part: str, text: str) -> bool:
    """Whether `part` reads in the PDF's text; spaces aside, since the text extractor may break a letter-spaced
    code ("2026-AB CDEFGH") where the glyphs' gaps are wide."""
    return "".join(part.split()) in "".join(text.split())


def test_a_recognized_familys_certificate_reads_as_one(client, auth, world):
    decision, (family, _) = signed(world)
    auth.login("chairman")
    response = client.get(f"/dossiers/{family.id}/certificate")
    assert response.status_code == 200
    page = html(response)
    year = world.campaign.year
    assert (family.certificate_number, family.certificate_year) == (1, decision.signed_on.year)  # first of the year
    for part in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ", '<h1 class="cert-title">CÔNG NHẬN</h1>',
                 f"Đạt danh hiệu “Gia đình kiểu mẫu” năm {year}", "Số vào sổ: <strong>1</strong>",
                 "Hộ gia đình ông Trần Văn Bình", "Tổ dân phố 1, phường Thử",
                 f"Theo Quyết định số 135/QĐ-UBND {official_date(decision.signed_on)} của Chủ tịch Ủy ban nhân dân "
                 "phường Thử", f"Thử, {official_date(decision.signed_on)}", "<strong>CHỦ TỊCH</strong>",
                 world.users["chairman"].full_name, f"Mã: <strong>{family.certificate_code}</strong>"):
        assert part in page, part
    assert re.fullmatch(rf"{year}-[A-Z2-9]{{8}}", family.certificate_code)
    assert "ĐÃ THU HỒI" not in page and "Lê Thị Hoa" not in page  # one certificate, the other family's is apart
    assert 'id="print-button"' in page and 'href="?format=pdf"' in page  # "In" and "Tải PDF", both no-print
    assert "/static/certificate.css" in page and family.subject_ref not in page


def test_the_qr_code_opens_the_public_check_of_its_code(client, auth, world):
    _, (family,) = signed(world, count=1)
    auth.login("applicant")  # the family's own applicant prints it too
    page = html(client.get(f"/dossiers/{family.id}/certificate"))
    url = f"http://localhost/public/certificates/{family.certificate_code}"
    assert f"<span>{url}</span>" in page  # printed under the code, for whoever cannot scan
    assert str(certificates.qr_svg(url)) in page  # the page's QR is the code of exactly that address
    png = BytesIO()
    certificates.qr_code(url).save(png, kind="png", scale=8)
    import zxingcpp
    from PIL import Image

    png.seek(0)
    found = zxingcpp.read_barcodes(Image.open(png))
    assert [code.text for code in found] == [url]
    checked = client.get(url.removeprefix("http://localhost"))
    assert checked.status_code == 200 and "Giấy công nhận hợp lệ" in html(checked)


def test_the_qr_code_carries_the_wards_public_address_when_set(app, client, auth, world):
    _, (family,) = signed(world, count=1)
    app.config["PUBLIC_URL"] = "https://kieumau.tandan.example.vn/"
    auth.login("chairman")
    page = html(client.get(f"/dossiers/{family.id}/certificate"))
    url = f"https://kieumau.tandan.example.vn/public/certificates/{family.certificate_code}"
    assert str(certificates.qr_svg(url)) in page and f"<span>{url}</span>" in page
    assert "http://localhost/public/certificates" not in page


def test_no_certificate_before_recognition_nor_after_a_refusal(client, auth, world):
    waiting = world.dossier(State.AWAITING_DECISION)
    refused = world.dossier(State.NOT_RECOGNIZED, approve=False)
    auth.login("chairman")
    for dossier in (waiting, refused):
        response = client.get(f"/dossiers/{dossier.id}/certificate")
        assert response.status_code == 404
        assert "Hồ sơ chưa được công nhận nên chưa có giấy công nhận" in html(response)
        assert f"/dossiers/{dossier.id}/certificate" not in html(client.get(f"/dossiers/{dossier.id}"))  # no link


def test_nobody_outside_the_dossiers_scope_finds_its_certificate(client, auth, world):
    _, (family,) = signed(world, count=1)
    for outsider in ("outsider_chairman", "applicant9", "applicant2", "resident", "outsider_committee"):
        auth.login(outsider)
        response = client.get(f"/dossiers/{family.id}/certificate")
        assert response.status_code == 404, outsider
        assert family.certificate_code not in html(response) and "Trần Văn Bình" not in html(response)
        assert client.get(f"/dossiers/{family.id}/certificate?format=pdf").status_code == 404
    auth.logout()
    assert client.get(f"/dossiers/{family.id}/certificate").status_code in (302, 401)


def test_the_dossier_page_links_its_certificate(client, auth, world):
    _, (family,) = signed(world, count=1)
    auth.login("group_committee")
    page = html(client.get(f"/dossiers/{family.id}"))
    assert f'href="/dossiers/{family.id}/certificate"' in page
    assert f"Giấy công nhận số {family.certificate_code}" in page


def test_the_certificate_as_pdf_is_one_landscape_sheet_with_the_name_and_code(client, auth, world):
    _, (family,) = signed(world, count=1)
    auth.login("chairman")
    response = client.get(f"/dossiers/{family.id}/certificate?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="giay-cong-nhan-{family.certificate_code}.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 297 and round(float(box.height) / 72 * 25.4) == 210
    text = pdf_text(response.data)
    for part in ("CÔNG NHẬN", "Hộ gia đình ông Trần Văn Bình", family.certificate_code, "135/QĐ-UBND", "Số vào sổ: 1",
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", world.users["chairman"].full_name):
        assert in_pdf_text(part, text), part
    assert "Tải PDF" not in text and "Về hồ sơ" not in text  # no app chrome, no buttons


def test_a_revoked_title_is_stamped_on_its_certificate(client, auth, world):
    _, (family,) = signed(world, count=1)
    revoke(world, family)
    auth.login("chairman")
    response = client.get(f"/dossiers/{family.id}/certificate")
    assert response.status_code == 200
    page = html(response)
    today = clock.now().strftime("%d/%m/%Y")
    assert 'class="cert-stamp"' in page and "ĐÃ THU HỒI" in page and f"ngày {today}" in page
    assert "Danh hiệu này đã bị thu hồi ngày" in page and REVOKE_REASON not in page
    assert "ĐÃ THU HỒI" in pdf_text(client.get(f"/dossiers/{family.id}/certificate?format=pdf").data)


def test_a_decisions_certificates_print_at_once_one_per_sheet(client, auth, world):
    decision, listed = signed(world, count=3)
    auth.login("chairman")
    page = html(client.get(f"/review/decisions/{decision.id}"))
    assert f'href="/decisions/{decision.id}/certificates"' in page and "In giấy công nhận (3)" in page
    response = client.get(f"/decisions/{decision.id}/certificates")
    assert response.status_code == 200
    batch = html(response)
    assert batch.count('<section class="cert-sheet') == 3
    for dossier in listed:
        assert f"Mã: <strong>{dossier.certificate_code}</strong>" in batch
        assert f"Số vào sổ: <strong>{dossier.certificate_number}</strong>" in batch
        assert str(certificates.qr_svg(f"http://localhost/public/certificates/{dossier.certificate_code}")) in batch
    assert "Nguyễn Thị Mai" in batch  # a citizen's name as it is, not made a household

    pdf = client.get(f"/decisions/{decision.id}/certificates?format=pdf")
    assert pdf.status_code == 200 and len(PdfReader(BytesIO(pdf.data)).pages) == 3
    text = pdf_text(pdf.data)
    assert all(in_pdf_text(d.certificate_code, text) for d in listed), text

    revoke(world, listed[0])
    assert "In giấy công nhận (2)" in html(client.get(f"/review/decisions/{decision.id}"))
    batch = html(client.get(f"/decisions/{decision.id}/certificates"))
    assert batch.count('<section class="cert-sheet') == 2 and listed[0].certificate_code not in batch
    assert "Không in 1 giấy của danh hiệu đã bị thu hồi" in batch


def test_a_big_decisions_pdf_is_made_in_parts_and_joined_in_order(client, auth, world, monkeypatch):
    from workflow import papers

    decision, listed = signed(world, count=3)
    monkeypatch.setattr(papers, "SHEETS_PER_PART", 2)  # parts of 2: the 3 sheets come as 2 + 1
    auth.login("chairman")
    with client.get(f"/decisions/{decision.id}/certificates?format=pdf") as pdf:  # a file: closed when sent
        assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
        pages = PdfReader(BytesIO(pdf.data)).pages
    assert len(pages) == 3
    order = [c.code for c in certificates.certificates_of(decision)[0]]
    assert [next(code for code in order if in_pdf_text(code, page.extract_text())) for page in pages] == order


def test_a_refusal_has_no_certificates_and_outsiders_find_none(client, auth, world):
    refusal, _ = signed(world, count=1, number="136/TB-UBND", outcome="refuse", comment="Không đủ tiêu chí")
    decision, _ = signed(world, count=1)
    auth.login("chairman")
    assert "In giấy công nhận" not in html(client.get(f"/review/decisions/{refusal.id}"))
    response = client.get(f"/decisions/{refusal.id}/certificates")
    assert response.status_code == 404 and "không có giấy công nhận nào" in html(response)
    assert client.get("/decisions/999999/certificates").status_code == 404
    for outsider in ("outsider_chairman", "applicant9"):
        auth.login(outsider)
        assert client.get(f"/decisions/{decision.id}/certificates").status_code == 404, outsider


def test_a_group_title_names_the_group_once(client, auth, world):
    group = world.dossier(State.AWAITING_DECISION, title=Title.MODEL_GROUP, subject_name="Tổ dân phố 1")
    decisions.record_decision(world.users["chairman"], {
        "number": "140/QĐ-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [group.id]})
    db.session.commit()
    auth.login("chairman")
    page = html(client.get(f"/dossiers/{group.id}/certificate"))
    assert "Đạt danh hiệu “Tổ dân phố kiểu mẫu”" in page
    assert '<p class="cert-subject">Tổ dân phố 1</p>' in page and '<p class="cert-group">phường Thử</p>' in page


def test_the_public_check_says_valid_then_revoked_in_plain_words(api, client, world):
    dossier, decision = recognized(world)
    page = client.get(f"/public/certificates/{dossier.certificate_code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for part in ("Giấy công nhận hợp lệ", "Gia đình kiểu mẫu", f"năm {world.campaign.year}", "Hộ ông Lê Văn Hùng",
                 "Tổ dân phố 1", "312/QĐ-UBND", decision.signed_on.strftime("%d/%m/%Y"), dossier.certificate_code):
        assert part in text, part
    assert "038085001111" not in text and "Hoa Sữa" not in text and "thu hồi" not in text

    fire(api.as_("chairman"), dossier.id, "revoke", REVOKE_REASON,
         {"decision_number": REVOCATION, "signed_on": clock.now().date().isoformat()})
    text = client.get(f"/public/certificates/{dossier.certificate_code}").get_data(as_text=True)
    assert "Danh hiệu đã bị thu hồi" in text and "Giấy công nhận hợp lệ" not in text
    assert f"thu hồi theo Quyết định số {REVOCATION} ngày {clock.now().strftime('%d/%m/%Y')}" in text
    assert REVOKE_REASON not in text and "038085001111" not in text


def test_the_public_check_takes_a_typed_code_and_says_when_none_matches(client, world):
    dossier, _ = recognized(world)
    empty = client.get("/public/certificates")
    assert empty.status_code == 200 and 'name="code"' in empty.get_data(as_text=True)
    typed = " " + dossier.certificate_code.lower().replace("-", " ") + " "
    found = client.get("/public/certificates", query_string={"code": typed})
    assert found.status_code == 200 and "Giấy công nhận hợp lệ" in found.get_data(as_text=True)
    missing = client.get("/public/certificates/2026-ZZZZZZZZ")
    text = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "Không tìm thấy giấy công nhận có mã này" in text
    assert 'name="code"' in text and 'value="2026-ZZZZZZZZ"' in text  # the form, to correct the code
    assert client.get("/public/certificates/%3Cscript%3E").status_code == 404


def test_the_public_check_is_limited_per_address(app, client, world):
    dossier, _ = recognized(world)
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 2
    assert client.get("/public/certificates").status_code == 200  # the empty form is not a lookup
    answers = [client.get(f"/public/certificates/{dossier.certificate_code}").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert "Tra cứu quá nhiều lần" in client.get("/public/certificates?code=2026-ABCDEFGH").get_data(as_text=True)


def test_markup_in_a_name_or_address_prints_as_text_and_fetches_nothing(client, auth, world, monkeypatch):
    """What an attacker types into a registration reaches the ward's papers: it must print as the letters typed,
    and WeasyPrint must fetch nothing but our own static files."""
    from workflow import papers

    name = 'Hộ <img src="file:///etc/passwd"> ông <b>Tú</b>'
    address = '<style>*{background:url(http://127.0.0.1:9/leak)}</style>@import "file:///etc/shadow";'
    dossier = world.dossier(State.AWAITING_DECISION, subject_name=name, subject_address=address)
    decision = decisions.record_decision(world.users["chairman"], {
        "number": "99/QĐ-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [dossier.id]})
    db.session.commit()
    asked: list[str] = []
    make_fetcher = papers._static_fetcher

    def recording_fetcher(*source):
        fetcher = make_fetcher(*source)
        fetch = fetcher.fetch

        def noted(url, headers=None):
            asked.append(url)
            return fetch(url, headers)

        fetcher.fetch = noted
        return fetcher

    monkeypatch.setattr(papers, "_static_fetcher", recording_fetcher)
    auth.login("chairman")
    for path in (f"/dossiers/{dossier.id}/certificate?format=pdf", f"/decisions/{decision.id}/document?format=pdf"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/pdf", path
        text = pdf_text(response.data)
        assert in_pdf_text('<img src="file:///etc/passwd">', text) and in_pdf_text("<b>Tú</b>", text), path
    assert asked and all(url.startswith(("data:", "http://localhost/static/")) for url in asked), asked
