"""Certificates printed on the ward's pre-printed blanks (phôi, issue 16): `/decisions/<id>/certificates?blank=1`
prints only the variable text (never the national name, the motto or CÔNG NHẬN, which the card carries), one sheet
per certificate in the batch print's order, the revoked left out alike, each piece where the ward's admin put it
(Quản trị › Đơn vị › Vị trí in trên phôi); the PDF has one page per certificate, is signed as the certificates are,
and goes through a job past PAPERS_INLINE_MAX; wrong numbers are told beside their field and change nothing; only
an admin of the ward reaches its page; every change is audited on the unit."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from models import AuditEvent, PaperJob, Unit
from tests.conftest import csrf_from
from tests.factories import MATRIX_USERS, add_users
from tests.web.test_certificates import in_pdf_text, pdf_text, revoke, signed
from workflow.extensions import db
from workflow.services import blanks, certificates, paper_jobs
from workflow.services.documents import official_date

PRE_PRINTED = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA", "Độc lập - Tự do - Hạnh phúc", "CÔNG NHẬN")
MM = 72 / 25.4  # PDF points in a millimetre


def html(response) -> str:
    return response.get_data(as_text=True)


def sheets_of(page: str) -> str:
    """The printed part of the page: its sheets, without the screen's hints and buttons."""
    return page[page.index('<div class="blank-sheets"'):]


def blank_url(decision, pdf: bool = False) -> str:
    return f"/decisions/{decision.id}/certificates?blank=1" + ("&format=pdf" if pdf else "")


def layout_url(world) -> str:
    return f"/admin/units/{world.units['WARD'].id}/blank-layout"


def get_pdf(client, url: str) -> bytes:
    response = client.get(url)
    data = response.get_data()
    response.close()
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return data


def form_of(layout: blanks.Layout, **changes) -> dict[str, str]:
    """The admin form as its page fills it from `layout`, with `changes` (`subject_y="42"`) applied."""
    data = {"page": layout.page}
    for p in layout.pieces:
        if p.shown:
            data[f"{p.key}_shown"] = "y"
        for name in ("x", "y", "width", "size"):
            value = getattr(p, name)
            data[f"{p.key}_{name}"] = "" if value is None else f"{value:g}"
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def post_layout(client, world, data: dict):
    token = csrf_from(html(client.get(layout_url(world))))
    return client.post(layout_url(world), data={**data, "csrf_token": token})


def events(trigger: str = "blank_layout_updated") -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.trigger == trigger).order_by(AuditEvent.id)))


def test_the_blank_print_holds_the_variable_text_and_none_of_the_cards_own(app, client, auth, world):
    decision, listed = signed(world)
    auth.login("chairman")
    response = client.get(blank_url(decision))
    assert response.status_code == 200
    page = html(response)
    printed = sheets_of(page)
    found = certificates.certificates_of(decision)[0]
    day = official_date(decision.signed_on)
    with app.test_request_context("/"):  # the QR's address, as the page made it
        qrs = {c.code: str(certificates.qr_svg(certificates.verification_url(c.code))) for c in found}
    for c in found:
        for part in (c.subject, f"{c.address}, {c.group}" if c.address else c.group,
                     f"Đạt danh hiệu “Gia đình kiểu mẫu” năm {world.campaign.year}",
                     f"Theo Quyết định số 135/QĐ-UBND {day} của Chủ tịch Ủy ban nhân dân phường Thử",
                     f"Thử, {day}", world.users["chairman"].full_name,
                     f'<span class="blank-code">{c.code}</span>', qrs[c.code]):
            assert part in printed, part
    numbers = re.findall(r'<div class="blank-piece blank-number">(\d+)</div>', printed)
    assert numbers == [str(c.number) for c in found] and sorted(numbers) == ["1", "2"]
    # in the batch print's order, one sheet each
    assert re.findall(r'aria-label="Giấy công nhận số ([^"]+)"', printed) == [c.code for c in found]
    for word in PRE_PRINTED:
        assert word not in printed, word
    # the authority line and the signer's title are on a typical card: not printed until the ward says so
    assert "ỦY BAN NHÂN DÂN PHƯỜNG" not in printed and "CHỦ TỊCH" not in printed
    assert "@page { size: 297mm 210mm; margin: 0; }" in page  # A4 landscape, no margin: the card's own edges
    assert re.search(r"\.blank-subject \{ left: 20mm; top: 68\.5mm; font-size: 22pt; width: 257mm", page)
    assert "Phường chưa đặt vị trí riêng" in page and 'href="?blank=1&amp;format=pdf"' in page
    assert "cert-title" not in page and "certificate.css" not in page


