"""Evidence files: PDF, PNG or JPEG by their content, size-limited, stored outside the database under their
SHA-256, audited like every other change."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from models import Attachment, Dossier, User
from states.enums import Action, AttachmentKind, EventName
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import audit, permissions
from workflow.services.dossiers import record_step
from workflow.services.errors import TooLarge, ValidationFailed

SIGNATURES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
CHUNK = 1024 * 1024


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

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    handle, temp_name = tempfile.mkstemp(dir=target, prefix=".upload-")
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
        final = stored_path(folder, sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_name, final)
    finally:
        if os.path.exists(temp_name):
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
