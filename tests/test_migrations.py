"""Migrations that add to a table everyone has: up from the revision before, then down and up again, on a
database of its own per backend (the suite's shared one stays at head), with rows kept across both ways."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from config import TestConfig
from workflow import create_app

BLANK_LAYOUT = "e16a00000004"


def _fresh_database(database_url: str, tmp_path) -> str:
    """An empty database beside the suite's: a new SQLite file, or a new database on the same PostgreSQL server
    (as its superuser, who owns what it migrates)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    from tests import conftest

    name = f"kieumau_migrations_{uuid.uuid4().hex[:8]}"
    conftest._pg_server.psql(f"CREATE DATABASE {name}")
    return conftest._pg_server.get_uri(name).replace("postgresql://", "postgresql+psycopg://", 1)


def _columns(url: str, table: str) -> dict[str, dict]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return {c["name"]: c for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_the_blank_layout_column_comes_and_goes_and_the_units_stay(database_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    url = _fresh_database(database_url, tmp_path)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="e16a00000003")
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO units (code, name, kind, path) VALUES ('W', 'Phường Thử', 'ward', "
                                    "'/1/')"))
        assert "blank_layout" not in _columns(url, "units")

        upgrade(revision=BLANK_LAYOUT)
        column = _columns(url, "units")["blank_layout"]
        assert column["nullable"]
        with engine.begin() as connection:
            assert connection.execute(text("SELECT blank_layout FROM units")).scalar_one() is None
            connection.execute(text("UPDATE units SET blank_layout = :layout"),
                               {"layout": '{"page": "a5_landscape", "pieces": {}}'})

        downgrade(revision="e16a00000003")
        assert "blank_layout" not in _columns(url, "units")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT code, name FROM units")).one() == ("W", "Phường Thử")

        upgrade(revision=BLANK_LAYOUT)
        assert "blank_layout" in _columns(url, "units")
        engine.dispose()