def test_the_decision_page_offers_the_blank_print_beside_the_certificates(client, auth, world):
    decision, _ = signed(world)
    auth.login("chairman")
    page = html(client.get(f"/review/decisions/{decision.id}"))
    assert f'href="/decisions/{decision.id}/certificates"' in page
    assert f'href="/decisions/{decision.id}/certificates?blank=1"' in page and "In trên phôi" in page


def test_a_revoked_title_is_left_out_of_the_blank_print_as_of_the_certificates(client, auth, world):
    decision, (gone, kept) = signed(world)
    revoke(world, gone)
    auth.login("chairman")
    page = html(client.get(blank_url(decision)))
    assert gone.certificate_code not in sheets_of(page) and kept.certificate_code in sheets_of(page)
    assert "Không in 1 giấy của danh hiệu đã bị thu hồi" in page


def test_nobody_outside_the_decisions_scope_prints_it_on_blanks(client, auth, world):
    decision, _ = signed(world)
    auth.login("outsider_chairman")
    assert client.get(blank_url(decision)).status_code == 404
    assert client.get(blank_url(decision, pdf=True)).status_code == 404


def test_the_pdf_has_one_page_per_certificate_at_the_cards_size(client, auth, world):
    decision, listed = signed(world, count=3)
    auth.login("chairman")
    data = get_pdf(client, blank_url(decision, pdf=True))
    assert data.startswith(b"%PDF")
    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) == 3
    for page, c in zip(reader.pages, certificates.certificates_of(decision)[0], strict=True):
        box = page.mediabox
        assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (297, 210)
        text = page.extract_text()
        assert in_pdf_text(c.subject, text) and in_pdf_text(c.code, text)
        assert not any(in_pdf_text(word, text) for word in PRE_PRINTED)
        assert "Bản in chưa ký số" not in text  # a line in the margin would land on the card
    assert "Thử, " in pdf_text(data)


def test_the_blank_pdf_is_signed_with_the_wards_key_as_the_certificates_are(client, auth, world, ward_key):
    from tests.signing_keys import WARD
    from workflow.services import signing

    decision, _ = signed(world)
    auth.login("chairman")
    assert f"Bản PDF được ký số bởi {WARD}." in html(client.get(blank_url(decision)))
    found = signing.verify_pdf(get_pdf(client, blank_url(decision, pdf=True)))
    assert found.signed and found.intact and found.signer == WARD


