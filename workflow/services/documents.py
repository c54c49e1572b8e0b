"""Official papers in the state's document layout (Decree 30/2020/NĐ-CP): the chairman's decision, with its
annex list, and what every paper shares — who signs and how (the campaign's `decision_authority`: the chairman's own
power, signed CHỦ TỊCH, by default), the grounds, the place. The paper is Vietnamese only (it is an official
document); the page around it is translated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from models import AuditEvent, Campaign, Decision, Dossier, Unit
from states.enums import Outcome, Title, Trigger
from states.labels import TITLE_LABELS
from workflow.extensions import db

# The standard grounds (Căn cứ) of a decision, in order, each with its number, date, issuer and title (Decree
# 30/2020); a campaign may write its own (admin, campaign page).
DEFAULT_GROUNDS: tuple[str, ...] = (
    "Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16 tháng 6 năm 2025;",
    "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;",
    "Căn cứ Nghị định số 86/2023/NĐ-CP ngày 07 tháng 12 năm 2023 của Chính phủ quy định về khung tiêu chuẩn và "
    "trình tự, thủ tục, hồ sơ xét tặng danh hiệu “Gia đình văn hóa”, “Thôn, Tổ dân phố văn hóa”, “Xã, phường, "
    "thị trấn tiêu biểu”;",
    "Căn cứ Quyết định số 09/2019/QĐ-UBND ngày 09 tháng 4 năm 2019 của Ủy ban nhân dân tỉnh Thanh Hóa ban hành "
    "tiêu chí và trình tự, thủ tục xét công nhận các danh hiệu kiểu mẫu;",
    "Theo đề nghị của Hội đồng Thi đua - Khen thưởng phường.",
)
# The standard grounds of earlier versions: a campaign that stored them is read as using the standard ones.
FORMER_GROUNDS: tuple[tuple[str, ...], ...] = ((
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
    "Căn cứ Nghị định số 152/2025/NĐ-CP của Chính phủ quy định chi tiết và hướng dẫn thi hành Luật Thi đua, "
    "khen thưởng;",
    "Căn cứ Quyết định số 09/2019/QĐ-UBND của Ủy ban nhân dân tỉnh Thanh Hóa ban hành tiêu chí và trình tự, "
    "thủ tục xét công nhận các danh hiệu kiểu mẫu;",
    "Xét đề nghị của Hội đồng Thi đua – Khen thưởng phường.",
),)

# Who a decision is sent to (Nơi nhận), as a ward sends a recognition: those who carry it out, the ward's party
# committee, People's Council and Front, the council that proposed it, the archive.
RECIPIENTS: tuple[str, ...] = (
    "Như Điều 3;",
    "Đảng ủy phường (để báo cáo);",
    "Thường trực HĐND phường (để báo cáo);",
    "Ủy ban MTTQ Việt Nam phường;",
    "Hội đồng Thi đua - Khen thưởng phường;",
    "Lưu: VT.",
)

# Who a refusal notice is sent to: those it names and their groups, the council, the archive.
NOTICE_RECIPIENTS: tuple[str, ...] = (
    "Như trên;",
    "Hội đồng Thi đua - Khen thưởng phường;",
    "Lưu: VT.",
)

# Who a title is given to, as Article 1 counts them ("01 công dân, 05 hộ gia đình").
_NOUNS: dict[str, str] = {
    Title.MODEL_CITIZEN: "công dân",
    Title.MODEL_FAMILY: "hộ gia đình",
    Title.MODEL_GROUP: "tổ dân phố",
    Title.MODEL_AGENCY: "cơ quan, đơn vị",
    Title.CULTURED_FAMILY: "hộ gia đình",
}
_SUBJECTS: dict[str, str] = {title: f"các {noun}" for title, noun in _NOUNS.items()}
assert set(_NOUNS) == set(Title), "every title counts its own kind"


@dataclass(frozen=True)
class Signature:
    """How a decision is signed (Decree 30/2020, Decree 86/2023): the authority line under the title, the block
    above the signer's name, and how other papers name the issuer."""

    authority: str  # "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG TÂN DÂN" (the chairman's own) or "ỦY BAN NHÂN DÂN PHƯỜNG …"
    block: tuple[str, ...]  # ("CHỦ TỊCH",) · ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") · ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    issuer: str  # "Chủ tịch Ủy ban nhân dân phường Tân Dân" or "Ủy ban nhân dân phường Tân Dân"
    signer: str  # the signer's full name


def authority_of(decision: Decision) -> str:
    """'chairman' or 'committee': the setting of the campaign whose dossiers the decision lists — or, for a paper
    listing none (a revocation), of the ward's latest campaign up to the decision's year."""
    found = db.session.scalar(select(Campaign.decision_authority).join(Dossier, Dossier.campaign_id == Campaign.id)
                              .where(Dossier.decision_id == decision.id).limit(1))
    if found is None and decision.signed_on is not None:
        found = db.session.scalar(select(Campaign.decision_authority).where(
            Campaign.unit_id == decision.unit_id, Campaign.year <= decision.signed_on.year)
            .order_by(Campaign.year.desc()).limit(1))
    return found or "chairman"


def signature_of(decision: Decision) -> Signature:
    """Who signs the decision and how: CHỦ TỊCH (the chairman's own power) or KT. CHỦ TỊCH / PHÓ CHỦ TỊCH when the
    vice chairman signs on his behalf; under a collective decision, TM. ỦY BAN NHÂN DÂN above either."""
    ward = db.session.get(Unit, decision.unit_id)
    ward_name = ward.name if ward is not None else ""
    delegated = decision.on_behalf_of_id is not None
    own = ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") if delegated else ("CHỦ TỊCH",)
    body = f"Ủy ban nhân dân {in_text(ward_name)}".strip()
    if authority_of(decision) == "committee":
        return Signature(authority=ward_name.upper() and f"ỦY BAN NHÂN DÂN {ward_name.upper()}",
                         block=("TM. ỦY BAN NHÂN DÂN", *own), issuer=body, signer=decision.signed_by.full_name)
    return Signature(authority=f"CHỦ TỊCH ỦY BAN NHÂN DÂN {ward_name.upper()}".strip(), block=own,
                     issuer=f"Chủ tịch {body}", signer=decision.signed_by.full_name)


