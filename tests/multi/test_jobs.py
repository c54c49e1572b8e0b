"""Background work as jobs any number of hosts may start (issue 15, part 3): two `flask` processes of the same command,
started together against one PostgreSQL database, as cron or a systemd timer on two servers would.

So that the two really meet, the test holds the lock the command needs (a table or the seal's advisory lock) until
both processes are waiting for it, then lets them go together: each message is sent once, each reviewer is reminded
once a day, and two seals at once are two valid links of the seals' chain. PostgreSQL only.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, text, update

from models import AuditSeal, Delivery, Notification
from states.enums import State, Trigger
from tests.multi.processes import environment, start_command
from workflow import clock
from workflow.extensions import db
from workflow.services import audit, seals
from workflow.services.dossiers import apply_transition


@pytest.fixture
def job_env(app, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: jobs on several hosts share one database server")

    def env(**settings: str) -> dict[str, str]:
        return environment(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, **settings)

    return env


@contextlib.contextmanager
def holding(*statements: str):
    """Run `statements` in a transaction of our own and keep it (and its locks) open until the block ends."""
    connection = db.engine.connect()
    transaction = connection.begin()
    try:
        for statement in statements:
            connection.execute(text(statement))
        yield
    finally:
        transaction.rollback()
        connection.close()


def wait_for_waiters(processes, count: int = 2, seconds: float = 120) -> None:
    """Until `count` database sessions wait for a lock (both jobs have started and reached it)."""
    deadline = time.monotonic() + seconds
    with db.engine.connect() as probe:
        while True:
            waiting = probe.execute(text("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")).scalar()
            probe.rollback()
            if waiting >= count:
                return
            for process in processes:
                if process.poll() is not None:
                    out, err = process.communicate()
                    pytest.fail(f"a job ended before it reached the lock: {out}\n{err[-3000:]}")
            assert time.monotonic() < deadline, f"only {waiting} of {count} jobs reached the lock in {seconds} s"
            time.sleep(0.1)


def finish(processes, seconds: float = 120) -> list[tuple[int, str, str]]:
    results = []
    for process in processes:
        try:
            out, err = process.communicate(timeout=seconds)
        except Exception:
            process.kill()
            raise
        results.append((process.returncode, out, err))
    return results


def why(results) -> list[str]:
    """The error lines of each job that failed (the exception and PostgreSQL's DETAIL), for the assertion."""
    return ["\n".join(line for line in err.splitlines() if re.match(r"(\w+\.)*\w+(Error|Violation)\b|DETAIL", line))
            for code, _, err in results if code]


def run_together(processes, *lock: str) -> list[tuple[int, str, str]]:
    try:
        with holding(*lock):
            wait_for_waiters(processes)
        return finish(processes)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)  # reaped, its pipes closed


class Sink:
    """An SMS provider's HTTP endpoint on loopback: takes 30 ms per message and keeps each one it was given."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        lock, received = threading.Lock(), self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(0.03)
                with lock:
                    received.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Sink:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_two_senders_started_together_deliver_each_message_once(world, job_env):
    applicant = world.users["applicant"]
    applicant.phone, applicant.channels = "0912345678", ["sms"]
    db.session.commit()
    for _ in range(10):  # each accept tells the applicant by SMS
        dossier = world.dossier(State.REGISTERED)
        apply_transition(world.users["group_committee"], dossier, Trigger.ACCEPT, dossier.version)
        db.session.commit()
    # Due now by the wall clock the jobs read (the world was written at the tests' frozen hour).
    db.session.execute(update(Delivery).values(next_attempt_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.session.commit()
    pending = db.session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "pending"))
    assert pending >= 10

    with Sink() as sink:
        env = job_env(SMS_ADAPTER="http", SMS_HTTP_URL=sink.url, SMS_HTTP_TOKEN="t")
        jobs = [start_command(env, "send-outbox", "--limit", "3") for _ in range(2)]
        results = run_together(jobs, "LOCK TABLE deliveries IN EXCLUSIVE MODE")

    assert [code for code, _, _ in results] == [0, 0], why(results)
    sent = [int(re.search(r"Đã gửi (\d+) tin", out)[1]) for _, out, _ in results]
    print(f"\n{pending} messages: the two senders sent {sent}")
    assert sum(sent) == pending and min(sent) > 0  # both worked, side by side
    assert len(sink.received) == pending  # each message reached the provider once
    db.session.expire_all()
    rows = db.session.scalars(select(Delivery)).all()
    assert {(r.status, r.attempts, r.claimed_by) for r in rows} == {("sent", 1, None)}


def test_two_reminder_runs_started_together_remind_each_reviewer_once(world, job_env):
    # The group's work is overdue: its deadline was yesterday (set before the dossiers, so their due day is it).
    world.campaign.assessment_due = clock.now().date() - timedelta(days=1)
    db.session.commit()
    for group in ("G1", "G1", "G2"):
        world.dossier(State.REGISTERED, group=group)

    env = job_env()
    jobs = [start_command(env, "send-reminders") for _ in range(2)]
    results = run_together(jobs, "LOCK TABLE notifications IN EXCLUSIVE MODE")

    assert [code for code, _, _ in results] == [0, 0], why(results)
    written = sorted(int(re.search(r"Đã ghi (\d+) tin", out)[1]) for _, out, _ in results)
    db.session.expire_all()
    reminded = db.session.execute(select(Notification.user_id, func.count()).where(Notification.kind == "reminder")
                                  .group_by(Notification.user_id)).all()
    print(f"\nreminders written by the two runs: {written}; per reviewer: {reminded}")
    assert written[0] == 0 and written[1] == len(reminded) >= 2
    assert {count for _, count in reminded} == {1}
    committees = {world.users["group_committee"].id, world.users["committee2"].id}
    assert committees <= {user_id for user_id, _ in reminded}


def test_two_seals_started_together_are_two_links_of_one_chain(world, job_env):
    world.dossier(State.SELF_ASSESSMENT)
    env = job_env()
    jobs = [start_command(env, "audit-seal") for _ in range(2)]
    results = run_together(jobs, f"SELECT pg_advisory_xact_lock({audit.SEAL_LOCK})")

    assert [code for code, _, _ in results] == [0, 0], why(results)
    db.session.expire_all()
    first, second = db.session.scalars(select(AuditSeal).order_by(AuditSeal.id)).all()
    assert second.prev_hash == first.hash and second.root == first.root  # nothing written between: same heads
    assert (second.events, second.streams) == (first.events, first.streams)
    report = seals.verify_all()
    assert report.valid and report.seal.id == second.id, report.broken
