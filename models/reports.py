"""Work done outside the request: a province's statistics, which read every dossier and history event of its wards,
computed by `flask stats-refresh` for its leaders' pages; and the big papers (the certificates of a whole decision
as one PDF), made by `flask render-papers` while the page says they are being prepared."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class StatsSnapshot(Base):
    """One unit's statistics (a province or a town: several wards) for one title or all, as last computed."""

    __tablename__ = "stats_snapshots"
    __table_args__ = (UniqueConstraint("unit_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(30), default="", comment="a title's value; empty: every title")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[dict] = mapped_column(JSON, comment="services/stats.Stats.json() as computed then")


class PaperJob(Base):
    """One big paper to make as a file: asked for by a page, claimed and made by a `flask render-papers` worker
    (a lease, `FOR UPDATE SKIP LOCKED` as the outbox's), then served from PAPERS_FOLDER. `key` is the fingerprint of
    what the paper says: the same paper asked again is the same job; a change (a title revoked) makes a new one."""

    __tablename__ = "paper_jobs"
    __table_args__ = (UniqueConstraint("kind", "decision_id", "key"), Index("ix_paper_jobs_status_id", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), comment="what paper: decision_certificates")
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64), comment="sha256 of what the paper says, as asked")
    status: Mapped[str] = mapped_column(String(10), default="queued", comment="queued, running, done, failed")
    sheets: Mapped[int] = mapped_column(Integer, default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_name: Mapped[str] = mapped_column(String(120), default="", comment="the PDF in PAPERS_FOLDER, once made")
    size: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
