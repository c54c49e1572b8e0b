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
from states.enums import AttachmentKind, EventName, Role, State
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services import audit
from workflow.services.dossiers import is_owner, is_party, stream_of
from workflow.services.errors import Forbidden, InvalidTransition, TooLarge, ValidationFailed
from workflow.services.scope import holds_role_over

SIGNATURES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
OWNER_STATES = {State.DRAFT, State.REGISTERED, State.SELF_ASSESSMENT}
REVIEWER_ROLES = (Role.GROUP_COMMITTEE, Role.WARD_INSPECTOR, Role.COUNCIL_SECRETARY, Role.CHAIRMAN)
CHUNK = 1024 * 1024


def detect_type(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


def may_attach(user: User, dossier: Dossier) -> bool:
    """The applicant until the inspection; the reviewers who keep minutes and decisions, never on their own."""
    if dossier.state in (State.REGISTRATION_REJECTED, State.WITHDRAWN):
        return False
    if is_owner(user, dossier):
        return dossier.state in OWNER_STATES
    if is_party(user, dossier):
        return False
    return any(holds_role_over(user, role, dossier.unit) for role in REVIEWER_ROLES)


def add_attachment(actor: User, dossier: Dossier, stream: BinaryIO, filename: str, kind: str, folder: str,
                   max_bytes: int, now: datetime | None = None) -> Attachment:
    """Check, store and record one uploaded file."""
    now = now or clock.now()
    audit.lock_stream(dossier.id)
    if not may_attach(actor, dossier):
        if is_owner(actor, dossier):
            raise InvalidTransition(T("Chỉ bổ sung tệp khi hồ sơ chưa đến bước kiểm tra của phường."))
        raise Forbidden(T("Bạn không được đính kèm tệp vào hồ sơ này."))
    errors = {}
    if kind not in set(AttachmentKind):
        errors["kind"] = T("loại tài liệu không hợp lệ: %(kinds)s", kinds=", ".join(AttachmentKind))
    filename = Path((filename or "").replace("\\", "/")).name.strip()[:255]
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
    role = Role.APPLICANT if is_owner(actor, dossier) else next(
        r for r in REVIEWER_ROLES if holds_role_over(actor, r, dossier.unit))
    audit.record(stream=stream_of(dossier), dossier_id=dossier.id, unit_id=dossier.unit_id,
                 trigger=EventName.ATTACHMENT_ADDED, actor=actor, role=role, at=now,
                 data={"attachment_id": attachment.id, "kind": kind, "filename": filename, "size": size,
                       "sha256": sha256, "content_type": content_type})
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
