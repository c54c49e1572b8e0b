"""Prints how long a ward's November bulk work takes on SQLite, through the same services as the pages and the API:
one group meeting voting on N dossiers, sending them to the ward in one batch, closing their notices in one batch,
and the check a batch page makes of every waiting dossier before its confirmation step.

Usage: .venv/bin/python bench/november.py [DOSSIERS]
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_app  # noqa: E402

from states.enums import State, Trigger  # noqa: E402
from workflow import clock  # noqa: E402
from workflow.extensions import db  # noqa: E402


def timed(label: str, count: int, action):
    started = time.perf_counter()
    result = action()
    db.session.commit()
    took = time.perf_counter() - started
    print(f"{label:52} {took * 1000:8.0f} ms  ({took / count * 1000:.1f} ms per dossier)")
    return result


def main(count: int) -> None:
    app = bench_app()
    with app.app_context():
        from tests.factories import build_world
        from workflow.services import batch, meetings, permissions, records
        from workflow.services.walkthrough import full_assessment

        world = build_world()
        started = time.perf_counter()
        dossiers = [world.dossier(State.SELF_ASSESSMENT) for _ in range(count)]
        committee, inspector = world.users["group_committee"], world.users["ward_inspector"]
        for dossier in dossiers:
            payload = full_assessment(dossier)
            payload.pop("meeting")
            records.save_assessment(committee, dossier, payload)
        db.session.commit()
        print(f"built {count} dossiers in self-assessment in {time.perf_counter() - started:.1f} s")

        meeting = {"held_on": clock.now().date().isoformat(), "invited": 3 * count, "attendees": 2 * count,
                   "chaired_by": "Tổ trưởng", "note": "",
                   "votes": [{"dossier_id": d.id, "votes_for": 2 * count - 1} for d in dossiers]}
        timed(f"one meeting voting on {count} dossiers", count,
              lambda: meetings.record_meeting(committee, world.units["G1"].id, world.campaign.id, meeting))
        timed(f"check {count} dossiers before the batch page confirms", count,
              lambda: [permissions.verdict(committee, Trigger.SUBMIT_ASSESSMENT, d) for d in dossiers])
        items = [{"dossier_id": d.id, "version": d.version} for d in dossiers]
        timed(f"send {count} dossiers to the ward in one batch", count,
              lambda: batch.apply_batch(committee, Trigger.SUBMIT_ASSESSMENT, items))
        original = clock.now
        later = original() + timedelta(days=20)
        clock.now = lambda: later
        try:
            items = [{"dossier_id": d.id, "version": d.version} for d in dossiers]
            timed(f"close {count} notices in one batch", count,
                  lambda: batch.apply_batch(inspector, Trigger.CLOSE_NOTICE, items))
        finally:
            clock.now = original
        assert all(d.state == State.WARD_INSPECTION for d in dossiers)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
