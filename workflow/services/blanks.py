"""Certificates printed on a ward's pre-printed blanks (phôi): only the variable text, each piece where that ward's
card expects it.

A ward buys its certificate cards with the national name, the motto, the emblem, the frame and CÔNG NHẬN already
printed; the system prints the rest — the subject, the address, the title and year, the decision, place and date,
the signer, Số vào sổ and the code with its QR — at the positions the ward's admin set once (`Unit.blank_layout`).
A ward that set nothing prints at the defaults of a typical A4-landscape card: each piece where the full certificate
(templates/dossiers/_certificate.html) prints it, so a card laid out like the system's own certificate needs no
setting, and the full certificate printed on plain paper is a fair model of a card.

Positions are millimetres from the sheet's top-left corner to the top-left of a piece's box; a piece with a width
is centred in it (and wraps inside it), one without starts at x on one line. Font sizes are points. Every number is
checked here, once, against the chosen page, with a message beside the field it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from models import Unit, User
from states.enums import Action, EventName, Role, Title, UnitKind
from states.labels import N_, TITLE_LABELS
from states.text import T
from workflow import clock
from workflow.services import audit, permissions
from workflow.services.errors import ValidationFailed
from workflow.services.validate import Fields


@dataclass(frozen=True)
class PageSize:
    label: str
    width: float  # mm
    height: float  # mm


PAGES: dict[str, PageSize] = {
    "a4_landscape": PageSize(N_("A4 ngang (297 × 210 mm)"), 297, 210),
    "a4_portrait": PageSize(N_("A4 dọc (210 × 297 mm)"), 210, 297),
    "a5_landscape": PageSize(N_("A5 ngang (210 × 148 mm)"), 210, 148),
    "a5_portrait": PageSize(N_("A5 dọc (148 × 210 mm)"), 148, 210),
}
DEFAULT_PAGE = "a4_landscape"

SIZE_MIN, SIZE_MAX = 6, 48  # pt: smaller is unreadable on a card, larger is no certificate's line
WIDTH_MIN = 5  # mm
QR_MIN, QR_MAX = 10, 60  # mm: a QR code smaller than 10 mm is hard to scan with a phone


@dataclass(frozen=True)
class Piece:
    """One variable text of the certificate, and where a typical A4-landscape card wants it (the defaults)."""

    key: str
    label: str
    x: float
    y: float
    width: float | None
    size: float
    shown: bool = True
    style: str = ""  # "bold", "italic" or both: the full certificate's own emphasis


# In the order they stand on the card, top to bottom; one entry per piece (a new one is one line).
PIECES: tuple[Piece, ...] = (
    Piece("authority", N_("Cơ quan công nhận (CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG …), thường in sẵn trên phôi"),
          20, 41, 257, 14, shown=False, style="bold"),
    Piece("subject", N_("Tên hộ gia đình hoặc người, đơn vị được công nhận"), 20, 68.5, 257, 22, style="bold"),
    Piece("address", N_("Địa chỉ (số nhà, tổ dân phố, phường)"), 20, 80, 257, 13),
    Piece("honour", N_("Dòng “Đạt danh hiệu … năm …”"), 20, 89.5, 257, 17, style="bold"),
    Piece("decision", N_("Quyết định công nhận (số, ngày, người ký)"), 30, 100.5, 237, 13, style="italic"),
    Piece("place_date", N_("Nơi và ngày ký (… , ngày … tháng … năm …)"), 150, 150, 120, 14, style="italic"),
    Piece("sign_role", N_("Chức vụ người ký (CHỦ TỊCH, KT. CHỦ TỊCH …), thường in sẵn trên phôi"),
          150, 158, 120, 14, shown=False, style="bold"),
    Piece("signer", N_("Họ tên người ký"), 150, 187, 120, 14, style="bold"),
    Piece("number", N_("Số vào sổ (chỉ in con số, sau chữ “Số vào sổ:” in sẵn)"), 81, 164, None, 13),
    Piece("qr", N_("Mã QR và mã kiểm tra giấy (độ rộng là cạnh của mã QR)"), 23, 163, 30, 8),
)
BY_KEY = {piece.key: piece for piece in PIECES}
QR = "qr"


@dataclass(frozen=True)
class Placed:
    """A piece as a ward placed it."""

    key: str
    label: str
    shown: bool
    x: float
    y: float
    width: float | None
    size: float
    style: str

    def stored(self) -> dict[str, Any]:
        return {"shown": self.shown, "x": self.x, "y": self.y, "width": self.width, "size": self.size}


@dataclass(frozen=True)
class Layout:
    """Where a ward's blanks want each piece; `custom` is false while the ward keeps the defaults."""

    page: str
    pieces: tuple[Placed, ...]
    custom: bool = False

    @property
    def size(self) -> PageSize:
        return PAGES[self.page]

    @property
    def shown(self) -> list[Placed]:
        return [p for p in self.pieces if p.shown]

    def stored(self) -> dict[str, Any]:
        """The JSON kept on the ward's unit row (and in the fingerprint of a prepared PDF)."""
        return {"page": self.page, "pieces": {p.key: p.stored() for p in self.pieces}}

    def css(self) -> Markup:
        """The page size and each piece's box, in mm and pt (numbers this module checked: nothing else goes in)."""
        page = self.size
        lines = [f"@page {{ size: {_n(page.width)}mm {_n(page.height)}mm; margin: 0; }}",
                 f".blank-sheet {{ width: {_n(page.width)}mm; height: {_n(page.height)}mm; }}"]
        for p in self.shown:
            rules = [f"left: {_n(p.x)}mm", f"top: {_n(p.y)}mm", f"font-size: {_n(p.size)}pt"]
            if p.key == QR:
                rules.append(f"width: {_n(p.width)}mm")
            elif p.width is not None:
                rules += [f"width: {_n(p.width)}mm", "text-align: center"]
            else:
                rules.append("white-space: nowrap")
            if "bold" in p.style:
                rules.append("font-weight: bold")
            if "italic" in p.style:
                rules.append("font-style: italic")
            lines.append(f".blank-{p.key} {{ {'; '.join(rules)}; }}")
        return Markup("\n".join(lines))  # noqa: S704 — numbers and our own keys only


