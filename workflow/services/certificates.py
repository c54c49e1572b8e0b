"""The certificate of a recognized dossier (giấy công nhận): what it says, its QR code, and the public check of
a code read off the paper.

The certificate is an official paper (Vietnamese only). Its QR code carries the absolute address of the public
verification page, which tells anyone whether the title still stands — and if it was revoked, since when — from
what the public list already shows (name, title, year, group, decision): never a personal number, an address,
a score or a comment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import segno
from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy import select

from models import AuditEvent, CertificateRegister, Decision, Dossier
from states.effects import new_certificate_code
from states.enums import Outcome, State, Trigger
from states.labels import TITLE_LABELS
from states.policy import local_day
from states.titles import household
from workflow.extensions import db
from workflow.services.documents import in_text, official_date, place_of, signature_of

CODE_MAX = 20  # Dossier.certificate_code is String(20)
_CODE_SHAPE = re.compile(r"^[0-9]{4}-[A-Z0-9]{1,15}$")


def redraw_taken_codes(dossiers: list[Dossier]) -> dict[int, str]:
    """Codes just drawn for these dossiers (not yet written) that another dossier holds, or that two of them drew
    alike, drawn again: one query for the whole set (and one more for any redrawn). {dossier_id: new code}."""
    redrawn: dict[int, str] = {}
    pending = [d for d in dossiers if d.certificate_code]
    held: set[str] = set()
    while pending:
        codes = sorted({d.certificate_code for d in pending})
        with db.session.no_autoflush:  # the drawn codes are not written until none collides
            taken = set(db.session.scalars(select(Dossier.certificate_code).where(Dossier.certificate_code.in_(codes))))
        again = []
        for dossier in pending:
            if dossier.certificate_code in taken or dossier.certificate_code in held:
                dossier.certificate_code = new_certificate_code(dossier.campaign.year)
                redrawn[dossier.id] = dossier.certificate_code
                again.append(dossier)
            else:
                held.add(dossier.certificate_code)
        pending = again
    return redrawn


@dataclass(frozen=True)
class Certificate:
    """What one printed certificate says."""

    dossier: Dossier
    code: str  # "2026-7QX4PA9K"
    ward: str  # "PHƯỜNG TÂN DÂN"
    title: str  # "Gia đình kiểu mẫu"
    year: int
    subject: str  # "Hộ gia đình ông Lê Văn Hùng"
    group: str  # "Tổ dân phố 1, phường Tân Dân"
    decision: Decision | None
    decision_line: str  # "Theo Quyết định số 312/QĐ-UBND ngày 18 tháng 12 năm 2025 của Chủ tịch UBND phường …"
    place_and_date: str  # "Tân Dân, ngày 18 tháng 12 năm 2025"
    revoked_on: date | None  # the Vietnam day the title was revoked, if it was
    number: int | None = None  # Số vào sổ in the ward's register of certificates
    revoked_by: Decision | None = None  # the decision that took it back (Quyết định thu hồi)
    authority: str = ""  # "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG TÂN DÂN"
    address: str = ""  # the subject's address, as on the dossier

    @property
    def revoked(self) -> bool:
        return self.revoked_on is not None


def subject_line(dossier: Dossier) -> str:
    """How the certificate names whom it recognizes: a family as a household ("Hộ gia đình ông …"), anyone
    else by the name on the dossier."""
    name = " ".join(unicodedata.normalize("NFC", dossier.subject_name).split())
    if not household(dossier.title):
        return name
    folded = name.casefold()
    if folded.startswith("hộ gia đình"):
        return name
    if folded.startswith(("hộ ông ", "hộ bà ")):
        return "Hộ gia đình " + name.split(" ", 1)[1]
    return f"Hộ gia đình ông/bà {name}"


def revoked_on(dossier: Dossier) -> date | None:
    """The day the title was taken back: its revocation decision's, or (revoked before revocations were numbered
    decisions) the Vietnam day of the step in the dossier's audit history; None while it stands."""
    if dossier.state != State.REVOKED:
        return None
    if dossier.revoked_by is not None:
        return dossier.revoked_by.signed_on
    at = db.session.scalars(select(AuditEvent.at).where(AuditEvent.dossier_id == dossier.id,
                                                        AuditEvent.trigger == Trigger.REVOKE.value)
                            .order_by(AuditEvent.seq.desc()).limit(1)).first()
    return local_day(at) if at is not None else None


