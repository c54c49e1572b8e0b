"""The key that signs session cookies when SECRET_KEY is not in the environment: random, made once into the instance
folder and read back by every worker and every later start (a constant key would let anyone forge a session)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def load_or_create(path: str | os.PathLike) -> str:
    """The key kept in `path`, created (mode 0600) if there is none yet. Two workers starting together agree: the
    key is written to a private temporary file and linked into place, which fails for the second one, who then
    reads the first one's key."""
    target = Path(path)
    existing = _read(target)
    if existing:
        return existing
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another worker put its key there first: read that one
            os.link(temporary, target)  # atomic, and never replaces a key
    finally:
        temporary.unlink(missing_ok=True)
    key = _read(target)
    if not key:
        raise RuntimeError(f"Không đọc được khóa bí mật ở {target}")
    return key


def _read(target: Path) -> str:
    try:
        return target.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return ""
