"""What a certificate says and what the public check of its code answers: the household named as one, the code
typed however people type it, valid until the chairman's revoke step and revoked from the day of that step, the
QR code readable by a phone's scanner."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image

from states.enums import State, Title
from workflow import clock
from workflow.extensions import db
from workflow.services import certificates, decisions
from workflow.services.certificates import normalize_code, subject_line, verify
from workflow.services.dossiers import apply_transition
from workflow.services.errors import ServiceError


def recognized(world, *names: str, title: Title = Title.MODEL_FAMILY, group: str = "G1"):
    listed = [world.dossier(State.AWAITING_DECISION, title=title, group=group, subject_name=name) for name in names]
    decision = decisions.record_decision(world.users["chairman"], {
        "number": "21/QĐ-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [d.id for d in listed]})
    db.session.commit()
    return decision, listed


@pytest.mark.parametrize(("title", "name", "printed"), [
    (Title.MODEL_FAMILY, "Hộ ông Lê Văn Hùng", "Hộ gia đình ông Lê Văn Hùng"),
    (Title.MODEL_FAMILY, "hộ bà  Trần Thị Dung", "Hộ gia đình bà Trần Thị Dung"),
    (Title.MODEL_FAMILY, "Hộ gia đình ông Vũ Đình Khánh", "Hộ gia đình ông Vũ Đình Khánh"),
    (Title.MODEL_FAMILY, "Nguyễn Văn An", "Hộ gia đình ông/bà Nguyễn Văn An"),
    (Title.MODEL_CITIZEN, "Nguyễn Thị Mai", "Nguyễn Thị Mai"),
    (Title.MODEL_GROUP, "Tổ dân phố 3", "Tổ dân phố 3"),
])
def test_the_certificate_names_a_family_as_a_household(title, name, printed):
    class Named:
        pass

    dossier = Named()
    dossier.title, dossier.subject_name = title.value, name
    assert subject_line(dossier) == printed


@pytest.mark.parametrize(("typed", "code"), [
    ("2026-ABCDEFGH", "2026-ABCDEFGH"),
    ("  2026-abcd efgh ", "2026-ABCDEFGH"),
    ("2026abcdefgh", "2026-ABCDEFGH"),
    ("Số: 2026-ABCDEFGH", "2026-ABCDEFGH"),
    ("https://kieumau.example.vn/public/certificates/2026-ABCDEFGH/", "2026-ABCDEFGH"),
    ("", ""), ("   ", ""), (None, ""), ("KM12345678", ""), ("2026-" + "A" * 40, ""), ("'; DROP TABLE x", ""),
    ("2026-\x00ABC", ""), ("\ud800", ""),
])
def test_a_code_is_read_however_it_is_typed(typed, code):
    assert normalize_code(typed) == code


def test_valid_until_the_chairman_revokes_then_revoked_from_that_day(world, frozen_clock):
    decision, (family,) = recognized(world, "Hộ ông Lê Văn Hùng")
    found = verify(family.certificate_code.lower())
    assert found is not None and found.status == "valid" and found.revoked_on is None
    assert (found.title, found.subject_name, found.year, found.unit_name) == (
        "model_family", "Hộ ông Lê Văn Hùng", world.campaign.year, "Tổ dân phố 1")
    assert (found.decision_number, found.signed_on) == ("21/QĐ-UBND", decision.signed_on)
    assert certificates.certificate_of(family).revoked is False

    frozen_clock.advance(days=3, hours=15)  # 01:00 the next day in Vietnam, still the day before in UTC
    ward_today = (clock.now() + timedelta(hours=7)).date().isoformat()
    apply_transition(world.users["chairman"], family, "revoke", family.version, "Vi phạm sau khi công nhận",
                     {"decision_number": "30/QĐ-UBND", "signed_on": ward_today})
    db.session.commit()
    found = verify(family.certificate_code)
    assert found.status == "revoked"
    assert found.revoked_on == (clock.now() + timedelta(hours=7)).date()
    assert found.revoked_on != clock.now().date()  # the ward's day, not UTC's
    assert "Vi phạm" not in str(found.json())  # never the reason
    assert certificates.certificate_of(family).revoked_on == found.revoked_on


def test_only_the_chairman_revokes(world):
    _, (family,) = recognized(world, "Hộ ông Lê Văn Hùng")
    for other in ("auditor", "ward_inspector", "applicant"):
        with pytest.raises(ServiceError):
            apply_transition(world.users[other], family, "revoke", family.version, "Thu hồi",
                             {"decision_number": "30/QĐ-UBND", "signed_on": clock.now().date().isoformat()})
        db.session.rollback()
    assert verify(family.certificate_code).status == "valid"


def test_no_answer_for_an_unknown_code_or_a_dossier_never_recognized(world):
    waiting = world.dossier(State.AWAITING_DECISION)
    assert waiting.certificate_code is None
    assert verify("2026-ABCDEFGH") is None and verify("") is None and verify(None) is None
    assert certificates.certificate_of(waiting) is None


def test_a_decision_prints_its_standing_certificates_by_group_then_name(world):
    names = [("Hộ ông Trần Văn C", "G1"), ("Hộ ông Đỗ Văn B", "G2"), ("Hộ bà Lê Thị A", "G1")]
    listed = [world.dossier(State.AWAITING_DECISION, group=group, subject_name=name) for name, group in names]
    decision = decisions.record_decision(world.users["chairman"], {
        "number": "23/QĐ-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [d.id for d in listed]})
    db.session.commit()
    found, revoked = certificates.certificates_of(decision)
    assert [c.subject for c in found] == ["Hộ gia đình bà Lê Thị A", "Hộ gia đình ông Trần Văn C",
                                          "Hộ gia đình ông Đỗ Văn B"]
    assert [c.group for c in found][-1] == "Tổ dân phố 2, phường Thử" and revoked == 0
    apply_transition(world.users["chairman"], listed[0], "revoke", listed[0].version, "Vi phạm",
                     {"decision_number": "30/QĐ-UBND", "signed_on": clock.now().date().isoformat()})
    db.session.commit()
    found, revoked = certificates.certificates_of(decision)
    assert [c.subject for c in found] == ["Hộ gia đình bà Lê Thị A", "Hộ gia đình ông Đỗ Văn B"] and revoked == 1


def test_a_refusal_has_no_certificates(world):
    dossier = world.dossier(State.AWAITING_DECISION)
    refusal = decisions.record_decision(world.users["chairman"], {
        "number": "22/TB-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "refuse",
        "comment": "Không đủ tiêu chí", "dossier_ids": [dossier.id]})
    db.session.commit()
    assert certificates.certificates_of(refusal) == ([], 0)


def test_the_qr_code_decodes_to_the_verification_address():
    url = "https://kieumau.tandan.example.vn/public/certificates/2026-7QX4PA9K"
    png = BytesIO()
    certificates.qr_code(url).save(png, kind="png", scale=6)
    png.seek(0)
    assert [found.text for found in zxingcpp.read_barcodes(Image.open(png))] == [url]
    svg = str(certificates.qr_svg(url))
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and 'class="qr"' in svg
    assert "width=" not in svg.split(">", 1)[0]  # sized by the stylesheet, sharp at any size