def _n(value: float | None) -> str:
    """A number as CSS and the form write it: 42, 42.5."""
    return f"{value:g}" if value is not None else ""


def default_layout() -> Layout:
    return Layout(DEFAULT_PAGE, tuple(Placed(p.key, p.label, p.shown, p.x, p.y, p.width, p.size, p.style)
                                      for p in PIECES))


def layout_of(unit: Unit | None) -> Layout:
    """The ward's layout: what its admin set, any piece it never set (one added since) at its default."""
    stored = unit.blank_layout if unit is not None else None
    if not isinstance(stored, dict):
        return default_layout()
    page = stored.get("page") if stored.get("page") in PAGES else DEFAULT_PAGE
    kept = stored.get("pieces") if isinstance(stored.get("pieces"), dict) else {}
    pieces = []
    for p in PIECES:
        raw = kept.get(p.key) if isinstance(kept.get(p.key), dict) else {}
        pieces.append(Placed(p.key, p.label, bool(raw.get("shown", p.shown)), _float(raw.get("x"), p.x),
                             _float(raw.get("y"), p.y),
                             _float(raw["width"], None if p.key != QR else p.width) if "width" in raw else p.width,
                             _float(raw.get("size"), p.size), p.style))
    return Layout(page, tuple(pieces), custom=True)


def _float(value: Any, default: float | None) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


# --- what an admin sends ------------------------------------------------------------------------------------------

NUMBER = re.compile(r"-?[0-9]{1,5}(?:[.,][0-9]{1,3})?")


