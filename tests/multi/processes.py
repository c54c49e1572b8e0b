"""Real processes against the test session's PostgreSQL database: gunicorn app servers and `flask` commands, each
with an environment of its own (as on another host), sharing only the database and what the environment names."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "two-servers-one-key"  # the one SECRET_KEY every server of the province is given


def environment(database_url: str, folder: Path, **settings: str) -> dict[str, str]:
    """What an app server or a job is started with in production: the app role's URL, the shared key, no owner's
    password (MIGRATION_DATABASE_URL is for init-db, backup and restore only)."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
           "SECRET_KEY_FILE": str(folder / "unused_secret_key"), "RATELIMIT_STORAGE_URI": "kieumau+db://",
           "TRUSTED_PROXIES": "0", "UPLOAD_FOLDER": str(folder / "uploads"), "OUTBOX_FOLDER": str(folder / "outbox"),
           **settings}
    for name in ("FLASK_ENV", "MIGRATION_DATABASE_URL", "TEST_DATABASE_URL", "FLASK_APP"):
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    errors: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, **kw) -> requests.Response:
        """One request over a connection of its own (closed after), so the kernel may hand it to either worker."""
        headers = {"Connection": "close", **kw.pop("headers", {})}
        kw.setdefault("timeout", 30)
        return requests.request(method, self.url + path, headers=headers, allow_redirects=False, **kw)

    def workers_seen(self) -> set[str]:
        """The worker pids that answered, from the access log."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return {m[1] for m in (re.match(r"<?(\d+)>? ", line) for line in lines) if m}



def stop_all(servers: list[Server]) -> None:
    """Every master told at once, then waited for; a laggard is killed. SIGINT is gunicorn's quick shutdown: an idle
    sync worker would sit out SIGTERM's graceful timeout in its accept loop, and no request is left by now."""
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGINT)
    for server in servers:
        try:
            server.process.wait(20)
        except subprocess.TimeoutExpired:  # pragma: no cover - a master that did not stop
            server.process.kill()
            server.process.wait(10)


def gunicorn() -> list[str]:
    own = BIN / "gunicorn"
    return [str(own)] if own.exists() else [sys.executable, "-m", "gunicorn"]


def start_server(name: str, env: dict[str, str], folder: Path, workers: int = 2) -> Server:
    port, log, errors = free_port(), folder / f"{name}.access.log", folder / f"{name}.err"
    command = [*gunicorn(), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
               "--graceful-timeout", "5", "--no-control-socket", "--access-logfile", str(log),
               "--access-logformat", "%(p)s %(s)s %(m)s %(U)s", "wsgi:app"]
    with open(errors, "w") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    return Server(name, port, process, log, errors)


def wait_until_answering(servers: list[Server], seconds: float = 120) -> None:
    """Every server answers its sign-in page. Each worker imports the app as it boots (no --preload, as in
    production): seconds each, more on a busy machine, while the master already accepts connections."""
    deadline = time.monotonic() + seconds
    waiting = list(servers)
    while waiting:
        server = waiting[0]
        assert server.process.poll() is None, f"{server.name} stopped: {server.errors.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{server.name} did not answer in {seconds} s"
        try:
            if server.request("GET", "/login", timeout=5).status_code == 200:
                waiting.pop(0)
                continue
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)


def flask() -> list[str]:
    own = BIN / "flask"
    return [str(own) if own.exists() else sys.executable, *([] if own.exists() else ["-m", "flask"]), "--app", "wsgi"]


def start_command(env: dict[str, str], *args: str) -> subprocess.Popen:
    """`flask --app wsgi ARGS` as a job runner would start it (cron, a systemd timer), on its own."""
    return subprocess.Popen([*flask(), *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
