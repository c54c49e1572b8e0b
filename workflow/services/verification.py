"""What the latest `flask audit-verify` says to one reader of the audit: when it ran, what it checked, the latest
seal, and the problems it found in the reader's scope. Checking every chain takes minutes at a province's
millions of events, so it runs outside any request (the command line, a scheduled job) and pages only read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from models import AuditEvent, AuditSeal, AuditVerification, Dossier, Unit
from workflow.extensions import db
from workflow.services import seals
from workflow.services.scope import unit_filter

# Problems of the seals themselves: every chain is held to the seal, so they concern every reader of the audit.
WHOLE_AUDIT = frozenset({"seal_broken", "seal_heads_altered", "published_seal_missing"})


@dataclass(frozen=True)
class LatestCheck:
    run: AuditVerification | None  # the latest stored verification; None before the first
    seal: AuditSeal | None  # the latest seal
    broken: list[dict] = field(default_factory=list)  # the run's problems in the reader's scope

    @property
    def all_kept(self) -> bool:
        """The run kept every problem it found (it keeps the first PROBLEMS_KEPT; the command line names all)."""
        return self.run is None or len(self.run.problems or []) < seals.PROBLEMS_KEPT

    @property
    def valid(self) -> bool | None:
        """Every chain in the reader's scope held at the latest run; None when nothing has been checked yet. A
        run whose kept problems were cut short cannot vouch for any scope."""
        if self.run is None:
            return None
        return self.run.valid or (not self.broken and self.all_kept)


def latest_check(paths: list[str]) -> LatestCheck:
    """The latest verification and seal, with the problems of that run that lie in `paths` (audit_paths)."""
    run = seals.latest_verification()
    problems = list(run.problems or []) if run is not None else []
    return LatestCheck(run, seals.latest_seal(), _in_scope(problems, paths))


def _in_scope(problems: list[dict], paths: list[str]) -> list[dict]:
    """Problems whose chain has an event in `paths`, or whose dossier lies there, and those of the seals. A chain
    removed whole has nothing left to place it but its dossier; one with neither is shown to those who see every
    unit."""
    condition = unit_filter(Unit.path, paths)
    if not problems or condition is None:
        return []
    if db.session.scalar(select(Unit.id).where(~condition).limit(1)) is None:
        return problems
    streams = {p.get("stream") for p in problems} - {None}
    dossier_ids = {p.get("dossier_id") for p in problems} - {None}
    seen_streams = set(db.session.scalars(
        select(AuditEvent.stream).join(Unit, AuditEvent.unit_id == Unit.id)
        .where(AuditEvent.stream.in_(streams), condition).distinct())) if streams else set()
    seen_dossiers = set(db.session.scalars(
        select(Dossier.id).join(Unit, Dossier.unit_id == Unit.id)
        .where(Dossier.id.in_(dossier_ids), condition))) if dossier_ids else set()
    return [p for p in problems if str(p.get("reason", "")).split(":")[0] in WHOLE_AUDIT
            or p.get("stream") in seen_streams or p.get("dossier_id") in seen_dossiers]
