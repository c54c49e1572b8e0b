"""The certificates of a big decision as one PDF, made by a job (`flask render-papers`): the page says the file is
being prepared and serves it once made; the same request is the same job, a revocation makes a new file; two
workers never make the same job, a killed worker's job is taken again when its lease ends, a failing one is marked
failed and can be queued again; nobody outside the decision's scope reaches it."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from models import PaperJob
from tests.web.test_certificates import in_pdf_text, revoke, signed
from workflow.extensions import db
from workflow.services import certificates, paper_jobs


@pytest.fixture
def big(app):
    app.config["PAPERS_INLINE_MAX"] = 2  # three certificates make a "big" decision
    return app


def pdf_url(decision) -> str:
    return f"/decisions/{decision.id}/certificates?format=pdf"


def get(client, url: str):
    """The response, read and closed (a made PDF is sent from its file)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def pages_codes(data: bytes, codes: list[str]) -> list[str]:
    """Which code each page of the PDF carries, in page order."""
    return [next(code for code in codes if in_pdf_text(code, page.extract_text()))
            for page in PdfReader(BytesIO(data)).pages]


def test_a_big_decisions_pdf_is_prepared_then_served_in_the_annexs_order(big, client, auth, world):
    decision, listed = signed(world, count=3)
    auth.login("chairman")

    waiting = get(client, pdf_url(decision))
    page = waiting.get_data(as_text=True)
    assert waiting.status_code == 202 and waiting.mimetype == "text/html"
    assert "Đang tạo tệp PDF gồm 3 giấy công nhận" in page and '<meta http-equiv="refresh"' in page
    assert get(client, pdf_url(decision)).status_code == 202  # asked again: the same job
    assert db.session.scalar(select(func.count(PaperJob.id))) == 1

    report = paper_jobs.render_pending(worker="test-worker")
    assert len(report.made) == 1 and not report.failed

    served = get(client, pdf_url(decision))
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    order = [c.code for c in certificates.certificates_of(decision)[0]]
    assert pages_codes(served.data, order) == order
    job = db.session.scalars(select(PaperJob)).one()
    assert job.status == "done" and job.sheets == 3 and job.size == len(served.data)
    assert (paper_jobs.folder() / job.file_name).is_file()
    assert paper_jobs.render_pending(worker="test-worker").made == []  # nothing left to make


def test_a_revocation_makes_a_new_file_and_the_old_one_goes(big, client, auth, world):
    decision, listed = signed(world, count=4)
    auth.login("chairman")
    get(client, pdf_url(decision))
    paper_jobs.render_pending()
    old = db.session.scalars(select(PaperJob)).one()
    old_file = paper_jobs.folder() / old.file_name

    revoke(world, listed[0])
    again = get(client, pdf_url(decision))
    assert again.status_code == 202 and "gồm 3 giấy công nhận" in again.get_data(as_text=True)
    paper_jobs.render_pending()

    served = get(client, pdf_url(decision))
    assert served.status_code == 200 and len(PdfReader(BytesIO(served.data)).pages) == 3
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(served.data)).pages)
    assert not in_pdf_text(listed[0].certificate_code, text)
    assert not old_file.exists() and db.session.scalar(select(func.count(PaperJob.id))) == 1


def test_two_workers_never_hold_one_job_and_a_killed_workers_job_is_taken_again(big, client, auth, world,
                                                                             frozen_clock):
    decision, _ = signed(world, count=3)
    auth.login("chairman")
    get(client, pdf_url(decision))

    first = paper_jobs.claim("worker-a", frozen_clock.now())
    assert first is not None and first.claimed_by == "worker-a"
    assert paper_jobs.claim("worker-b", frozen_clock.now()) is None  # held under A's lease

    frozen_clock.current += paper_jobs.LEASE + timedelta(seconds=1)  # A died: its lease ends
    second = paper_jobs.claim("worker-b", frozen_clock.now())
    assert second is not None and second.id == first.id and second.claimed_by == "worker-b" and second.attempts == 2

    with client.application.test_request_context("/"):
        paper_jobs.make(db.session.get(PaperJob, first.id), "worker-a")  # A wakes up: its lease is gone
    db.session.expire_all()
    job = db.session.get(PaperJob, first.id)
    assert job.status == "running" and job.claimed_by == "worker-b" and not job.file_name
    assert list(paper_jobs.folder().glob("*.pdf")) == []  # A left no file behind

    with client.application.test_request_context("/"):
        paper_jobs.make(job, "worker-b")
    db.session.expire_all()
    assert db.session.get(PaperJob, first.id).status == "done"
    assert get(client, pdf_url(decision)).mimetype == "application/pdf"


