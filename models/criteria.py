from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow


class CriteriaSet(Base):
    """A title's criteria, versioned by the legal document that set them. A set is never edited in place once
    a dossier uses it; a new version is a new row."""

    __tablename__ = "criteria_sets"
    __table_args__ = (UniqueConstraint("title", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(30), comment="Title value")
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[str] = mapped_column(String(60), comment="legal document, e.g. QĐ 09/2019")
    name: Mapped[str] = mapped_column(String(300))
    shape: Mapped[str] = mapped_column(String(20), comment="checklist | points")
    pass_points: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    standards: Mapped[list[Standard]] = relationship(
        back_populates="criteria_set", order_by="Standard.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="criteria_set", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    disqualifiers: Mapped[list[Disqualifier]] = relationship(
        back_populates="criteria_set", order_by="Disqualifier.position", cascade="all, delete-orphan"
    )


class Standard(Base):
    """A group of criteria in a points set (tiêu chuẩn), with its maximum."""

    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("criteria_set_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("criteria_sets.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(300))
    max_points: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    criteria_set: Mapped[CriteriaSet] = relationship(back_populates="standards")


class Criterion(Base):
    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("criteria_set_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("criteria_sets.id", ondelete="CASCADE"), index=True)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(Text)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    max_points: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    criteria_set: Mapped[CriteriaSet] = relationship(back_populates="criteria")
    standard: Mapped[Standard | None] = relationship()


class Disqualifier(Base):
    """A fact that bars the title whatever the score (trường hợp không xét)."""

    __tablename__ = "disqualifiers"
    __table_args__ = (UniqueConstraint("criteria_set_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("criteria_sets.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    criteria_set: Mapped[CriteriaSet] = relationship(back_populates="disqualifiers")
