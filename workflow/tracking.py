"""What the public may see of a dossier's progress: its stages and their dates, nothing personal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models import AuditEvent, Dossier
from workflow.extensions import db


def public_steps(dossier: Dossier) -> list[tuple[str, datetime]]:
    rows = db.session.execute(
        select(AuditEvent.to_state, AuditEvent.at)
        .where(AuditEvent.stream == f"dossier:{dossier.id}", AuditEvent.to_state.is_not(None))
        .order_by(AuditEvent.seq)
    )
    return [(row.to_state, row.at) for row in rows]


def find_by_code(code: str) -> Dossier | None:
    """The dossier a tracking code names (codes are shown upper-case; people type them any way)."""
    return db.session.scalars(select(Dossier).where(Dossier.tracking_code == code.strip().upper())).first()