def _number(fields: Fields, name: str, *, required: bool) -> float | None:
    """A length or a size as people type it: 42, 42.5 or 42,5 (Vietnamese write the comma); one decimal kept."""
    value = fields.payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            fields.error(name, T("bắt buộc: nhập một con số"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        fields.error(name, T("phải là số, ví dụ 42 hoặc 42,5"))
        return None
    if isinstance(value, str):
        text = value.strip()
        if not NUMBER.fullmatch(text):
            fields.error(name, T("phải là số, ví dụ 42 hoặc 42,5"))
            return None
        value = float(text.replace(",", "."))
    if value != value or value in (float("inf"), float("-inf")):  # NaN, infinity (JSON's 1e999)
        fields.error(name, T("phải là số, ví dụ 42 hoặc 42,5"))
        return None
    return round(float(value), 1)


def parse_layout(payload: Any) -> Layout:
    """A layout from what an admin sent (`{"page", "pieces": {key: {"shown", "x", "y", "width", "size"}}}`), each
    number checked against the chosen page; ValidationFailed naming each wrong field as `<piece>.<name>`."""
    fields = Fields(payload)
    page_key = fields.choice("page", PAGES, T("chọn một khổ giấy trong danh sách"), required=True)
    page = PAGES[page_key] if page_key else PAGES[DEFAULT_PAGE]
    raw_pieces = fields.payload.get("pieces")
    if not isinstance(raw_pieces, dict):
        fields.error("pieces", T("thiếu vị trí các dòng chữ"))
        raw_pieces = {}
    unknown = sorted(set(raw_pieces) - set(BY_KEY))
    if unknown:
        fields.error("pieces", T("không có dòng chữ: %(names)s", names=", ".join(map(str, unknown))[:200]))
    placed = []
    for piece in PIECES:
        sub = Fields(raw_pieces.get(piece.key))
        raw = sub.payload
        shown = raw.get("shown", piece.shown)
        if not isinstance(shown, bool):
            sub.error("shown", T("phải là true hoặc false"))
            shown = piece.shown
        x = _number(sub, "x", required=True)
        y = _number(sub, "y", required=True)
        width = _number(sub, "width", required=piece.key == QR)
        size = _number(sub, "size", required=True)
        _check(piece, page, x, y, width, size, sub)
        for name, message in sub.errors.items():
            fields.error(f"{piece.key}.{name}", message)
        placed.append(Placed(piece.key, piece.label, shown, x or 0.0, y or 0.0, width, size or piece.size,
                             piece.style))
    fields.done(T("Vị trí in trên phôi chưa hợp lệ: xem lời nhắn bên từng ô."))
    return Layout(page_key, tuple(placed), custom=True)


def _check(piece: Piece, page: PageSize, x: float | None, y: float | None, width: float | None,
           size: float | None, sub: Fields) -> None:
    """Each number inside the page, said in the page's own terms."""
    w, h = _n(page.width), _n(page.height)
    if x is not None and not 0 <= x <= page.width:
        sub.error("x", T("phải từ 0 đến %(max)s mm (tờ giấy rộng %(max)s mm)", max=w))
        x = None
    if y is not None and not 0 <= y <= page.height:
        sub.error("y", T("phải từ 0 đến %(max)s mm (tờ giấy cao %(max)s mm)", max=h))
        y = None
    if size is not None and not SIZE_MIN <= size <= SIZE_MAX:
        sub.error("size", T("cỡ chữ phải từ %(low)s đến %(high)s pt", low=SIZE_MIN, high=SIZE_MAX))
    if width is None:
        return
    if piece.key == QR and not QR_MIN <= width <= QR_MAX:
        sub.error("width", T("mã QR phải rộng từ %(low)s đến %(high)s mm để điện thoại quét được",
                             low=QR_MIN, high=QR_MAX))
    elif width < WIDTH_MIN:
        sub.error("width", T("phải từ %(low)s mm trở lên, hoặc để trống", low=WIDTH_MIN))
    elif x is not None and x + width > page.width:
        sub.error("width", T("chữ sẽ ra ngoài mép phải: cách lề trái %(x)s mm thì rộng nhiều nhất %(room)s mm",
                             x=_n(x), room=_n(round(page.width - x, 1))))
    elif piece.key == QR and y is not None and y + width > page.height:
        sub.error("width", T("mã QR sẽ ra ngoài mép dưới: cách mép trên %(y)s mm thì rộng nhiều nhất %(room)s mm",
                             y=_n(y), room=_n(round(page.height - y, 1))))


# --- saving, audited -----------------------------------------------------------------------------------------------

def _ward(actor: User, unit: Unit) -> None:
    permissions.require_at(actor, Action.ADMINISTER, unit)
    if unit.kind != UnitKind.WARD:
        raise ValidationFailed(T("Chỉ xã, phường cấp giấy công nhận nên chỉ đặt vị trí in phôi cho xã, phường."))


def _changes(before: Layout, after: Layout) -> dict[str, dict[str, Any]]:
    """What moved, as `{"page" | "<piece>.<name>": {"from", "to"}}`."""
    old, new = before.stored(), after.stored()
    diff = {}
    if old["page"] != new["page"]:
        diff["page"] = {"from": old["page"], "to": new["page"]}
    for key, values in new["pieces"].items():
        for name, value in values.items():
            if old["pieces"][key][name] != value:
                diff[f"{key}.{name}"] = {"from": old["pieces"][key][name], "to": value}
    return diff


def save_layout(actor: User, unit: Unit, payload: Any, now: datetime | None = None) -> Layout:
    """Set where the ward's blanks want each piece (an admin of the ward); the change is audited on the unit."""
    now = now or clock.now()
    _ward(actor, unit)
    before = layout_of(unit)
    after = parse_layout(payload)
    diff = _changes(before, after)
    if diff or not before.custom:
        unit.blank_layout = after.stored()
        audit.record(stream=f"unit:{unit.id}", unit_id=unit.id, trigger=EventName.BLANK_LAYOUT_UPDATED, actor=actor,
                     role=Role.ADMIN, at=now, data={"changes": diff})
    return after


def reset_layout(actor: User, unit: Unit, now: datetime | None = None) -> Layout:
    """Back to the defaults ("Khôi phục mặc định"); audited when the ward had set its own."""
    now = now or clock.now()
    _ward(actor, unit)
    before = layout_of(unit)
    if before.custom:
        unit.blank_layout = None
        audit.record(stream=f"unit:{unit.id}", unit_id=unit.id, trigger=EventName.BLANK_LAYOUT_UPDATED, actor=actor,
                     role=Role.ADMIN, at=now, data={"reset": True, "changes": _changes(before, default_layout())})
    return default_layout()


# --- what each sheet prints ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sheet:
    """One blank's variable text: {piece key: text} and the QR of its code."""

    code: str
    texts: dict[str, str]
    qr: dict = field(default_factory=dict)  # {"url", "svg"}


def sheet_of(certificate) -> Sheet:
    """What a certificate prints onto its blank (workflow.services.certificates.Certificate)."""
    from workflow.services.certificates import qr_of
    from workflow.services.documents import signature_of

    c = certificate
    signature = signature_of(c.decision) if c.decision is not None else None
    return Sheet(code=c.code, qr=qr_of(c), texts={
        "authority": c.authority, "subject": c.subject,
        "address": ", ".join(part for part in (c.address, c.group) if part),
        "honour": f"Đạt danh hiệu “{c.title}” năm {c.year}", "decision": c.decision_line,
        "place_date": c.place_and_date, "sign_role": "\n".join(signature.block) if signature else "",
        "signer": signature.signer if signature else "", "number": str(c.number) if c.number else "",
        "qr": c.code})


def sample_sheet(ward: Unit, today: date) -> Sheet:
    """The test print's sheet: made-up text of a plausible length in every piece, for lining up a card."""
    from workflow.services.certificates import qr_svg, verification_url
    from workflow.services.documents import in_text, official_date, place_of

    code = f"{today.year}-MAUINTHU"
    url = verification_url(code)
    return Sheet(code=code, qr={"url": url, "svg": qr_svg(url)}, texts={
        "authority": f"CHỦ TỊCH ỦY BAN NHÂN DÂN {ward.name.upper()}",
        "subject": "Hộ gia đình ông Nguyễn Văn Mẫu",
        "address": f"Số 12 ngõ 34 đường Mẫu, Tổ dân phố 1, {in_text(ward.name)}",
        "honour": f"Đạt danh hiệu “{TITLE_LABELS[Title.MODEL_FAMILY]}” năm {today.year}",
        "decision": f"Theo Quyết định số 01/QĐ-UBND {official_date(today)} của Chủ tịch Ủy ban nhân dân "
                    f"{in_text(ward.name)}",
        "place_date": f"{place_of(ward.name)}, {official_date(today)}", "sign_role": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        "signer": "Nguyễn Văn Ký", "number": "123", "qr": code})
