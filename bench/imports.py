"""Prints how long the committee's Excel list takes, through the same service as the page and the API: the preview
of N rows (nothing kept) and creating them (one transaction), and how long the three exports of the result take
(dossier list XLSX and CSV, audit log XLSX). On a fresh SQLite file, or on an empty PostgreSQL database given by
`--database-url` (migrated here; the bench's world is built in it).

Usage: .venv/bin/python bench/imports.py [ROWS] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import app_for, bench_app  # noqa: E402

from workflow.extensions import db  # noqa: E402


def registration_list(rows: int) -> bytes:
    from openpyxl import Workbook

    from workflow.services.imports import HEADERS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Đăng ký")
    sheet.append(list(HEADERS))
    for n in range(1, rows + 1):
        sheet.append([n, f"Hộ ông Nguyễn Văn {n}", f"0010{n:08d}", f"Số {n}, Tổ dân phố 1",
                      "Gia đình kiểu mẫu" if n % 3 else "Công dân kiểu mẫu"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def migrated_app(database_url: str):
    """The app on an empty database, migrated as production is (SQLite's bench file is migrated by bench_app)."""
    app = app_for(database_url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


def main(rows: int, database_url: str | None = None) -> None:
    app = migrated_app(database_url) if database_url else bench_app()
    with app.app_context():
        from tests.factories import build_world
        from workflow import clock
        from workflow.services import imports

        world = build_world()
        world.campaign.registration_opens = clock.now().date().replace(month=1, day=1)
        world.campaign.registration_closes = clock.now().date().replace(month=12, day=31)
        db.session.commit()
        data = registration_list(rows)
        committee, unit = world.users["group_committee"], world.units["G1"]
        inspector_id, auditor_id = world.users["ward_inspector"].id, world.users["auditor"].id
        print(f"{rows} rows, {len(data) / 1024:.0f} KB, on {db.engine.dialect.name}")
        started = time.perf_counter()
        preview = imports.run(committee, world.campaign.id, unit.id, data, dry_run=True)
        db.session.rollback()
        took = time.perf_counter() - started
        print(f"{'preview (dry_run)':40} {took:8.2f} s  ({took / rows * 1000:.2f} ms per row)  "
              f"{preview.count('create')} would be created")
        started = time.perf_counter()
        result = imports.run(committee, world.campaign.id, unit.id, data, dry_run=False)
        db.session.commit()
        took = time.perf_counter() - started
        print(f"{'create (one transaction)':40} {took:8.2f} s  ({took / rows * 1000:.2f} ms per row)  "
              f"{result.created} created")
    client = app.test_client()
    from models import User
    from workflow.services.accounts import issue_token

    with app.app_context():
        token, _ = issue_token(db.session.get(User, inspector_id), hours=1)
        auditor_token, _ = issue_token(db.session.get(User, auditor_id), hours=1)
        db.session.commit()
    for label, url in (("dossier list as XLSX", "/api/v1/dossiers?format=xlsx"),
                       ("dossier list as CSV", "/api/v1/dossiers?format=csv"),
                       ("audit log as XLSX", "/api/v1/audit/events?format=xlsx")):
        who = auditor_token if "audit" in url else token
        started = time.perf_counter()
        response = client.get(url, headers={"Authorization": f"Bearer {who}"})
        size = len(response.data)
        response.close()
        took = time.perf_counter() - started
        print(f"{label:40} {took:8.2f} s  {size / 1024:.0f} KB  (status {response.status_code})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=5000)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a fresh SQLite file)")
    arguments = parser.parse_args()
    main(arguments.rows, arguments.database_url)