def test_a_failing_job_is_tried_again_then_marked_failed_and_can_be_queued_again(big, client, auth, world,
                                                                                 monkeypatch):
    from workflow import papers

    decision, _ = signed(world, count=3)
    auth.login("chairman")
    get(client, pdf_url(decision))

    def broken(*args):
        raise OSError("Pango is missing")

    monkeypatch.setattr(papers, "html_to_pdf", broken)
    for attempt in range(1, paper_jobs.MAX_ATTEMPTS + 1):
        report = paper_jobs.render_pending(limit=1)
        job = db.session.scalars(select(PaperJob)).one()
        assert job.attempts == attempt and "Pango is missing" in job.error
        assert job.status == ("failed" if attempt == paper_jobs.MAX_ATTEMPTS else "queued")
    assert report.failed == [job.id]
    assert list(paper_jobs.folder().glob("*")) == []  # no half-written file left

    page = get(client, pdf_url(decision))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Chưa tạo được tệp PDF gồm 3 giấy công nhận" in text
    assert "Tạo lại" in text and "http-equiv" not in text  # nothing to wait for: no reloading

    monkeypatch.undo()
    token = text.split('name="csrf_token" value="')[1].split('"')[0]
    again = client.post(f"/decisions/{decision.id}/certificates/again", data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith(pdf_url(decision))
    assert get(client, pdf_url(decision)).status_code == 202
    assert paper_jobs.render_pending().made == [job.id]
    assert get(client, pdf_url(decision)).mimetype == "application/pdf"


def test_a_lost_file_is_made_again(big, client, auth, world):
    decision, _ = signed(world, count=3)
    auth.login("chairman")
    get(client, pdf_url(decision))
    paper_jobs.render_pending()
    job = db.session.scalars(select(PaperJob)).one()
    (paper_jobs.folder() / job.file_name).unlink()

    assert get(client, pdf_url(decision)).status_code == 202
    paper_jobs.render_pending()
    assert get(client, pdf_url(decision)).mimetype == "application/pdf"


def test_parts_rendered_in_several_processes_keep_their_order(big, client, auth, world, monkeypatch):
    decision, _ = signed(world, count=3)
    monkeypatch.setattr(paper_jobs, "SHEETS_PER_PART", 1)  # three parts over two processes
    auth.login("chairman")
    get(client, pdf_url(decision))
    assert len(paper_jobs.render_pending(jobs=2).made) == 1
    served = get(client, pdf_url(decision))
    order = [c.code for c in certificates.certificates_of(decision)[0]]
    assert pages_codes(served.data, order) == order


def test_nobody_outside_the_decisions_scope_asks_for_or_requeues_it(big, client, auth, world):
    decision, _ = signed(world, count=3)
    auth.login("outsider_chairman")  # another ward's chairman
    assert get(client, pdf_url(decision)).status_code == 404
    page = client.get("/")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/decisions/{decision.id}/certificates/again", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(select(func.count(PaperJob.id))) == 0


def test_render_papers_on_the_command_line(big, client, auth, world, runner):
    decision, _ = signed(world, count=3)
    auth.login("chairman")
    get(client, pdf_url(decision))
    result = runner.invoke(args=["render-papers"])
    assert result.exit_code == 0, result.output
    assert "Đã tạo 1 tệp, lỗi 0." in result.output
    assert get(client, pdf_url(decision)).mimetype == "application/pdf"
