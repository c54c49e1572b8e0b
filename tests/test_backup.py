"""Backup and restore (issue 14, part 6), on SQLite and PostgreSQL: `flask backup` then `flask restore` brings back
every table's rows and every uploaded file's bytes, and the audit chains verify; a restore over data is refused
without --force (nothing changed); a damaged backup, a hostile archive or a pg_dump of another major version are
refused with what to do."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from models import Dossier
from states.enums import State
from tests.api.test_attachments import PDF, PNG, upload
from workflow.extensions import db
from workflow.services import backup as backups
from workflow.services.audit import verify


def counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return backups.count_rows(connection)


def stored(app) -> dict[str, bytes]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and not p.relative_to(root).parts[0].startswith(".")}


@pytest.fixture
def filled(app, world, api):
    """The world, dossiers in several states (votes, meetings, a decision), two attached files, messages."""
    for state in (State.REGISTERED, State.WARD_INSPECTION, State.RECOGNIZED):
        world.dossier(state)
    dossier = world.dossier(State.SELF_ASSESSMENT)
    for content, name in ((PDF, "bien-ban.pdf"), (PNG, "anh.png")):
        assert upload(api.as_("group_committee"), dossier.id, content, name=name).status_code == 201
    db.session.commit()
    return dossier


def test_backup_then_restore_brings_back_every_row_and_file(app, runner, filled, world, api, tmp_path):
    before, files = counts(), stored(app)
    assert len(files) == 2 and before["dossiers"] >= 4 and before["audit_events"] > 20 and before["attachments"] == 2
    archive = tmp_path / "kieumau.tar"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert f"{sum(before.values())} dòng" in result.output and "2 tệp" in result.output
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    database = "database.sqlite" if db.engine.dialect.name == "sqlite" else "database.dump"
    assert {"manifest.json", database, *files_in(files)} <= names
    assert manifest["tables"] == before
    assert {name: f["sha256"] for name, f in manifest["files"].items()} == {
        f"uploads/{name}": hashlib.sha256(data).hexdigest() for name, data in files.items()}

    # Life goes on after the backup: a new dossier, a new file; and a stored file is lost.
    later = world.dossier(State.SELF_ASSESSMENT).id
    assert upload(api.as_("group_committee"), later, PDF + b"later", name="sau.pdf").status_code == 201
    db.session.commit()
    lost = Path(app.config["UPLOAD_FOLDER"]) / next(iter(files))
    lost.unlink()
    changed = counts()
    assert changed != before

    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0 and "--force" in refused.output and "đang có" in refused.output
    assert counts() == changed and not lost.exists()  # nothing changed

    restored = runner.invoke(args=["restore", str(archive), "--force"])
    assert restored.exit_code == 0, restored.output
    assert "Nhật ký toàn vẹn" in restored.output
    db.session.remove()
    assert counts() == before
    now = stored(app)
    assert {name: now[name] for name in files} == files  # every file's bytes back (the later one is kept)
    assert db.session.get(Dossier, later) is None
    assert verify().valid


def files_in(files: dict[str, bytes]) -> set[str]:
    return {f"uploads/{name}" for name in files}


def server_sql(app, *statements: str) -> None:
    engine = create_engine(backups.owner_url(app.config), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def test_a_folder_backup_restores_into_an_empty_database(app, runner, filled, tmp_path, request):
    before, files = counts(), stored(app)
    folder = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(folder)]).exit_code == 0
    assert (folder / "manifest.json").is_file()
    # A fresh, empty database (no tables at all) and an empty upload folder.
    if db.engine.dialect.name == "sqlite":
        target_url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        name = "kieumau_restore_check"
        try:
            server_sql(app, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
        except Exception as error:  # the owner may not create databases where the suite runs
            pytest.skip(f"cannot create a database here: {error}")
        request.addfinalizer(lambda: server_sql(app, f"DROP DATABASE IF EXISTS {name}"))
        owner = make_url(backups.owner_url(app.config))  # the owner restores; the app's role may not create
        target_url = owner.set(database=name).render_as_string(hide_password=False)
    config = {"SQLALCHEMY_DATABASE_URI": target_url, "MIGRATION_DATABASE_URL": "",
              "UPLOAD_FOLDER": str(tmp_path / "fresh-uploads"), "PG_BIN_DIR": ""}
    outcome = backups.restore(config, str(folder))
    assert outcome.tables == before and outcome.files == 2
    engine = create_engine(target_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            assert backups.count_rows(connection) == before
    finally:
        engine.dispose()
    fresh = Path(config["UPLOAD_FOLDER"])
    assert {p.relative_to(fresh).as_posix(): p.read_bytes() for p in fresh.rglob("*") if p.is_file()} == files


def test_a_damaged_backup_is_refused_before_anything_changes(app, runner, filled, tmp_path):
    folder = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(folder)]).exit_code == 0
    before = counts()
    uploaded = next(p for p in (folder / "uploads").rglob("*") if p.is_file())
    uploaded.write_bytes(b"tampered")
    result = runner.invoke(args=["restore", str(folder), "--force"])
    assert result.exit_code != 0 and "SHA-256" in result.output
    assert counts() == before


def test_an_archive_reaching_outside_is_refused(app, runner, tmp_path):
    import secrets
    import tempfile

    evil = tmp_path / "evil.tar"
    name = f"outside-{secrets.token_hex(6)}.txt"
    with tarfile.open(evil, "w") as tar:
        for member in (f"../{name}", f"../../{name}", f"uploads/../../{name}"):
            data = b"owned"
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    result = runner.invoke(args=["restore", str(evil), "--force"])
    assert result.exit_code != 0 and "không hợp lệ" in result.output
    # Wherever an unpacking could have reached: beside the temporary folders, the upload folder, the backup.
    reachable = [Path(tempfile.gettempdir()), Path(app.config["UPLOAD_FOLDER"]).parent, tmp_path, tmp_path.parent]
    assert not [where for where in reachable if (where / name).exists() or (where.parent / name).exists()]


def test_a_pg_dump_of_another_major_version_is_refused(app, runner, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    fake = tmp_path / "bin"
    fake.mkdir()
    tool = fake / "pg_dump"
    tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.22'\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    app.config["PG_BIN_DIR"] = str(fake)
    result = runner.invoke(args=["backup", str(tmp_path / "out")])
    assert result.exit_code != 0 and "pg_dump" in result.output and "(12)" in result.output
    assert "PG_BIN_DIR" in result.output
