"""The ward's registers: the outgoing register's numbers (a decision's "135/QĐ-UBND", once a year per symbol) and
the register of certificates (Số vào sổ 1, 2, 3… per ward and year in the order issued, never reused).

A certificate's number is taken from the ward's counter row of the year by one INSERT … ON CONFLICT DO UPDATE …
RETURNING: the row stays locked until the transaction ends, so two decisions at once in one ward wait for each
other instead of reading the same last number; a set of certificates takes its block in that one statement.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from models import CertificateRegister, Decision, Dossier
from states.enums import Outcome
from states.text import T
from workflow.extensions import db
from workflow.numbers import PaperNumber, parse_number
from workflow.services.errors import Conflict, ValidationFailed

KINDS = {Outcome.RECOGNIZE: "Quyết định công nhận", Outcome.REFUSE: "văn bản không công nhận",
         Outcome.REVOKE: "Quyết định thu hồi"}


def read_number(raw: str, field: str) -> PaperNumber:
    """The number as the register reads it, or a 422 naming the field."""
    number = parse_number(raw)
    if number is None:
        raise ValidationFailed(T("Số văn bản %(number)s không đúng dạng số/ký hiệu (ví dụ 135/QĐ-UBND).",
                                 number=(raw or "")[:60]),
                               {field: T("số văn bản phải có dạng số/ký hiệu, ví dụ 135/QĐ-UBND")})
    return number


def same_number(ward_id: int, number: PaperNumber, signed_on: date) -> Decision | None:
    """The ward's paper holding this serial and symbol in the year of `signed_on`."""
    return db.session.scalars(select(Decision).where(
        Decision.unit_id == ward_id, Decision.number_year == signed_on.year,
        Decision.number_symbol == number.symbol, Decision.number_serial == number.serial)).first()


def number_taken(earlier: Decision, number: PaperNumber, field: str) -> Conflict:
    """The 409 naming the paper that already has the number."""
    kind = KINDS.get(earlier.outcome, "Quyết định")
    return Conflict(T("Số %(number)s đã dùng cho %(kind)s ngày %(day)s.", number=number.text, kind=kind,
                      day=earlier.signed_on.strftime("%d/%m/%Y")),
                    {field: T("đã dùng cho %(kind)s ngày %(day)s", kind=kind,
                              day=earlier.signed_on.strftime("%d/%m/%Y"))})


def numbered(decision: Decision, number: PaperNumber) -> Decision:
    """The decision carrying the number's register columns (its year is the year it is signed)."""
    decision.number = number.text
    decision.number_year, decision.number_symbol, decision.number_serial = (
        decision.signed_on.year, number.symbol, number.serial)
    return decision


def flush_numbered(number: PaperNumber, field: str) -> None:
    """Write a new numbered paper; another request that took the number a moment before is a 409, not a 500 (the
    request then rolls back whole)."""
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(T("Số %(number)s vừa được dùng cho một văn bản khác.", number=number.text),
                       {field: T("đã tồn tại")}) from None


def take_numbers(ward_id: int, year: int, count: int) -> int:
    """`count` consecutive numbers of the ward's register of certificates for `year`: the first of them."""
    table = CertificateRegister.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (insert(table).values(ward_id=ward_id, year=year, last_number=count)
                 .on_conflict_do_update(index_elements=[table.c.ward_id, table.c.year],
                                        set_={"last_number": table.c.last_number + count})
                 .returning(table.c.last_number))
    with db.session.no_autoflush:  # the dossiers being numbered are written after, by their own step
        last = db.session.execute(statement).scalar_one()
    return last - count + 1


def enter_all(dossiers: list[Dossier]) -> dict[int, int]:
    """Number the certificates of a set, in its order, one statement per ward and year: {dossier_id: number}."""
    blocks: dict[tuple[int, int], list[Dossier]] = {}
    for dossier in dossiers:
        blocks.setdefault((dossier.campaign.unit_id, dossier.certificate_year), []).append(dossier)
    numbers: dict[int, int] = {}
    for (ward_id, year), listed in blocks.items():
        first = take_numbers(ward_id, year, len(listed))
        for offset, dossier in enumerate(listed):
            dossier.certificate_number = numbers[dossier.id] = first + offset
    return numbers
