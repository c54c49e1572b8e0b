"""The certificates of a big decision as one PDF, made outside the request (`flask render-papers`).

A decision of a few dozen households is printed in its request, as every paper is. Past PAPERS_INLINE_MAX sheets
the page asks for a job instead and says the file is being prepared: a worker claims the job for a lease (PostgreSQL:
`FOR UPDATE SKIP LOCKED`, as the outbox does), renders the sheets 50 at a time — in `jobs` processes when asked —
joins them in a temporary file and moves it into PAPERS_FOLDER; the page then serves that file. Any number of
workers on any number of hosts may run: a job is made once, and the job of a worker killed mid-way is taken again
when its lease ends (at most MAX_ATTEMPTS times, then it is marked failed with the error, and the page offers to
try again).

A job is known by what the paper says (`key`: the decision, and each certificate's dossier, code, version and
state): asked again, the same file is served; once a title is revoked, the next request makes a new file and the
old one is removed when the new one is done. The print on the ward's pre-printed blanks (`blank`, its own `kind`)
is the same job over the same certificates, its key holding the ward's layout too: once the admin moves a piece,
the next request makes a new file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing import get_context
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from models import Decision, Dossier, PaperJob, Unit, User
from states.enums import Outcome, State
from workflow import clock
from workflow.extensions import db

CERTIFICATES = "decision_certificates"
CERTIFICATES_BLANK = "decision_certificates_blank"  # only the variable text, for the ward's pre-printed blanks
SHEETS_PER_PART = 50
BLANK_TEMPLATE = "papers/certificate_blank.html"
LEASE = timedelta(minutes=10)  # renewed after every part: a part takes seconds
MAX_ATTEMPTS = 3


def folder() -> Path:
    return Path(current_app.config["PAPERS_FOLDER"])


def standing_count(decision: Decision) -> int:
    """How many certificates a decision's batch print holds: its recognized dossiers whose title stands (one
    index-served count; none for a refusal)."""
    if decision.outcome != Outcome.RECOGNIZE:
        return 0
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Dossier.id)).where(
        Dossier.decision_id == decision.id, Dossier.certificate_code.is_not(None),
        Dossier.state != State.REVOKED.value)) or 0


def kind_of(blank: bool) -> str:
    return CERTIFICATES_BLANK if blank else CERTIFICATES


def fingerprint(decision: Decision, blank: bool = False) -> tuple[str, int]:
    """(key, sheets): what the certificates of this decision say, as one hash — the decision's own lines and each
    certificate's dossier, code, version and state, read in one query; on blanks the ward's layout too — and how
    many sheets stand."""
    rows = db.session.execute(
        select(Dossier.id, Dossier.certificate_code, Dossier.version, Dossier.state)
        .where(Dossier.decision_id == decision.id, Dossier.certificate_code.is_not(None)).order_by(Dossier.id)).all()
    from workflow.services.signing import SigningUnavailable, identity

    signer = decision.signed_by.full_name if decision.signed_by is not None else ""
    try:  # the ward's key (or none): a file made unsigned is made again, signed, once a key is configured
        key = identity()
    except SigningUnavailable:
        key = None
    head = [decision.id, decision.number, str(decision.signed_on), signer,
            current_app.config.get("PUBLIC_URL") or current_app.config.get("SITE_URL") or "",
            key.fingerprint if key is not None else "unsigned"]
    if blank:
        from workflow.services import blanks

        head.append(blanks.layout_of(db.session.get(Unit, decision.unit_id)).stored())
    text = json.dumps([head, [list(map(str, row)) for row in rows]], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest(), sum(1 for row in rows if row.state != State.REVOKED.value)


def request_certificates(decision: Decision, actor: User | None, blank: bool = False) -> PaperJob:
    """The job of this decision's certificates as they stand now (`blank`: on the ward's pre-printed blanks): the
    one already asked for (made, being made or failed), else a new one queued. Two requests at once make one job
    (the unique key; the loser reads the winner's row)."""
    key, sheets = fingerprint(decision, blank)
    kind = kind_of(blank)
    found = _job(decision.id, key, kind)
    if found is not None:
        if found.status == "done" and not (folder() / found.file_name).is_file():
            found.status, found.file_name, found.attempts = "queued", "", 0  # the file is gone: make it again
            db.session.commit()
        return found
    job = PaperJob(kind=kind, decision_id=decision.id, key=key, sheets=sheets,
                   requested_by_id=actor.id if actor is not None else None, requested_at=clock.now(), status="queued",
                   attempts=0, file_name="", size=0, error="")
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        db.session.expunge(job) if job in db.session else None
        return _job(decision.id, key, kind)
    db.session.commit()
    return job


def retry(job: PaperJob) -> PaperJob:
    """A failed job queued again (the page's "Tạo lại")."""
    if job.status == "failed":
        job.status, job.attempts, job.error, job.claimed_by, job.claimed_until = "queued", 0, "", None, None
        db.session.commit()
    return job


def _job(decision_id: int, key: str, kind: str = CERTIFICATES) -> PaperJob | None:
    return db.session.scalars(select(PaperJob).where(PaperJob.kind == kind,
                                                     PaperJob.decision_id == decision_id,
                                                     PaperJob.key == key)).first()


def ahead_of(job: PaperJob) -> int:
    """How many jobs wait before this one (for the page: "2 tệp đang chờ trước")."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count(PaperJob.id)).where(
        PaperJob.status.in_(("queued", "running")), PaperJob.id < job.id)) or 0


# --- the worker ----------------------------------------------------------------------------------------------------

@dataclass
class Report:
    made: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def claim(worker: str, now: datetime, skip: set[int] | frozenset[int] = frozenset()) -> PaperJob | None:
    """Take the oldest job nobody holds (queued, or running under a lease that has ended) for this worker, and
    commit; None when there is none. A job past MAX_ATTEMPTS is marked failed instead of taken again; `skip`: jobs
    this run already tried (a failed one waits for the next run)."""
    free = or_(PaperJob.status == "queued",
               (PaperJob.status == "running") & (PaperJob.claimed_until <= now))
    if skip:
        free = free & PaperJob.id.not_in(sorted(skip))
    while True:
        job = db.session.scalars(select(PaperJob).where(free).order_by(PaperJob.id).limit(1)
                                 .with_for_update(skip_locked=True)).first()
        if job is None:
            db.session.commit()
            return None
        if job.attempts >= MAX_ATTEMPTS:
            job.status, job.claimed_by, job.claimed_until = "failed", None, None
            job.error = job.error or "Quá số lần thử: người tạo tệp bị dừng giữa chừng."
            db.session.commit()
            continue
        job.status, job.claimed_by, job.claimed_until = "running", worker, now + LEASE
        job.attempts += 1
        db.session.commit()
        return job


def _renew(job_id: int, worker: str) -> bool:
    """Extend the lease; False when the job is no longer this worker's (its lease ended and another took it)."""
    renewed = db.session.execute(update(PaperJob).where(PaperJob.id == job_id, PaperJob.claimed_by == worker,
                                                        PaperJob.status == "running")
                                 .values(claimed_until=clock.now() + LEASE)).rowcount
    db.session.commit()
    return bool(renewed)


class LeaseLost(Exception):
    """Another worker took the job (this one was too slow): its work is dropped, nothing written."""


def make(job: PaperJob, worker: str, jobs: int = 1) -> None:
    """Render the job's certificates into PAPERS_FOLDER and mark it done (or failed with the error)."""
    job_id, attempts = job.id, job.attempts
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    try:
        decision = db.session.get(Decision, job.decision_id)
        blank = job.kind == CERTIFICATES_BLANK
        parts = list(_parts(decision, blank))
        name = f"giay-cong-nhan-{'phoi-' if blank else ''}{job.decision_id}-{job.key[:16]}.pdf"
        size = _write(parts, target / name, jobs, lambda: _renew(job_id, worker))
    except LeaseLost:
        db.session.rollback()
        return
    except Exception as error:  # noqa: BLE001 — any failure of one paper is recorded on its job, not raised
        db.session.rollback()
        current_app.logger.exception("paper job %s failed", job_id)
        db.session.execute(update(PaperJob).where(PaperJob.id == job_id, PaperJob.claimed_by == worker).values(
            status="failed" if attempts >= MAX_ATTEMPTS else "queued", claimed_by=None, claimed_until=None,
            error=(f"{type(error).__name__}: {error}")[:500]))
        db.session.commit()
        return
    done = db.session.execute(update(PaperJob).where(PaperJob.id == job_id, PaperJob.claimed_by == worker).values(
        status="done", claimed_by=None, claimed_until=None, finished_at=clock.now(), file_name=name, size=size,
        error="")).rowcount
    db.session.commit()
    if done:
        _drop_superseded(job_id)
    elif not _owner_of(name):  # another worker took it meanwhile: its own file will be the job's
        (target / name).unlink(missing_ok=True)


def _owner_of(name: str) -> bool:
    done = select(PaperJob.id).where(PaperJob.file_name == name, PaperJob.status == "done")
    return db.session.scalar(done) is not None


def _drop_superseded(job_id: int) -> None:
    """Older files of the same decision's certificates: removed, their jobs with them (a new request would make
    the paper as it stands now anyway)."""
    job = db.session.get(PaperJob, job_id)
    older = db.session.scalars(select(PaperJob).where(
        PaperJob.kind == job.kind, PaperJob.decision_id == job.decision_id, PaperJob.id < job.id,
        PaperJob.status.in_(("done", "failed"))))
    for old in list(older):
        if old.file_name:
            (folder() / old.file_name).unlink(missing_ok=True)
        db.session.delete(old)
    db.session.commit()


def _parts(decision: Decision, blank: bool = False) -> Iterator[str]:
    """The HTML of the decision's certificates, SHEETS_PER_PART sheets a page, as the page renders them."""
    from workflow.papers import signature_context
    from workflow.services import blanks, certificates

    found, revoked = certificates.certificates_of(decision)
    if not found:
        raise ValueError("Quyết định này không có giấy công nhận nào để in.")
    if blank:
        layout = blanks.layout_of(db.session.get(Unit, decision.unit_id))
        for start in range(0, len(found), SHEETS_PER_PART):
            chunk = [blanks.sheet_of(c) for c in found[start:start + SHEETS_PER_PART]]
            yield render_template(BLANK_TEMPLATE, decision=decision, layout=layout, blank_sheets=chunk,
                                  revoked=revoked, bare=True, signing=signature_context(pdf=True))
        return
    for start in range(0, len(found), SHEETS_PER_PART):
        chunk = [(c, certificates.qr_of(c)) for c in found[start:start + SHEETS_PER_PART]]
        yield render_template("review/certificates.html", decision=decision, certificates=chunk, revoked=revoked,
                              bare=True, signing=signature_context(pdf=True))


def _write(parts: list[str], path: Path, jobs: int, renew) -> int:
    """Each part's PDF (in `jobs` processes when more than one), joined in order by pypdf into a temporary file
    beside `path`, signed there with the ward's key (when one is configured), then moved onto it: a reader never
    finds half a file, nor an unsigned one. Returns its size."""
    from pypdf import PdfWriter

    from workflow.papers import html_to_pdf, static_source
    from workflow.services.signing import sign_file

    source = static_source()
    writer = PdfWriter()
    pool = (ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) if jobs > 1 and len(parts) > 1
            else None)
    try:
        pdfs = (pool.map(_pdf_of, [(html, *source) for html in parts]) if pool is not None
                else (html_to_pdf(html, *source) for html in parts))
        for pdf in pdfs:
            writer.append(io.BytesIO(pdf))
            if not renew():
                raise LeaseLost
        handle, temporary = tempfile.mkstemp(suffix=".part", dir=path.parent)
        try:
            with os.fdopen(handle, "w+b") as out:
                writer.write(out)
                sign_file(out)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    finally:
        writer.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return path.stat().st_size


def _pdf_of(args: tuple[str, str, str, str]) -> bytes:
    from workflow.papers import html_to_pdf

    return html_to_pdf(*args)


def render_pending(worker: str | None = None, jobs: int = 1, limit: int | None = None) -> Report:
    """Make every job that waits (at most `limit`), one after another, each tried once; what `flask render-papers`
    runs."""
    from workflow.services.outbox import worker_name

    worker = worker or worker_name()
    report = Report()
    base = current_app.config.get("PUBLIC_URL") or current_app.config.get("SITE_URL") or "http://localhost/"
    tried: set[int] = set()
    while limit is None or len(tried) < limit:
        job = claim(worker, clock.now(), tried)
        if job is None:
            return report
        job_id = job.id
        tried.add(job_id)
        with current_app.test_request_context("/", base_url=base):  # url_for and the QR's address, as a page has
            make(job, worker, jobs)
        db.session.expire_all()
        after = db.session.get(PaperJob, job_id)
        if after is not None and after.status == "done":
            report.made.append(job_id)
        elif after is not None and after.error:  # failed for good, or queued for the next run
            report.failed.append(job_id) if after.status == "failed" else None
            report.errors.append(f"#{job_id}: {after.error}")
    return report
