"""Times `seals.verify_all()` (what `flask audit-verify` runs) on an existing database: events per second and
the process's peak memory (ru_maxrss). Writes bench/results/verify-<events>.json.

    .venv/bin/python bench/verify.py [--database-url URL] [--results DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _url(database_url: str | None) -> str | None:
    if not database_url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix):]
    return database_url


def run(database_url: str | None = None, results_dir: str | Path | None = ROOT / "bench" / "results",
        jobs: int = 1) -> dict[str, Any]:
    from config import Config, _database_url
    from workflow import create_app

    url = _url(database_url) or _database_url()

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "bench-verify"

    app = create_app(BenchConfig)
    with app.app_context():
        from workflow.extensions import db
        from workflow.services import seals

        backend = db.engine.dialect.name
        server = _server_process(db)
        load_before = os.getloadavg()[0]
        cpu_before, server_before = _cpu_seconds(), _process_seconds(server)
        started = time.perf_counter()
        report = seals.verify_all(jobs=jobs)
        seconds = time.perf_counter() - started
        client_cpu, server_after = _cpu_seconds() - cpu_before, _process_seconds(server)
        load_after = os.getloadavg()[0]
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    summary = {
        "backend": backend, "events": report.events_checked, "streams": report.streams_checked,
        "dossiers": report.dossiers_checked, "valid": report.valid, "problems": len(report.broken),
        "seconds": round(seconds, 2), "events_per_second": round(report.events_checked / seconds) if seconds else None,
        "peak_rss_mb": round(peak_kb / 1024, 1), "jobs": jobs,
        "workers_peak_rss_mb": (round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
                                if jobs > 1 else None),
        # Where the time went: this process's CPU, the database server process's (when it runs on this machine),
        # and the load average around the run (other processes on the machine make the figures approximate).
        "client_cpu_seconds": round(client_cpu, 1),
        "server_cpu_seconds": (round(server_after - server_before, 1)
                               if server_before is not None and server_after is not None else None),
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if results_dir is not None:
        folder = Path(results_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"verify-{report.events_checked}{'' if jobs == 1 else f'-jobs{jobs}'}.json"
        if path.exists():  # the previous run (and its own previous ones) kept as "before"
            summary["before"] = json.loads(path.read_text())
        path.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_process(db) -> int | None:
    """The PostgreSQL backend serving this session, when it is a process of this machine we may read."""
    if db.engine.dialect.name != "postgresql":
        return None
    from sqlalchemy import text

    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    return pid if _process_seconds(pid) is not None else None


def _process_seconds(pid: int | None) -> float | None:
    """User and system CPU seconds of a process of this machine (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"), help="where verify-<events>.json goes")
    parser.add_argument("--jobs", type=int, default=1, help="processes sharing the chains (flask audit-verify --jobs)")
    args = parser.parse_args(argv)
    summary = run(args.database_url, args.results, args.jobs)
    print(f"verified {summary['events']:,} events in {summary['streams']:,} chains on {summary['backend']} in "
          f"{summary['seconds']:.1f} s with {summary['jobs']} job(s): {summary['events_per_second']:,} events/s, peak "
          f"{summary['peak_rss_mb']} MB (largest worker {summary['workers_peak_rss_mb']} MB), "
          f"{'valid' if summary['valid'] else str(summary['problems']) + ' problems'}; CPU: this process "
          f"{summary['client_cpu_seconds']} s, database server {summary['server_cpu_seconds']} s; load average "
          f"{summary['load_average'][0]} -> {summary['load_average'][1]}")
    return summary


if __name__ == "__main__":
    main()
