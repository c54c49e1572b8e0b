"""Prints how long the core operations take on SQLite: dossiers walked to `recognized` through the services
(each step a real transition with its audit event), listing in scope, and verifying every chain.

Usage: .venv/bin/python bench/walk_dossiers.py [DOSSIERS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_app  # noqa: E402

from states.enums import State  # noqa: E402
from workflow.extensions import db  # noqa: E402


def main(count: int) -> None:
    app = bench_app()
    with app.app_context():
        from sqlalchemy import select

        from models import AuditEvent, Dossier
        from tests.factories import build_world
        from workflow.services.audit import verify
        from workflow.services.scope import visible_dossiers

        world = build_world()
        started = time.perf_counter()
        for number in range(count):
            world.dossier(State.RECOGNIZED, decision_number=f"{number + 1}/QĐ-UBND")
        walked = time.perf_counter() - started
        events = db.session.query(AuditEvent).count()
        print(f"walked {count} dossiers to recognized: {walked:.2f} s, {events} events, "
              f"{events / walked:.0f} events/s, {walked / count * 1000:.1f} ms per dossier")

        started = time.perf_counter()
        rows = db.session.scalars(visible_dossiers(world.users["chairman"]).order_by(Dossier.id)).all()
        print(f"list in the chairman's scope: {len(rows)} rows in {(time.perf_counter() - started) * 1000:.1f} ms")

        started = time.perf_counter()
        report = verify()
        print(f"verify all chains: {report.events_checked} events in {time.perf_counter() - started:.2f} s, "
              f"valid={report.valid}")
        assert db.session.scalar(select(Dossier.id).limit(1)) is not None


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
