"""Uploaded files made final only after the commit (issue 14, part 6): a refused or failed step leaves no file in
UPLOAD_FOLDER, a committed one exactly one; `flask sweep-uploads` places what a crash between the commit and the
move left pending, deletes pending files of steps that never committed and stored files no row refers to — and
never a file whose row exists."""

from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Attachment
from states.enums import State
from tests.api.test_attachments import PDF, PNG, upload
from workflow import uow
from workflow.extensions import db
from workflow.services import attachments
from workflow.services.errors import Conflict


def files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())


def age(path: Path, minutes: int) -> None:
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


def test_a_committed_upload_leaves_exactly_one_file(api, world, app):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    response = upload(api.as_("group_committee"), dossier.id, PDF)
    assert response.status_code == 201
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert files(app) == [Path(app.config["UPLOAD_FOLDER"]) / sha256[:2] / sha256]


def test_a_step_refused_by_the_workflow_leaves_no_file(api, world, app):
    late = world.dossier(State.WARD_INSPECTION)
    assert upload(api.as_("applicant"), late.id, PDF, kind="evidence").status_code == 409
    assert upload(api.as_("applicant"), world.dossier(State.DRAFT).id, b"MZ not a pdf", kind="evidence"
                  ).status_code == 422
    assert files(app) == []


def test_a_failure_after_the_file_was_written_leaves_no_file(api, world, app, monkeypatch):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    seen = []

    def refuse_after_write(*args, **kwargs):
        seen.extend(files(app))  # the file is on disk, under its temporary name
        raise Conflict("forced failure after the write")

    monkeypatch.setattr(attachments, "record_step", refuse_after_write)
    response = upload(api.as_("group_committee"), dossier.id, PDF)
    assert response.status_code == 409
    assert len(seen) == 1 and seen[0].parent.name == attachments.PENDING
    assert files(app) == [] and db.session.scalar(select(func.count(Attachment.id))) == 0


def test_an_unexpected_error_after_the_write_leaves_no_file(api, world, app, monkeypatch):
    dossier = world.dossier(State.SELF_ASSESSMENT)

    def crash(*args, **kwargs):
        raise RuntimeError("the disk is fine, the code is not")

    monkeypatch.setattr(attachments, "record_step", crash)
    with pytest.raises(RuntimeError):  # the test client re-raises what would be a 500
        upload(api.as_("group_committee"), dossier.id, PDF)
    db.session.remove()  # the request's end: the session closes without a commit
    assert files(app) == []


def test_a_savepoint_rolled_back_discards_its_file_and_keeps_the_others(world, app):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    actor = world.users["group_committee"]
    folder, limit = app.config["UPLOAD_FOLDER"], app.config["ATTACHMENT_MAX_BYTES"]
    attachments.add_attachment(actor, dossier, io.BytesIO(PDF), "a.pdf", "meeting_minutes", folder, limit)
    savepoint = db.session.begin_nested()
    attachments.add_attachment(actor, dossier, io.BytesIO(PNG), "b.png", "meeting_minutes", folder, limit)
    savepoint.rollback()
    assert len(files(app)) == 1 and files(app)[0].parent.name == attachments.PENDING
    db.session.commit()
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert files(app) == [Path(folder) / sha256[:2] / sha256]


def test_the_same_content_twice_is_one_file_and_a_rollback_keeps_the_committed_one(world, app):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    actor = world.users["group_committee"]
    folder, limit = app.config["UPLOAD_FOLDER"], app.config["ATTACHMENT_MAX_BYTES"]
    attachments.add_attachment(actor, dossier, io.BytesIO(PDF), "a.pdf", "meeting_minutes", folder, limit)
    db.session.commit()
    attachments.add_attachment(actor, dossier, io.BytesIO(PDF), "again.pdf", "meeting_minutes", folder, limit)
    db.session.rollback()
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert files(app) == [Path(folder) / sha256[:2] / sha256]
    assert (Path(folder) / sha256[:2] / sha256).read_bytes() == PDF


def test_the_sweep_places_finishes_and_deletes_only_what_no_row_holds(world, app, runner):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    actor = world.users["group_committee"]
    folder, limit = app.config["UPLOAD_FOLDER"], app.config["ATTACHMENT_MAX_BYTES"]
    # A step committed, then the process died before its file was moved: the row exists, the file is pending.
    attachments.add_attachment(actor, dossier, io.BytesIO(PDF), "a.pdf", "meeting_minutes", folder, limit)
    db.session().info.pop(uow.FILE_ACTIONS)  # the crash: the after-commit move never runs
    db.session.commit()
    crashed = files(app)
    assert len(crashed) == 1 and crashed[0].parent.name == attachments.PENDING
    # A committed file with its row, old.
    attachments.add_attachment(actor, dossier, io.BytesIO(PNG), "b.png", "meeting_minutes", folder, limit)
    db.session.commit()
    kept = attachments.stored_path(folder, hashlib.sha256(PNG).hexdigest())
    # A pending file of a step that never committed, and a stored file no row refers to (both old); a young
    # pending file (a step still running); a file that is not ours.
    pending = Path(folder) / attachments.PENDING
    abandoned = pending / ("a" * 64 + ".x1")
    abandoned.write_bytes(b"abandoned")
    orphan = attachments.stored_path(folder, "b" * 64)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"orphan")
    young = pending / ("c" * 64 + ".x2")
    young.write_bytes(b"young")
    stranger = Path(folder) / "zz" / "notes.txt"
    stranger.parent.mkdir()
    stranger.write_bytes(b"not ours")
    for path in (crashed[0], kept, abandoned, orphan, stranger):
        age(path, 120)

    result = runner.invoke(args=["sweep-uploads", "--minutes", "60"])
    assert result.exit_code == 0, result.output
    assert "Đã đặt vào chỗ 1 tệp; đã xoá 1 tệp tạm và 1 tệp không có hồ sơ; giữ 1 tệp." in result.output
    placed = attachments.stored_path(folder, hashlib.sha256(PDF).hexdigest())
    assert sorted(files(app)) == sorted([placed, kept, young, stranger])
    assert placed.read_bytes() == PDF and kept.read_bytes() == PNG
    # Every attachment row still has its intact file.
    for row in db.session.scalars(select(Attachment)):
        assert attachments.intact(folder, row)
