"""Shared set-up for the bench scripts: a migrated SQLite file in a temporary folder and the test world; for the
scale benches (queries.py, steps.py, batch.py), the app on a database bench/generate.py loaded, its accounts,
statement counts, percentiles and the results file."""

from __future__ import annotations

import json
import math
import os
import platform
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import PASSWORD  # noqa: E402  (every account bench/generate.py makes has it)

from config import TestConfig  # noqa: E402
from workflow import create_app  # noqa: E402


def bench_app():
    """An app on a fresh, migrated SQLite file (schema by the Alembic migrations, as in production)."""
    folder = tempfile.mkdtemp(prefix="kieumau-bench-")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.sqlite"

    app = create_app(Config)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


# --- helpers of the scale benches (queries.py, steps.py, batch.py): a loaded database, its people, figures ------

RESULTS = Path(__file__).resolve().parent / "results"
# The accounts bench/generate.py makes, by the name the benches give them: (where, the username's tail).
# Ward accounts are b<tag>w<NNN>_<tail>, the province's b<tag>_<tail>.
ACCOUNTS = {
    "applicant": ("ward", "applicant"),
    "group_committee": ("ward", "group_committee"),
    "ward_inspector": ("ward", "ward_inspector"),
    "council_member": ("ward", "council1"),
    "council_secretary": ("ward", "council_secretary"),
    "chairman": ("ward", "chairman"),
    "ward_auditor": ("ward", "auditor"),
    "province_admin": ("province", "admin"),
    "province_auditor": ("province", "auditor"),
}


def app_for(database_url: str | None = None):
    """The app on a database bench/generate.py loaded (DATABASE_URL when no URL is given), as a worker runs it:
    not in testing mode, public lookups not throttled (every bench request comes from one address)."""
    from config import Config, _database_url

    url = database_url or _database_url()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = os.environ.get("SECRET_KEY") or "kieumau-bench"  # no key file written for a bench
        TRACK_REQUESTS_PER_MINUTE = 10**9

    return create_app(BenchConfig)


def accounts(ward: int = 1) -> dict[str, str]:
    """The usernames of the last province bench/generate.py loaded, one per role name of ACCOUNTS (in an app
    context)."""
    from sqlalchemy import select

    from models import User
    from workflow.extensions import db

    pattern = re.compile(rf"^(b\d+)w{ward:03d}_chairman$")
    names = db.session.scalars(select(User.username).where(User.username.like(f"b%w{ward:03d}_chairman"))
                               .order_by(User.id.desc()))
    tag = next((m.group(1) for m in map(pattern.match, names) if m), None)
    if tag is None:
        raise SystemExit(f"no ward {ward} of bench/generate.py in this database: run bench/generate.py N first")
    return {name: (f"{tag}w{ward:03d}_{tail}" if where == "ward" else f"{tag}_{tail}")
            for name, (where, tail) in ACCOUNTS.items()}


def user(username: str):
    from sqlalchemy import select

    from models import User
    from workflow.extensions import db

    return db.session.scalars(select(User).where(User.username == username)).one()


def issue_tokens(app, usernames: dict[str, str], hours: int = 24) -> dict[str, str]:
    """A bearer token per role name (revoke_tokens removes them after the bench)."""
    from workflow.extensions import db
    from workflow.services.accounts import issue_token

    with app.app_context():
        tokens = {name: issue_token(user(username), hours=hours)[0] for name, username in usernames.items()}
        db.session.commit()
    return tokens


def revoke_tokens(app, tokens: dict[str, str]) -> None:
    from workflow.extensions import db
    from workflow.services.accounts import revoke_token

    with app.app_context():
        for token in tokens.values():
            revoke_token(token)
        db.session.commit()


def csrf_token(html: str) -> str | None:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else None


def call(app, client, method: str, url: str, **kwargs):
    """One request in an application context of its own, as a worker serves it: nothing in `g` or the session
    carries over from an earlier request, even when the caller holds a context (a test)."""
    with app.app_context():
        answer = client.open(url, method=method, **kwargs)
        answer.get_data()
    return answer


def sign_in(app, client, username: str, password: str = PASSWORD) -> None:
    """Sign a test client in through the login form (its CSRF token read from the page)."""
    page = call(app, client, "GET", "/login")
    token = csrf_token(page.get_data(as_text=True))
    answer = call(app, client, "POST", "/login",
                  data={"username": username, "password": password, "csrf_token": token})
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in of {username} answered {answer.status_code}")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def dossier_count(app) -> int:
    from sqlalchemy import func, select

    from models import Dossier
    from workflow.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(Dossier.id)))


class StatementCounter:
    """Counts the SQL statements the app's engine runs (SQLAlchemy's before_cursor_execute)."""

    def __init__(self, app):
        from sqlalchemy import event

        from workflow.extensions import db

        self.count = 0
        with app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._seen)


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value at or above p % of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float], digits: int = 2) -> dict[str, float]:
    if not values:
        return {}
    figures = {"n": len(values)}
    for p in (50, 95, 99):
        figures[f"p{p}"] = round(percentile(values, p), digits)
    figures.update(mean=round(sum(values) / len(values), digits), min=round(min(values), digits),
                   max=round(max(values), digits))
    return figures


def rss_mb() -> float:
    """This process's resident memory now (MB)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the peak where /proc is missing


def backend(app) -> str:
    from workflow.extensions import db

    with app.app_context():
        return db.engine.dialect.name


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def write_results(name: str, n: int, figures: dict[str, Any], results_dir: str | Path | None = RESULTS) -> Path | None:
    """bench/results/<name>-<n>.json (nothing when results_dir is None)."""
    figures.setdefault("at", datetime.now(UTC).isoformat(timespec="seconds"))
    figures.setdefault("machine", machine())
    if results_dir is None:
        return None
    folder = Path(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{n}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str) + "\n")
    return path
