"""One limit across processes: the database store (`kieumau+db://`) behind Flask-Limiter, and two gunicorn workers
on loopback letting through exactly the limit of public lookups, not twice it."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import RateLimitHit
from workflow import ratelimit_storage
from workflow.extensions import db
from workflow.ratelimit_storage import DatabaseStorage

ROOT = Path(__file__).resolve().parent.parent
LIMIT, LOOKUPS = 10, 30


class WallClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(app, monkeypatch) -> tuple[DatabaseStorage, WallClock]:
    clock = WallClock()
    monkeypatch.setattr(ratelimit_storage, "_now", clock)
    return DatabaseStorage("kieumau+db://"), clock


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(RateLimitHit))


def test_the_store_counts_a_window_and_starts_again_when_it_ends(store):
    storage, clock = store
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get("other") == 0
    assert storage.get_expiry("k") == pytest.approx(clock.now + 60)
    clock.now += 61
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


def test_ended_windows_are_deleted_so_the_table_stays_small(store):
    storage, clock = store
    for n in range(40):
        storage.incr(f"address-{n}", 60)
    assert rows() == 40
    clock.now += 61
    storage.incr("newcomer", 60)
    assert rows() == 1
    long_key = "lookup/" + "x" * 400  # kept whole by its digest
    assert [storage.incr(long_key, 60) for _ in range(2)] == [1, 2] and storage.get(long_key) == 2
    assert storage.reset() == 2 and rows() == 0


def test_simultaneous_hits_are_each_counted_once(app, store):
    storage, _ = store
    errors = []

    def hit_many():
        try:
            with app.app_context():
                for _ in range(10):
                    storage.incr("busy", 60)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=hit_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and storage.get("busy") == 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str) -> int:
    """A GET over a connection of its own (closed after), so the kernel hands it to either worker."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _answers(log: Path, path_prefix: str) -> list[tuple[str, int]]:
    """(worker pid, status) of each logged request whose path starts with `path_prefix`."""
    lines = log.read_text().splitlines() if log.exists() else []
    found = (re.fullmatch(r"<?(\d+)>? (\d{3}) (\S+)", line.strip()) for line in lines)
    return [(m[1], int(m[2])) for m in found if m and m[3].startswith(path_prefix)]


def test_one_limit_across_two_gunicorn_workers(app, tmp_path):
    port, log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "gunicorn-test",
           "RATELIMIT_STORAGE_URI": "kieumau+db://", "TRACK_REQUESTS_PER_MINUTE": str(LIMIT), "TRUSTED_PROXIES": "0",
           "UPLOAD_FOLDER": str(tmp_path / "uploads"), "OUTBOX_FOLDER": str(tmp_path / "outbox")}
    for name in ("FLASK_ENV", "MIGRATION_DATABASE_URL"):
        env.pop(name, None)
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
               "--no-control-socket", "--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s %(U)s",
               "wsgi:app"]
    with open(tmp_path / "gunicorn.err", "w") as errors:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        # Up, and both workers answering (each has imported the app), within a bounded time.
        deadline = time.monotonic() + 90
        with ThreadPoolExecutor(4) as pool:
            while len({pid for pid, _ in _answers(log, "/login")}) < 2:
                assert server.poll() is None, (tmp_path / "gunicorn.err").read_text()[-3000:]
                assert time.monotonic() < deadline, "gunicorn's two workers did not both answer in 90 s"
                try:
                    list(pool.map(lambda _: _get(port, "/login"), range(4)))
                except OSError:
                    time.sleep(0.3)
                time.sleep(0.05)

            # The same tracking lookup on the page and on the API: one count per address, LIMIT a minute.
            paths = ["/api/v1/track/KMNOSUCH00", "/track?code=KMNOSUCH00"] * (LOOKUPS // 2)
            statuses = list(pool.map(lambda path: _get(port, path), paths))
        time.sleep(0.3)  # the access log line is written after the answer
        answered = _answers(log, "/api/v1/track") + _answers(log, "/track")
        passed = Counter(pid for pid, status in answered if status != 429)
        print(f"\n{LOOKUPS} lookups over {len({pid for pid, _ in answered})} workers: "
              f"{sum(s != 429 for s in statuses)} passed {dict(passed)}, {statuses.count(429)} refused (429)")
        assert len(statuses) == LOOKUPS and sum(status != 429 for status in statuses) == LIMIT
        assert statuses.count(429) == LOOKUPS - LIMIT and 500 not in statuses
        assert len({pid for pid, _ in answered}) == 2, "both workers answered lookups"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            server.kill()
            server.wait(10)
