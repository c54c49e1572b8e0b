from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.units import Unit

# The per-campaign numbers of DOMAIN.md, with their defaults (shares as fractions).
DEFAULT_SETTINGS: dict[str, float | int | bool | str] = {
    "group_quorum": 0.6,
    "group_approval": 0.6,
    "notice_days": 10,
    "council_quorum": 2 / 3,
    "council_approval": 0.7,
    "pass_points": 85,
    "secret_ballot": False,
    "notice_working_days": False,
    "decision_days": 10,
    "publication_days": 15,
    "decision_working_days": False,
    "decision_authority": "chairman",
}
# Who signs the decisions (DOMAIN.md "Documents"): the chairman's own power — authority line "CHỦ TỊCH ỦY BAN NHÂN
# DÂN PHƯỜNG …", block "CHỦ TỊCH" — or the People's Committee as a collective body ("TM. ỦY BAN NHÂN DÂN").
DECISION_AUTHORITIES = ("chairman", "committee")


class Campaign(Base):
    """One ward's campaign of one year, with its windows, deadlines and numbers."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(200))
    registration_opens: Mapped[date] = mapped_column(Date)
    registration_closes: Mapped[date] = mapped_column(Date)
    assessment_due: Mapped[date] = mapped_column(Date, comment="group review meeting deadline (25 Nov)")
    inspection_due: Mapped[date] = mapped_column(Date)
    decision_due: Mapped[date] = mapped_column(Date)
    group_quorum: Mapped[float] = mapped_column(Float, default=0.6)
    group_approval: Mapped[float] = mapped_column(Float, default=0.6)
    notice_days: Mapped[int] = mapped_column(Integer, default=10)
    council_quorum: Mapped[float] = mapped_column(Float, default=2 / 3)
    council_approval: Mapped[float] = mapped_column(Float, default=0.7)
    pass_points: Mapped[int] = mapped_column(Integer, default=85)
    secret_ballot: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="members see only the tally, never who voted how"
    )
    notice_working_days: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="count the public notice in working days (else calendar days)"
    )
    decision_days: Mapped[int] = mapped_column(Integer, default=10, comment="days to decide a complete dossier")
    decision_working_days: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="count the chairman's days in working days (else calendar days, Decree 86)"
    )
    decision_authority: Mapped[str] = mapped_column(
        String(10), default="chairman", comment="who signs: chairman (CHỦ TỊCH) or committee (TM. ỦY BAN NHÂN DÂN)"
    )
    publication_days: Mapped[int] = mapped_column(Integer, default=15, comment="days to publish those recognized")
    grounds: Mapped[str] = mapped_column(
        Text, default="", comment="the decision's Căn cứ, one per line; empty: the standard grounds"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()

    @property
    def settings(self) -> dict[str, float | int | bool | str]:
        return {key: getattr(self, key) for key in DEFAULT_SETTINGS}