def test_an_admin_sets_the_positions_once_and_the_print_follows_them(client, auth, world):
    decision, _ = signed(world)
    auth.login("admin")
    units = html(client.get("/admin/units"))
    assert f'href="{layout_url(world)}"' in units  # the ward's link; a group has none
    assert f'href="/admin/units/{world.units["G1"].id}/blank-layout"' not in units
    page = html(client.get(layout_url(world)))
    assert "Vị trí in trên phôi giấy công nhận" in page and "Khôi phục mặc định" in page
    assert re.search(r'id="subject_y"[^>]*value="68,5"', page)  # the defaults, filled in, as Vietnamese write
    assert f'href="/admin/units/{world.units["WARD"].id}/blank-layout/test?format=pdf"' in page

    changed = form_of(blanks.default_layout(), subject_y="42", subject_x="18,5", signer_size="15",
                      number_shown=None, authority_shown="y", address_width="")
    response = post_layout(client, world, changed)
    assert response.status_code == 302 and response.headers["Location"].endswith(layout_url(world))
    ward = db.session.get(Unit, world.units["WARD"].id)
    db.session.refresh(ward)
    stored = ward.blank_layout["pieces"]
    assert stored["subject"]["y"] == 42 and stored["subject"]["x"] == 18.5 and stored["number"]["shown"] is False
    assert stored["address"]["width"] is None

    (event,) = events()
    assert event.stream == f"unit:{ward.id}" and event.actor == "admin" and event.role == "admin"
    assert event.data["changes"]["subject.y"] == {"from": 68.5, "to": 42}
    assert event.data["changes"]["number.shown"] == {"from": True, "to": False}

    auth.login("chairman")
    page = html(client.get(blank_url(decision)))
    assert re.search(r"\.blank-subject \{ left: 18\.5mm; top: 42mm; font-size: 22pt;", page)
    assert re.search(r"\.blank-signer \{ [^}]*font-size: 15pt", page)
    assert re.search(r"\.blank-address \{ [^}]*white-space: nowrap", page)  # no width: from x, on one line
    printed = sheets_of(page)
    assert "blank-number" not in printed and "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ" in printed
    assert "Phường chưa đặt vị trí riêng" not in page


def test_a_smaller_card_prints_at_its_own_size(client, auth, world):
    decision, _ = signed(world, count=2)
    auth.login("admin")
    small = {"subject": (10, 50, 190), "address": (10, 62, 190), "honour": (10, 70, 190), "decision": (10, 80, 190),
             "place_date": (100, 100, 100), "signer": (100, 130, 100), "number": (30, 135, None),
             "qr": (10, 110, 20), "authority": (10, 30, 190), "sign_role": (100, 106, 100)}
    data = form_of(blanks.default_layout(), page="a5_landscape")
    for key, (x, y, width) in small.items():
        data |= {f"{key}_x": str(x), f"{key}_y": str(y), f"{key}_width": "" if width is None else str(width)}
    assert post_layout(client, world, data).status_code == 302
    auth.login("chairman")
    assert "@page { size: 210mm 148mm; margin: 0; }" in html(client.get(blank_url(decision)))
    reader = PdfReader(BytesIO(get_pdf(client, blank_url(decision, pdf=True))))
    assert len(reader.pages) == 2
    assert [(round(float(p.mediabox.width) / MM), round(float(p.mediabox.height) / MM)) for p in reader.pages] == \
        [(210, 148)] * 2


