"""Evidence files: PDF, PNG or JPEG by their content, size-limited, stored outside the database under their
SHA-256, audited like every other change.

A file is written to `<folder>/.pending/<sha256>.<random>` and moved to `<folder>/<sha256[:2]>/<sha256>` only after the
step's transaction commits (deleted when it rolls back), so a refused or failed step leaves nothing on disk. What a
crash between the commit and the move leaves behind, `sweep` finishes or removes (`flask sweep-uploads`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from models import Attachment, Dossier, User
from states.enums import Action, AttachmentKind, EventName
from states.text import T
from workflow import clock, uow
from workflow.extensions import db
from workflow.services import audit, permissions
from workflow.services.dossiers import record_step
from workflow.services.errors import TooLarge, ValidationFailed

SIGNATURES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
CHUNK = 1024 * 1024
PENDING = ".pending"
SHA256 = re.compile("[0-9a-f]{64}")
log = logging.getLogger(__name__)


def detect_type(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


def clean_filename(name: str) -> str:
    """The name shown and sent back: no folders, no control characters (a NUL would break every download)."""
    name = Path((name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF).strip()
    return name[:255]


def add_attachment(actor: User, dossier: Dossier, stream: BinaryIO, filename: str, kind: str, folder: str,
                   max_bytes: int, now: datetime | None = None) -> Attachment:
    """Check, store and record one uploaded file."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    allowed = permissions.require(actor, Action.ATTACH, dossier, now)
    errors = {}
    if not isinstance(kind, str) or kind not in set(AttachmentKind):
        errors["kind"] = T("loại tài liệu không hợp lệ: %(kinds)s", kinds=", ".join(AttachmentKind))
    filename = clean_filename(filename) or ("tep-dinh-kem" if filename else "")
    if not filename:
        errors["file"] = T("chưa chọn tệp")
    if errors:
        raise ValidationFailed(T("Tệp đính kèm chưa hợp lệ."), errors)

    pending = pending_folder(folder)
    pending.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    handle, temp_name = tempfile.mkstemp(dir=pending, prefix="upload.")
    placed = False
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(T("Tệp quá lớn: tối đa %(mb)s MB.", mb=max_bytes // (1024 * 1024)),
                                   {"file": T("tối đa %(bytes)s byte", bytes=max_bytes)})
                if len(head) < 16:
                    head = (head + chunk)[:16]
                digest.update(chunk)
                out.write(chunk)
        content_type = detect_type(head)
        if size == 0 or content_type is None:
            raise ValidationFailed(T("Chỉ nhận tệp PDF, PNG hoặc JPEG."), {"file": T("không phải PDF, PNG hoặc JPEG")})
        sha256 = digest.hexdigest()
        # Named by its checksum, so a sweep after a crash can tell which row it belongs to.
        waiting = pending / f"{sha256}.{Path(temp_name).name.removeprefix('upload.')}"
        os.replace(temp_name, waiting)
        uow.on_outcome(db.session(), lambda: _place(waiting, stored_path(folder, sha256)),
                       lambda: _discard(waiting))
        placed = True
    finally:
        if not placed and os.path.exists(temp_name):
            os.unlink(temp_name)
    attachment = Attachment(kind=kind, filename=filename, content_type=content_type, size=size, sha256=sha256,
                            uploaded_by_id=actor.id, uploaded_at=now)
    dossier.attachments.append(attachment)
    db.session.flush()
    record_step(dossier, EventName.ATTACHMENT_ADDED, actor, allowed, now,
                {"attachment_id": attachment.id, "kind": kind, "filename": filename, "size": size, "sha256": sha256,
                 "content_type": content_type})
    return attachment


def stored_path(folder: str, sha256: str) -> Path:
    return Path(folder) / sha256[:2] / sha256


def pending_folder(folder: str) -> Path:
    return Path(folder) / PENDING


def _place(waiting: Path, final: Path) -> None:
    """After the commit: the file takes its final name (the same content may already be there: same checksum)."""
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(waiting, final)
    except OSError:
        log.exception("attachment %s stays pending; `flask sweep-uploads` will place it", waiting.name)


def _discard(waiting: Path) -> None:
    try:
        waiting.unlink(missing_ok=True)
    except OSError:
        log.exception("pending attachment %s not deleted; `flask sweep-uploads` will", waiting.name)


@dataclass
class Sweep:
    placed: list[str] = field(default_factory=list)  # pending files whose row was committed: moved into place
    removed_pending: list[str] = field(default_factory=list)  # pending files of steps that never committed
    removed_orphans: list[str] = field(default_factory=list)  # final files no row refers to
    kept: int = 0  # final files a row refers to
    unknown: list[str] = field(default_factory=list)  # names that are not ours: left alone


def _known(sha256s: set[str]) -> set[str]:
    """The checksums among these that some attachment row records (the proof before any file is deleted)."""
    found: set[str] = set()
    listed = sorted(sha256s)
    for start in range(0, len(listed), 500):
        found.update(db.session.scalars(select(Attachment.sha256).where(
            Attachment.sha256.in_(listed[start:start + 500])).distinct()))
    return found


def sweep(folder: str, older_than: timedelta = timedelta(minutes=60), now: datetime | None = None) -> Sweep:
    """Finish or remove what steps left in the upload folder: a pending file older than `older_than` is moved into
    place when its row exists (a crash after the commit) and deleted otherwise; a final file no row refers to is
    deleted. A file whose row exists is never deleted; files younger than `older_than` are left to their step."""
    report = Sweep()
    root = Path(folder)
    if not root.is_dir():
        return report
    cutoff = (now or datetime.now(UTC)).timestamp() - older_than.total_seconds()

    def old(path: Path) -> bool:
        try:
            return path.stat().st_mtime < cutoff
        except FileNotFoundError:
            return False

    pending = [p for p in pending_folder(folder).glob("*") if p.is_file() and old(p)]
    finals = [p for p in root.glob("??/*") if p.is_file()]
    ours = [p for p in finals if SHA256.fullmatch(p.name) and p.parent.name == p.name[:2]]
    report.unknown = sorted(str(p.relative_to(root)) for p in finals if p not in ours)
    known = _known({p.name.split(".", 1)[0] for p in pending} | {p.name for p in ours})
    for path in pending:
        sha256 = path.name.split(".", 1)[0]
        if SHA256.fullmatch(sha256) and sha256 in known:
            _place(path, stored_path(folder, sha256))
            report.placed.append(path.name)
        else:
            path.unlink(missing_ok=True)
            report.removed_pending.append(path.name)
    for path in ours:
        if path.name in known:
            report.kept += 1
        elif old(path):
            path.unlink(missing_ok=True)
            report.removed_orphans.append(path.name)
    return report


def intact(folder: str, attachment: Attachment) -> bool:
    """True when the stored file still has the checksum recorded at upload."""
    path = stored_path(folder, attachment.sha256)
    if not path.exists():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == attachment.sha256