def certificate_of(dossier: Dossier) -> Certificate | None:
    """The certificate of a dossier that was recognized (it carries a code), or None."""
    if not dossier.certificate_code:
        return None
    ward = dossier.campaign.unit
    ward_name = ward.name if ward is not None else ""
    place = place_of(ward_name)
    decision = dossier.decision
    subject = subject_line(dossier)
    group = dossier.unit.name
    group = in_text(ward_name) if group == dossier.subject_name else f"{group}, {in_text(ward_name)}"
    day = decision.signed_on if decision is not None else None
    decision_line = (f"Theo Quyết định số {decision.number} {official_date(day)} của "
                     f"{signature_of(decision).issuer}" if decision is not None else "")
    return Certificate(
        dossier=dossier, code=dossier.certificate_code, ward=ward_name.upper(),
        title=TITLE_LABELS.get(dossier.title, dossier.title), year=dossier.campaign.year, subject=subject,
        group=group, decision=decision, decision_line=decision_line,
        place_and_date=f"{place}, {official_date(day)}" if day is not None else "",
        revoked_on=revoked_on(dossier), number=dossier.certificate_number, revoked_by=dossier.revoked_by,
        authority=(signature_of(decision).authority if decision is not None
                   else f"CHỦ TỊCH ỦY BAN NHÂN DÂN {ward_name.upper()}"),
        address=" ".join(dossier.subject_address.split()))


def certificates_of(decision: Decision) -> tuple[list[Certificate], int]:
    """The certificates of a decision that recognizes, in the annex's order (group, then name), and how many
    were left out because their title was revoked since."""
    if decision.outcome != Outcome.RECOGNIZE:
        return [], 0
    dossiers = sorted((d for d in decision.dossiers if d.certificate_code),
                      key=lambda d: (d.unit.name, d.subject_name, d.id))
    standing = [d for d in dossiers if d.state != State.REVOKED]
    return [c for c in map(certificate_of, standing) if c is not None], len(dossiers) - len(standing)


def verification_url(code: str) -> str:
    """The absolute address of the code's public check, as the QR code carries it: under PUBLIC_URL when the
    ward set one (the address residents reach), else where the paper was asked."""
    base = (current_app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if base:
        return base + url_for("public.certificate", code=code)
    return url_for("public.certificate", code=code, _external=True)


def qr_of(certificate: Certificate) -> dict:
    """What a sheet prints of its check: {"url", "svg"}."""
    url = verification_url(certificate.code)
    return {"url": url, "svg": qr_svg(url)}


def qr_code(url: str) -> segno.QRCode:
    """The QR code of a verification address (error correction M: a folded or slightly soiled paper reads)."""
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> Markup:
    """The QR code as inline SVG, sized by CSS (a vector prints sharp, and WeasyPrint keeps it in the PDF)."""
    svg = qr_code(url).svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass="qr-line",
                                  title="Mã QR kiểm tra giấy công nhận")
    return Markup(svg)  # segno's own markup: path data and our fixed title, no text of the user's


# --- the public check -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """What the public check of a code says: only what the law makes public."""

    certificate_code: str
    title: str  # Title value
    subject_name: str
    year: int
    unit_name: str
    decision_number: str | None
    signed_on: date | None
    status: str  # "valid" | "revoked"
    revoked_on: date | None
    certificate_number: int | None = None  # Số vào sổ
    revoked_by: str | None = None  # the number of the decision that took it back

    def json(self) -> dict:
        return {"certificate_code": self.certificate_code, "title": self.title, "subject_name": self.subject_name,
                "year": self.year, "unit_name": self.unit_name, "decision_number": self.decision_number,
                "signed_on": self.signed_on.isoformat() if self.signed_on else None, "status": self.status,
                "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None,
                "certificate_number": self.certificate_number, "revoked_by": self.revoked_by}


