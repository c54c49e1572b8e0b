"""Prints how long the main pages take to render for a ward with many dossiers (SQLite, test client).

Usage: .venv/bin/python bench/pages.py [DOSSIERS]
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_app  # noqa: E402

from states.enums import State  # noqa: E402
from workflow.extensions import db  # noqa: E402

SPREAD = [State.REGISTERED, State.SELF_ASSESSMENT, State.PUBLIC_NOTICE, State.WARD_INSPECTION,
          State.COUNCIL_REVIEW, State.AWAITING_DECISION, State.RECOGNIZED]


def main(count: int) -> None:
    app = bench_app()
    with app.app_context():
        from tests.factories import build_world

        world = build_world()
        started = time.perf_counter()
        ids = [world.dossier(SPREAD[n % len(SPREAD)], decision_number=f"{n + 1}/QĐ").id for n in range(count)]
        meeting = f"/meetings/{world.units['G1'].id}/{world.campaign.id}"
        print(f"built {count} dossiers in {time.perf_counter() - started:.1f} s")
        db.session.remove()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    for user, urls in (("group_committee", ["/", "/dossiers", f"/dossiers/{ids[1]}", meeting,
                                            "/review/batch/submit_assessment", "/public/notices/G1"]),
                       ("ward_inspector", ["/review/batch/close_notice"]),
                       ("council_secretary", ["/review/batch/close_review"]),
                       ("chairman", ["/", "/dossiers?sort=subject", "/review/decisions/new", f"/dossiers/{ids[-1]}"]),
                       ("auditor", ["/", "/audit/events", "/audit/verify"])):
        client.post("/logout", data={"csrf_token": token})
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": user, "password": "demo12345", "csrf_token": token})
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
        for url in urls:
            times = []
            for _ in range(5):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(f"{user:16} {url:32} median {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
