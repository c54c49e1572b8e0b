"""Prints how long a ward's certificates take as one PDF (issue 15), on a database bench/generate.py loaded: the
chairman signs in through the login form and asks for every standing certificate of the ward's largest recognizing
decision (`/decisions/<id>/certificates?format=pdf`). Past PAPERS_INLINE_MAX sheets the page answers 202 ("being
prepared"); the script then runs what `flask render-papers --jobs J` runs (50 sheets a part, parts in J processes,
joined in a file) and downloads the file, read in blocks as a browser reads it. It prints the sheets, the seconds of
the request and of the job, the milliseconds per sheet, the PDF's size and this process's memory before and after.

Usage: .venv/bin/python bench/papers.py [--database-url URL] [--ward W] [--jobs J] [--results DIR]
Writes bench/results/papers-<N>.json, N being the dossiers in the database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def largest_decision(app, ward: int) -> tuple[int, str, int]:
    """(id, number, certificates) of the ward's recognizing decision with the most standing certificates."""
    from sqlalchemy import func, select

    from models import Decision, Dossier, RoleAssignment
    from states.enums import Outcome, Role, State
    from workflow.extensions import db

    with app.app_context():
        chairman = common.user(common.accounts(ward)["chairman"])
        ward_id = db.session.scalar(select(RoleAssignment.unit_id).where(RoleAssignment.user_id == chairman.id,
                                                                         RoleAssignment.role == Role.CHAIRMAN.value))
        row = db.session.execute(
            select(Decision.id, Decision.number, func.count(Dossier.id).label("n"))
            .join(Dossier, Dossier.decision_id == Decision.id)
            .where(Decision.unit_id == ward_id, Decision.outcome == Outcome.RECOGNIZE.value,
                   Dossier.state == State.RECOGNIZED.value)
            .group_by(Decision.id, Decision.number).order_by(func.count(Dossier.id).desc()).limit(1)).first()
    if row is None:
        raise SystemExit(f"ward {ward} has no recognizing decision")
    return row.id, row.number, row.n


def measure(app, *, ward: int = 1, jobs: int = 1, results_dir: str | Path | None = common.RESULTS,
            out=print) -> dict[str, Any]:
    """Ask for the certificates of ward `ward`'s largest decision, make them as the job does, download them;
    returns (and writes) the figures."""
    from workflow.services import paper_jobs

    n = common.dossier_count(app)
    decision_id, number, standing = largest_decision(app, ward)
    client = app.test_client()
    with app.app_context():
        username = common.accounts(ward)["chairman"]
    common.sign_in(app, client, username)
    before = common.rss_mb()
    started = time.perf_counter()
    url = f"/decisions/{decision_id}/certificates?format=pdf"
    app.config["PAPERS_INLINE_MAX"] = 0  # whatever its size, through the job, as a big decision goes
    with app.app_context():
        asked = client.get(url)
        asked.close()
    request_seconds = time.perf_counter() - started
    with app.app_context():
        made = paper_jobs.render_pending(jobs=jobs)
    job_seconds = time.perf_counter() - started - request_seconds
    with app.app_context():
        response = client.get(url, buffered=False)
        size = 0
        first = b""
        for block in response.response:
            first = first or bytes(block[:5])
            size += len(block)
        response.close()
    seconds = time.perf_counter() - started
    after = common.rss_mb()
    figures = {"bench": "papers", "n": n, "backend": common.backend(app), "ward": ward, "decision": number,
               "sheets": standing, "jobs": jobs, "asked_status": asked.status_code,
               "request_seconds": round(request_seconds, 3), "job_seconds": round(job_seconds, 2),
               "jobs_made": len(made.made), "status": response.status_code, "content_type": response.content_type,
               "is_pdf": first.startswith(b"%PDF"), "bytes": size, "seconds": round(seconds, 2),
               "ms_per_sheet": round(seconds * 1000 / max(standing, 1), 1),
               "rss_mb": {"before": round(before, 1), "after": round(after, 1)}}
    figures["all_ok"] = (figures["asked_status"] == 202 and len(made.made) == 1 and figures["status"] == 200
                         and figures["is_pdf"] and size > 0)
    common.write_results("papers", n, figures, results_dir)
    out(f"{standing} certificates of decision {number} as one PDF: asked in {request_seconds * 1000:.0f} ms "
        f"(status {asked.status_code}), made by the job in {job_seconds:.1f} s with {jobs} process(es), "
        f"{seconds:.1f} s in all ({figures['ms_per_sheet']} ms a sheet), {size / 1024 / 1024:.1f} MB, "
        f"status {response.status_code}; "
        f"worker memory {before:.0f} → {after:.0f} MB")
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--ward", type=int, default=1, help="whose ward's chairman downloads (1 = the first)")
    parser.add_argument("--jobs", type=int, default=1, help="processes rendering parts (render-papers --jobs)")
    parser.add_argument("--results", default=str(common.RESULTS), help="where papers-N.json goes")
    args = parser.parse_args(argv)
    return measure(common.app_for(args.database_url), ward=args.ward, jobs=args.jobs, results_dir=args.results)


if __name__ == "__main__":
    main()
