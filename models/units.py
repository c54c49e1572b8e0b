from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base


class Unit(Base):
    """An administrative unit: province › town › ward › residential group (or an agency under a ward)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), comment="UnitKind value")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Materialized path "/1/4/9/": a role held at a unit reaches every unit whose path starts with its own.
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def reaches(self, other: Unit) -> bool:
        return other.path.startswith(self.path)
