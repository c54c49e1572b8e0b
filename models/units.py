from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base


class Unit(Base):
    """An administrative unit: province › commune/ward › residential group (or an agency under a ward).

    Units change: since 1 July 2025 there are two tiers, and merged units end (`valid_to`) with the unit they
    merged into named; a merged unit is moved under its successor, so the successor's people reach its history.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), comment="UnitKind value")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Materialized path "/1/4/9/": a role held at a unit reaches every unit whose path starts with its own.
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    valid_from: Mapped[date | None] = mapped_column(Date, comment="first day the unit exists (none: always)")
    valid_to: Mapped[date | None] = mapped_column(Date, comment="last day the unit exists (none: still exists)")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), comment="its successor after a merger")
    blank_layout: Mapped[dict | None] = mapped_column(
        JSON, comment="a ward's pre-printed certificate blanks: page size and where each text goes "
                      "(services/blanks.py); none: the defaults")

    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    merged_into: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])

    def reaches(self, other: Unit) -> bool:
        return other.path.startswith(self.path)

    def exists_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)
