"""Shared set-up for the bench scripts: a migrated SQLite file in a temporary folder and the test world."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