@pytest.mark.parametrize(("changes", "messages"), [
    ({"subject_x": "abc", "address_y": "500", "signer_size": "2", "decision_width": "300"},
     {"subject_x": "phải là số, ví dụ 42 hoặc 42,5", "address_y": "phải từ 0 đến 210 mm (tờ giấy cao 210 mm)",
      "signer_size": "cỡ chữ phải từ 6 đến 48 pt",
      "decision_width": "chữ sẽ ra ngoài mép phải: cách lề trái 30 mm thì rộng nhiều nhất 267 mm"}),
    ({"qr_width": "", "subject_y": "-3", "honour_x": "1e3", "number_x": "\x00"},
     {"qr_width": "bắt buộc: nhập một con số", "subject_y": "phải từ 0 đến 210 mm (tờ giấy cao 210 mm)",
      "honour_x": "phải là số, ví dụ 42 hoặc 42,5", "number_x": "phải là số, ví dụ 42 hoặc 42,5"}),
    ({"page": "a5_portrait"},  # the A4 defaults do not fit a small card: each piece that leaves it says so
     {"signer_x": "phải từ 0 đến 148 mm (tờ giấy rộng 148 mm)", "place_date_x": None, "address_width": None,
      "subject_width": "chữ sẽ ra ngoài mép phải: cách lề trái 20 mm thì rộng nhiều nhất 128 mm"}),
    ({"qr_width": "8"}, {"qr_width": "mã QR phải rộng từ 10 đến 60 mm để điện thoại quét được"}),
])
def test_wrong_numbers_are_told_beside_their_field_and_change_nothing(client, auth, world, changes, messages):
    auth.login("admin")
    before = len(events())
    response = post_layout(client, world, form_of(blanks.default_layout(), **changes))
    assert response.status_code == 422
    page = html(response)
    assert "Vị trí in trên phôi chưa hợp lệ" in page
    for name, message in messages.items():
        # the field is marked, and its message follows it in the same cell
        cell = re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{name}"[^>]*>\s*'
                         rf'<small class="field-error" id="{name}-error" role="alert">([^<]*)</small>', page) or \
            re.search(rf'<input[^>]*id="{name}"[^>]*aria-invalid="true"[^>]*>\s*'
                      rf'<small class="field-error" id="{name}-error" role="alert">([^<]*)</small>', page)
        assert cell, name
        if message is not None:
            assert cell.group(1) == message, (name, cell.group(1))
    db.session.expire_all()
    assert db.session.get(Unit, world.units["WARD"].id).blank_layout is None
    assert len(events()) == before


