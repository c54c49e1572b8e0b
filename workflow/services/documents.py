"""Official papers in the state's document layout (Decree 30/2020/NĐ-CP): the chairman's decision, with its
annex list. The paper is Vietnamese only (it is an official document); the page around it is translated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from models import AuditEvent, Campaign, Decision, Dossier, Unit
from states.enums import Outcome, Title, Trigger
from states.labels import TITLE_LABELS
from workflow.extensions import db

# The standard grounds (Căn cứ) of a decision, in order; a campaign may write its own (admin, campaign page).
DEFAULT_GROUNDS: tuple[str, ...] = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
    "Căn cứ Nghị định số 152/2025/NĐ-CP của Chính phủ quy định chi tiết và hướng dẫn thi hành Luật Thi đua, "
    "khen thưởng;",
    "Căn cứ Quyết định số 09/2019/QĐ-UBND của Ủy ban nhân dân tỉnh Thanh Hóa ban hành tiêu chí và trình tự, "
    "thủ tục xét công nhận các danh hiệu kiểu mẫu;",
    "Xét đề nghị của Hội đồng Thi đua – Khen thưởng phường.",
)

# Who a title is given to, as Article 1 names them.
_SUBJECTS: dict[str, str] = {
    Title.MODEL_CITIZEN: "các công dân",
    Title.MODEL_FAMILY: "các hộ gia đình",
    Title.MODEL_GROUP: "các tổ dân phố",
    Title.MODEL_AGENCY: "các cơ quan, đơn vị",
}


@dataclass(frozen=True)
class Row:
    number: int
    name: str
    group: str
    title: str


@dataclass(frozen=True)
class DecisionDocument:
    decision: Decision
    ward: str  # "PHƯỜNG TÂN DÂN"
    ward_name: str  # "Phường Tân Dân"
    ward_in_text: str  # "phường Tân Dân", as a sentence names it
    signed_on: str  # "ngày 18 tháng 12 năm 2025"
    place_and_date: str  # "Tân Dân, ngày 18 tháng 12 năm 2025"
    recognizes: bool
    titles: str  # "“Gia đình kiểu mẫu”" or several, joined
    year: str  # "2025"
    subjects: str  # "các hộ gia đình"
    grounds: tuple[str, ...]
    rows: list[Row]
    delegated: bool
    signer: str


def grounds_of(campaign: Campaign | None) -> tuple[str, ...]:
    """The campaign's own grounds, one per line, or the standard ones."""
    own = tuple(line for line in (campaign.grounds if campaign is not None else "").splitlines() if line.strip())
    return own or DEFAULT_GROUNDS


def in_text(unit_name: str) -> str:
    """'Phường Tân Dân' → 'phường Tân Dân': inside a sentence the unit's type is written in lower case."""
    for kind in ("Phường ", "Xã ", "Thị trấn ", "Đặc khu "):
        if unit_name.startswith(kind):
            return kind.lower() + unit_name[len(kind):]
    return unit_name


def official_date(day: date) -> str:
    """'ngày 05 tháng 01 năm 2026': a day below 10 and the months 1 and 2 take a leading zero (Decree 30/2020)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " và " + parts[-1]


def decision_document(decision: Decision) -> DecisionDocument:
    """What the printed decision says, from the decision and the dossiers it lists."""
    ward = db.session.get(Unit, decision.unit_id)
    ward_name = ward.name if ward is not None else ""
    place = ward_name.removeprefix("Phường ").removeprefix("Xã ").strip() or ward_name
    dossiers: list[Dossier] = sorted(decision.dossiers, key=lambda d: (d.unit.name, d.subject_name, d.id))
    order = list(Title)
    titles = sorted({d.title for d in dossiers}, key=lambda t: order.index(t) if t in order else len(order))
    years = sorted({str(d.campaign.year) for d in dossiers}) or [str(decision.signed_on.year)]
    rows = [Row(i, d.subject_name, d.unit.name, TITLE_LABELS.get(d.title, d.title)) for i, d in
            enumerate(dossiers, start=1)]
    return DecisionDocument(
        decision=decision,
        ward=ward_name.upper(),
        ward_name=ward_name,
        ward_in_text=in_text(ward_name),
        signed_on=official_date(decision.signed_on),
        place_and_date=f"{place}, {official_date(decision.signed_on)}",
        recognizes=decision.outcome == Outcome.RECOGNIZE,
        titles=_joined([f"“{TITLE_LABELS.get(t, t)}”" for t in titles]) if titles else "",
        year=_joined(years),
        subjects=_joined([_SUBJECTS.get(t, "các đối tượng") for t in titles]) if titles else "các đối tượng",
        grounds=grounds_of(dossiers[0].campaign if dossiers else None),
        rows=rows,
        delegated=decision.on_behalf_of_id is not None,
        signer=decision.signed_by.full_name,
    )


@dataclass(frozen=True)
class RevocationDocument:
    """The decision that takes one title back (Quyết định thu hồi), as printed for one dossier."""

    decision: Decision  # the revocation
    recognized_by: Decision | None  # the decision the certificate cites
    dossier: Dossier
    ward: str
    ward_in_text: str
    place_and_date: str
    title: str  # "“Gia đình kiểu mẫu”"
    year: int
    subject: str  # "Hộ gia đình ông Lê Văn Hùng"
    group: str  # "Tổ dân phố 1"
    certificate_number: int | None
    certificate_code: str | None
    reason: str
    grounds: tuple[str, ...]


def revocation_document(dossier: Dossier) -> RevocationDocument | None:
    """What the printed revocation of a dossier's title says, or None when no numbered decision took it back."""
    from workflow.services.certificates import subject_line

    decision = dossier.revoked_by
    if decision is None:
        return None
    ward = db.session.get(Unit, decision.unit_id)
    ward_name = ward.name if ward is not None else ""
    place = ward_name.removeprefix("Phường ").removeprefix("Xã ").strip() or ward_name
    title = f"“{TITLE_LABELS.get(dossier.title, dossier.title)}”"
    recognized = dossier.decision
    grounds = [line for line in grounds_of(dossier.campaign) if not line.startswith("Xét ")]
    if recognized is not None:
        grounds.append(f"Căn cứ Quyết định số {recognized.number} {official_date(recognized.signed_on)} của Chủ "
                       f"tịch Ủy ban nhân dân {in_text(ward_name)} về việc công nhận danh hiệu {title} năm "
                       f"{dossier.campaign.year};")
    grounds.append("Xét đề nghị của Hội đồng Thi đua – Khen thưởng phường.")
    return RevocationDocument(
        decision=decision, recognized_by=recognized, dossier=dossier, ward=ward_name.upper(),
        ward_in_text=in_text(ward_name), place_and_date=f"{place}, {official_date(decision.signed_on)}",
        title=title, year=dossier.campaign.year, subject=subject_line(dossier), group=dossier.unit.name,
        certificate_number=dossier.certificate_number, certificate_code=dossier.certificate_code,
        reason=_revocation_reason(dossier) or decision.comment.strip(), grounds=tuple(grounds))


def _revocation_reason(dossier: Dossier) -> str:
    """The reason the chairman gave when taking this dossier's title back (the revoke step's comment)."""
    comment = db.session.scalars(select(AuditEvent.comment).where(
        AuditEvent.dossier_id == dossier.id, AuditEvent.trigger == Trigger.REVOKE.value)
        .order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (comment or "").strip()
