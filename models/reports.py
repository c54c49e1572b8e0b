"""Figures computed ahead of the request: a province's statistics, which read every dossier and history event of
its wards, are computed by a job (`flask stats-refresh`) and stored here for its leaders' pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class StatsSnapshot(Base):
    """One unit's statistics (a province or a town: several wards) for one title or all, as last computed."""

    __tablename__ = "stats_snapshots"
    __table_args__ = (UniqueConstraint("unit_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(30), default="", comment="a title's value; empty: every title")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[dict] = mapped_column(JSON, comment="services/stats.Stats.json() as computed then")