def test_restoring_the_defaults_is_audited_and_prints_at_the_defaults(client, auth, world):
    decision, _ = signed(world)
    auth.login("admin")
    post_layout(client, world, form_of(blanks.default_layout(), subject_y="42"))
    page = html(client.get(layout_url(world)))
    assert 'value="42"' in page and "Phường đang dùng vị trí đã đặt riêng" in page
    response = client.post(layout_url(world), data={"reset": "1", "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, world.units["WARD"].id).blank_layout is None
    saved, reset = events()
    assert reset.data["reset"] is True and reset.data["changes"]["subject.y"] == {"from": 42, "to": 68.5}
    auth.login("chairman")
    assert re.search(r"\.blank-subject \{ left: 20mm; top: 68\.5mm;", html(client.get(blank_url(decision))))


def test_only_an_admin_of_the_ward_reaches_its_positions(client, auth, world):
    add_users(world, {"outsider_admin": MATRIX_USERS["outsider_admin"]})
    ward = world.units["WARD"].id
    auth.login("admin")
    token = csrf_from(html(client.get(layout_url(world))))
    assert client.get(f"/admin/units/{world.units['G1'].id}/blank-layout").status_code == 404  # a group: no cards
    assert client.get(f"/admin/units/{world.units['WARD2'].id}/blank-layout").status_code == 404  # not his ward
    assert client.get(f"/admin/units/{world.units['WARD2'].id}/blank-layout/test").status_code == 404

    auth.login("chairman")  # no admin anywhere
    assert client.get(layout_url(world)).status_code == 403
    assert client.get(f"/admin/units/{ward}/blank-layout/test").status_code == 403
    token = csrf_from(html(client.get("/")))
    assert client.post(layout_url(world), data={**form_of(blanks.default_layout(), subject_y="42"),
                                                "csrf_token": token}).status_code == 403

    auth.login("outsider_admin")  # an admin of the other ward
    token = csrf_from(html(client.get("/")))
    assert client.get(layout_url(world)).status_code == 404
    assert client.post(layout_url(world), data={**form_of(blanks.default_layout(), subject_y="42"),
                                                "csrf_token": token}).status_code == 404
    assert client.post(layout_url(world), data={"reset": "1", "csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Unit, ward).blank_layout is None and events() == []


def test_the_test_print_shows_made_up_text_on_a_grid(client, auth, world):
    auth.login("admin")
    url = f"/admin/units/{world.units['WARD'].id}/blank-layout/test"
    page = html(client.get(url))
    assert "Hộ gia đình ông Nguyễn Văn Mẫu" in page and "blank-sample" in page and "lưới ô 1 cm" in page
    assert f'href="{layout_url(world)}"' in page
    data = get_pdf(client, url + "?format=pdf")
    assert len(PdfReader(BytesIO(data)).pages) == 1
    assert in_pdf_text("Nguyễn Văn Mẫu", pdf_text(data))


# --- a big decision: the blank PDF through a job ------------------------------------------------------------------

@pytest.fixture
def big(app):
    app.config["PAPERS_INLINE_MAX"] = 2
    return app


def fetch(client, url: str):
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_a_big_decisions_blank_pdf_is_its_own_job_and_follows_the_layout(big, client, auth, world):
    decision, listed = signed(world, count=4)
    auth.login("chairman")
    waiting = fetch(client, blank_url(decision, pdf=True))
    page = waiting.get_data(as_text=True)
    assert waiting.status_code == 202 and "Giấy công nhận in trên phôi" in page
    assert f'href="/decisions/{decision.id}/certificates?blank=1"' in page  # the browser's print meanwhile
    assert fetch(client, f"/decisions/{decision.id}/certificates?format=pdf").status_code == 202  # the full one
    kinds = sorted(db.session.scalars(select(PaperJob.kind)))
    assert kinds == [paper_jobs.CERTIFICATES, paper_jobs.CERTIFICATES_BLANK]

    assert len(paper_jobs.render_pending(worker="test-worker").made) == 2
    served = fetch(client, blank_url(decision, pdf=True))
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(served.data))
    order = [c.code for c in certificates.certificates_of(decision)[0]]
    assert [next(code for code in order if in_pdf_text(code, p.extract_text())) for p in reader.pages] == order
    assert not any(in_pdf_text(word, pdf_text(served.data)) for word in PRE_PRINTED)
    full = fetch(client, f"/decisions/{decision.id}/certificates?format=pdf")
    assert in_pdf_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA", pdf_text(full.data))  # the two files are apart

    # the admin moves a piece: the next request makes a new file; a revocation too
    auth.login("admin")
    post_layout(client, world, form_of(blanks.default_layout(), subject_y="42"))
    auth.login("chairman")
    assert fetch(client, blank_url(decision, pdf=True)).status_code == 202
    revoke(world, listed[0])
    again = fetch(client, blank_url(decision, pdf=True))
    assert again.status_code == 202 and "gồm 3 giấy công nhận" in again.get_data(as_text=True)
    paper_jobs.render_pending()
    served = fetch(client, blank_url(decision, pdf=True))
    assert served.status_code == 200 and len(PdfReader(BytesIO(served.data)).pages) == 3
    blank_jobs = db.session.scalar(select(func.count(PaperJob.id)).where(
        PaperJob.kind == paper_jobs.CERTIFICATES_BLANK, PaperJob.status == "done"))
    assert blank_jobs == 1  # the older blank files went; the full certificates' file is its own


def test_a_failed_blank_job_is_queued_again_as_a_blank_one(big, client, auth, world, monkeypatch):
    decision, _ = signed(world, count=3)
    auth.login("chairman")
    fetch(client, blank_url(decision, pdf=True))
    job = db.session.scalars(select(PaperJob)).one()
    job.status, job.attempts, job.error = "failed", paper_jobs.MAX_ATTEMPTS, "boom"
    db.session.commit()
    page = fetch(client, blank_url(decision, pdf=True)).get_data(as_text=True)
    assert f'action="/decisions/{decision.id}/certificates/again?blank=1"' in page
    response = client.post(f"/decisions/{decision.id}/certificates/again?blank=1",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/decisions/{decision.id}/certificates?format=pdf&blank=1")
    db.session.expire_all()
    assert db.session.scalars(select(PaperJob)).one().status == "queued"