def counted(dossiers: list[Dossier]) -> str:
    """'01 công dân, 05 hộ gia đình': how many of each kind, in the titles' order, two digits at least."""
    order = list(Title)
    by_title: dict[str, int] = {}
    for dossier in dossiers:
        by_title[dossier.title] = by_title.get(dossier.title, 0) + 1
    titles = sorted(by_title, key=lambda t: order.index(t) if t in order else len(order))
    nouns = [_NOUNS.get(t, "đối tượng") for t in titles]
    # Two titles of one kind (households: "Gia đình kiểu mẫu", "Gia đình văn hóa") each say which they count.
    return ", ".join(f"{by_title[t]:02d} {noun}" + (f" ({TITLE_LABELS.get(t, t)})" if nouns.count(noun) > 1 else "")
                     for t, noun in zip(titles, nouns, strict=True))


def place_of(ward_name: str) -> str:
    """Where a paper is dated: 'Phường Tân Dân' → 'Tân Dân'; a ward known by its number keeps its kind ('Phường 1',
    never '1, ngày …')."""
    lowered = in_text(ward_name)
    if lowered == ward_name:
        return ward_name
    kind = next(k for k in ("phường ", "xã ", "thị trấn ", "đặc khu ") if lowered.startswith(k))
    rest = ward_name[len(kind):].strip()
    return ward_name if not rest or rest.replace(" ", "").isdigit() else rest


@dataclass(frozen=True)
class Row:
    number: int
    name: str
    group: str
    title: str
    reason: str = ""  # a refusal notice: why this one was not recognized


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
    counts: str  # "01 công dân, 05 hộ gia đình"
    signature: Signature
    recipients: tuple[str, ...]
    groups: tuple[str, ...] = ()  # a refusal notice is addressed to the groups of those it names


def grounds_of(campaign: Campaign | None) -> tuple[str, ...]:
    """The campaign's own grounds, one per line, or the standard ones (also when it stored an earlier version's
    standard grounds)."""
    own = tuple(line for line in (campaign.grounds if campaign is not None else "").splitlines() if line.strip())
    return DEFAULT_GROUNDS if not own or own in FORMER_GROUNDS else own


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
    place = place_of(ward_name)
    dossiers: list[Dossier] = sorted(decision.dossiers, key=lambda d: (d.unit.name, d.subject_name, d.id))
    order = list(Title)
    titles = sorted({d.title for d in dossiers}, key=lambda t: order.index(t) if t in order else len(order))
    years = sorted({str(d.campaign.year) for d in dossiers}) or [str(decision.signed_on.year)]
    reasons = decision.reasons or {}
    rows = [Row(i, d.subject_name, d.unit.name, TITLE_LABELS.get(d.title, d.title),
                reasons.get(str(d.id)) or decision.comment) for i, d in enumerate(dossiers, start=1)]
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
        subjects=_joined(list(dict.fromkeys(_SUBJECTS.get(t, "các đối tượng") for t in titles)))
        if titles else "các đối tượng",
        grounds=grounds_of(dossiers[0].campaign if dossiers else None),
        rows=rows,
        counts=counted(dossiers),
        signature=signature_of(decision),
        recipients=RECIPIENTS if decision.outcome == Outcome.RECOGNIZE else NOTICE_RECIPIENTS,
        groups=tuple(sorted({d.unit.name for d in dossiers})),
    )


@dataclass(frozen=True)
class Letter:
    """A refused household's own letter (Decree 86/2023: told in writing, with the reasons)."""

    ward: str  # "PHƯỜNG TÂN DÂN"
    ward_in_text: str
    place_and_date: str
    titles: str  # "“Gia đình kiểu mẫu”"
    year: int
    addressee: str  # "Hộ gia đình ông Lê Văn Hùng"
    address: str
    group: str
    reason: str
    signature: Signature


def letter_of(dossier: Dossier, decision: Decision) -> Letter:
    from workflow.services.certificates import subject_line

    ward = db.session.get(Unit, decision.unit_id)
    ward_name = ward.name if ward is not None else ""
    return Letter(
        ward=ward_name.upper(), ward_in_text=in_text(ward_name),
        place_and_date=f"{place_of(ward_name)}, {official_date(decision.signed_on)}",
        titles=f"“{TITLE_LABELS.get(dossier.title, dossier.title)}”", year=dossier.campaign.year,
        addressee=subject_line(dossier), address=dossier.subject_address or "", group=dossier.unit.name,
        reason=(decision.reasons or {}).get(str(dossier.id)) or decision.comment, signature=signature_of(decision))


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
    place = place_of(ward_name)
    title = f"“{TITLE_LABELS.get(dossier.title, dossier.title)}”"
    recognized = dossier.decision
    grounds = [line for line in grounds_of(dossier.campaign) if not line.startswith(("Xét ", "Theo đề nghị"))]
    if recognized is not None:
        grounds.append(f"Căn cứ Quyết định số {recognized.number} {official_date(recognized.signed_on)} của "
                       f"{signature_of(recognized).issuer} về việc công nhận danh hiệu {title} năm "
                       f"{dossier.campaign.year};")
    grounds.append("Theo đề nghị của Hội đồng Thi đua - Khen thưởng phường.")
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