def normalize_code(raw: str | None) -> str:
    """A code as people type or paste it: any case, spaces anywhere, the whole printed address, "Số: …", or
    without its dash ("2026abcd efgh" → "2026-ABCDEFGH"). Empty when nothing code-like is left."""
    text = (raw or "")[:500].strip().rstrip("/")
    text = text.rsplit("/", 1)[-1]  # a pasted address: its last part
    text = re.sub(r"\s+", "", text).upper().removeprefix("SỐ:").removeprefix("SỐ")
    if re.fullmatch(r"[0-9]{4}[A-Z0-9]{8}", text):
        text = f"{text[:4]}-{text[4:]}"
    return text if len(text) <= CODE_MAX and _CODE_SHAPE.match(text) else ""


def verify(raw_code: str | None) -> Verification | None:
    """The public answer for a certificate code, or None when no certificate has it."""
    code = normalize_code(raw_code)
    if not code:
        return None
    dossier = db.session.scalars(select(Dossier).where(Dossier.certificate_code == code)).first()
    if dossier is None or dossier.state not in (State.RECOGNIZED, State.REVOKED):
        return None
    decision = dossier.decision
    return Verification(
        certificate_code=code, title=dossier.title, subject_name=dossier.subject_name, year=dossier.campaign.year,
        unit_name=dossier.unit.name, decision_number=decision.number if decision else None,
        signed_on=decision.signed_on if decision else None,
        status="revoked" if dossier.state == State.REVOKED else "valid", revoked_on=revoked_on(dossier),
        certificate_number=dossier.certificate_number,
        revoked_by=dossier.revoked_by.number if dossier.revoked_by is not None else None)


# --- the ward's register of certificates (sổ vào sổ) ----------------------------------------------------------

REGISTER_PAGE = 200


@dataclass(frozen=True)
class RegisterPage:
    """A page of the certificates' register, as the ward's clerk keeps it: by ward, then Số vào sổ."""

    years: list[int]  # the years the reader's register has entries for, newest first
    year: int | None
    rows: list[Dossier]
    next_after: str | None  # "<ward_id>-<number>" of the last row, when more follow


def register_page(actor, year: int | None, after: str | None) -> RegisterPage:
    """The certificates entered in the register in `year` (default: the newest), among the dossiers the reader
    sees, `REGISTER_PAGE` at a time after `after`; paged by key over the register's own index."""
    from sqlalchemy import tuple_
    from sqlalchemy.orm import joinedload

    from workflow.services.scope import visible_dossiers

    entered = visible_dossiers(actor).where(Dossier.certificate_number.is_not(None))
    # The years come from the registers' own rows (a few per ward), each kept when the reader sees one entry of
    # it: never a DISTINCT over every certificate of a province.
    every_year = list(db.session.scalars(select(CertificateRegister.year).distinct()
                                         .order_by(CertificateRegister.year.desc())))
    years = [y for y in every_year
             if db.session.scalar(select(entered.where(Dossier.certificate_year == y).exists()))]
    if year is None or year not in years:
        year = years[0] if years else None
    if year is None:
        return RegisterPage(years, None, [], None)
    query = entered.where(Dossier.certificate_year == year)
    ward_id, number = _key(after)
    if ward_id is not None:
        query = query.where(tuple_(Dossier.ward_id, Dossier.certificate_number) > tuple_(ward_id, number))
    rows = list(db.session.scalars(query.options(joinedload(Dossier.decision))
                                   .order_by(Dossier.ward_id, Dossier.certificate_number)
                                   .limit(REGISTER_PAGE + 1)).unique())
    more = len(rows) > REGISTER_PAGE
    rows = rows[:REGISTER_PAGE]
    last = rows[-1] if more else None
    return RegisterPage(years, year, rows, f"{last.ward_id}-{last.certificate_number}" if last else None)


def _key(after: str | None) -> tuple[int | None, int | None]:
    parts = (after or "").split("-")
    if len(parts) == 2 and all(p.isdigit() and len(p) < 10 for p in parts):
        return int(parts[0]), int(parts[1])
    return None, None
