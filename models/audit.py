from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class AuditEvent(Base):
    """An immutable record of one change. Events of one stream (a dossier, or a campaign) form a SHA-256 chain."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("stream", "seq"),
                      # The log, newest first (and a time range): on PostgreSQL each entry carries the unit, so a
                      # ward's page filters the walk without reading the province's other events.
                      Index("ix_audit_events_at_id", "at", "id", postgresql_include=["unit_id"]))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Binary collation: a stream's events, the seals' heads and Python sort alike, so a seal is one ordered walk.
    stream: Mapped[str] = mapped_column(String(40).with_variant(String(40, collation="C"), "postgresql"),
                                        comment="dossier:<id>, campaign:<id>, user:<id>, meeting:<id>, …")
    seq: Mapped[int] = mapped_column(Integer)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True, comment="for scope filtering")
    trigger: Mapped[str] = mapped_column(String(40), index=True, comment="Trigger or EventName value")
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80), comment="username at the time")
    role: Mapped[str | None] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    hash_version: Mapped[int] = mapped_column(
        SmallInteger, default=2, server_default="1",
        comment="1: before unit and actor were hashed (kept, attested by a re-seal); 2: unit and actor hashed")

    @property
    def name(self) -> str:
        return f"{self.stream.split(':')[0]}:{self.trigger}"


class AuditSeal(Base):
    """A published fingerprint of the whole audit: a Merkle root over every chain's (stream, length, head),
    chained to the previous seal. Printed, signed or posted by the ward, it pins every chain as it then stood."""

    __tablename__ = "audit_seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    sealed_by: Mapped[str] = mapped_column(String(80), comment="username, or 'system' for the command line")
    events: Mapped[int] = mapped_column(Integer, comment="events covered")
    streams: Mapped[int] = mapped_column(Integer, comment="chains covered")
    last_event_id: Mapped[int] = mapped_column(Integer, comment="every event with a smaller id is covered")
    root: Mapped[str] = mapped_column(String(64), comment="Merkle root of the chain heads")
    prev_hash: Mapped[str] = mapped_column(String(64), comment="the previous seal's hash")
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditSealHead(Base):
    """A chain's length and last hash when a seal was taken; only chains that changed since the previous seal
    are stored, so the heads as of a seal are each stream's row with the greatest seal id up to it."""

    __tablename__ = "audit_seal_heads"
    __table_args__ = (Index("ix_audit_seal_heads_stream_seal", "stream", "seal_id"),)

    seal_id: Mapped[int] = mapped_column(ForeignKey("audit_seals.id"), primary_key=True)
    stream: Mapped[str] = mapped_column(String(40).with_variant(String(40, collation="C"), "postgresql"),
                                        primary_key=True)
    length: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))


class AuditVerification(Base):
    """The outcome of one whole `flask audit-verify` (the pages show the latest without redoing the work)."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid: Mapped[bool] = mapped_column(Boolean)
    events: Mapped[int] = mapped_column(Integer)
    dossiers: Mapped[int] = mapped_column(Integer)
    streams: Mapped[int] = mapped_column(Integer)
    seal_id: Mapped[int | None] = mapped_column(ForeignKey("audit_seals.id"))
    problems: Mapped[list] = mapped_column(JSON, default=list, comment="the first problems found")


class AuditImmutable(Exception):
    pass


def _refuse_update(mapper, connection, target):
    raise AuditImmutable("audit records are never updated")


def _refuse_delete(mapper, connection, target):
    raise AuditImmutable("audit records are never deleted")


for _model in (AuditEvent, AuditSeal, AuditSealHead):
    event.listen(_model, "before_update", _refuse_update)
    event.listen(_model, "before_delete", _refuse_delete)
