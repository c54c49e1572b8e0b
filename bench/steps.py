"""Prints what a real step cycle costs against a bare write (issue 15): the ward inspector returns a dossier on
public notice to its group, the group committee saves its revised self-assessment, and submits it again (back on
public notice) — three requests through the JSON API — against a bare endpoint that runs one UPDATE of a dossier row
and one INSERT, in the same app, with the same client, in interleaved rounds. Then the worker's memory before and
after `--steps` more step requests.

The bare endpoint is registered on the app object here (POST /_bench/bare/<id>, no sign-in): the app itself has no
bench route. It bumps the version of a draft dossier of the ward and inserts a notification, already read, for the
group committee; the request's unit of work commits it, as it commits a step. Per request it reports wall time,
this process's CPU time and the SQL statements the app ran; the ratio is bare ÷ real (the issue's goal: ≥ 0.6).

Usage: .venv/bin/python bench/steps.py [--database-url URL] [--rounds R] [--steps K] [--dossiers D] [--ward W]
Writes bench/results/steps-<N>.json, N being the dossiers in the database.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

BARE_ENDPOINT = "bench_bare"
CYCLE = ("return_to_group", "assessment", "submit_assessment")  # the real cycle's requests, in order


@dataclass
class Timing:
    """Wall ms, CPU ms and statements of each request of one kind."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)

    def add(self, wall: float, cpu: float, statements: int) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.statements.append(statements)

    def figures(self) -> dict[str, Any]:
        return {"ms": common.summary(self.wall), "cpu_ms": common.summary(self.cpu),
                "statements": common.summary(self.statements, 0)}


@dataclass
class Cycled:
    """A dossier going round the cycle: its id, its version as last answered, where it is in the cycle."""

    id: int
    version: int
    stage: int  # index into CYCLE of its next request
    items: list[dict]


class Bench:
    def __init__(self, app, ward: int, dossiers: int):
        self.app = app
        with app.app_context():
            self.usernames = common.accounts(ward)
            self.cycled, self.bare_ids, self.committee_id = self._choose(dossiers)
        self.tokens = common.issue_tokens(app, {k: self.usernames[k] for k in ("group_committee", "ward_inspector")})
        self.client = app.test_client()
        self.counter = common.StatementCounter(app)
        self.failures: list[dict] = []
        self.turn = 0

    def _choose(self, count: int) -> tuple[list[Cycled], list[int], int]:
        """Dossiers of the ward on public notice (the cycle's start), drafts for the bare write, the committee."""
        from sqlalchemy import select

        from models import Campaign, Dossier, RoleAssignment
        from workflow.extensions import db

        committee = common.user(self.usernames["group_committee"])
        ward_id = db.session.scalars(select(RoleAssignment.unit_id)
                                     .where(RoleAssignment.user_id == committee.id)).first()
        in_ward = select(Dossier).join(Campaign, Dossier.campaign_id == Campaign.id).where(Campaign.unit_id == ward_id)
        on_notice = db.session.scalars(in_ward.where(Dossier.state == "public_notice")
                                       .order_by(Dossier.id).limit(count)).all()
        if not on_notice:
            raise SystemExit("no dossier of the ward on public notice: load more with bench/generate.py")
        cycled = []
        for dossier in on_notice:
            points = dossier.criteria_set.shape == "points"
            items = [{"criterion": c.code, "met": True, "points": c.max_points if points else None,
                      "note": "Đã bổ sung minh chứng"} for c in dossier.criteria_set.criteria]
            cycled.append(Cycled(dossier.id, dossier.version, 0, items))
        drafts = db.session.scalars(in_ward.where(Dossier.state == "draft").order_by(Dossier.id)
                                    .with_only_columns(Dossier.id).limit(count)).all()
        return cycled, list(drafts) or [cycled[0].id], committee.id

    # --- the bare write ---------------------------------------------------------------------------------------

    def register_bare(self) -> None:
        """POST /_bench/bare/<id> on the app object (before its first request, as Flask requires)."""
        if BARE_ENDPOINT in self.app.view_functions:
            return

        from models import Dossier, Notification
        from workflow import clock
        from workflow.extensions import csrf, db

        dossiers, notifications, committee_id = Dossier.__table__, Notification.__table__, self.committee_id

        def bench_bare(dossier_id: int):
            now = clock.now()
            db.session.execute(dossiers.update().where(dossiers.c.id == dossier_id)
                               .values(version=dossiers.c.version + 1, updated_at=now))
            db.session.execute(notifications.insert().values(
                user_id=committee_id, dossier_id=dossier_id, kind="step", text="bench/steps.py: bare write",
                link=f"/dossiers/{dossier_id}", created_at=now, read_at=now))
            return {"dossier_id": dossier_id}

        csrf.exempt(bench_bare)
        self.app.add_url_rule("/_bench/bare/<int:dossier_id>", BARE_ENDPOINT, bench_bare, methods=["POST"])

    # --- one request, timed -----------------------------------------------------------------------------------

    def _send(self, label: str, method: str, url: str, body: dict | None, token: str | None,
              timing: Timing | None) -> dict | None:
        headers = common.bearer(token) if token else {}
        before = self.counter.count
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            answer = common.call(self.app, self.client, method, url, json=body, headers=headers)
            status, data = answer.status_code, (answer.json if answer.is_json else None)
        except Exception as error:  # a crash (testing mode propagates it) is a failure, not the end of the run
            status, data = f"exception {type(error).__name__}: {error}"[:300], None
        wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
        statements = self.counter.count - before
        if status != 200:
            self.failures.append({"request": label, "url": url, "status": status, "answer": str(data)[:300]})
            return None
        if timing is not None:
            timing.add(wall, cpu, statements)
        return data

    def real_step(self, dossier: Cycled, timings: dict[str, Timing] | None) -> bool:
        """The dossier's next request of the cycle; on a refusal its state is read again and the cycle resumes."""
        name = CYCLE[dossier.stage]
        url = f"/api/v1/dossiers/{dossier.id}"
        if name == "return_to_group":
            answer = self._send(name, "POST", url + "/transitions",
                                {"trigger": "return_to_group", "version": dossier.version,
                                 "comment": "Đề nghị tổ bổ sung minh chứng (bench)"},
                                self.tokens["ward_inspector"], timings and timings[name])
        elif name == "assessment":
            answer = self._send(name, "PUT", url + "/assessment", {"version": dossier.version, "items": dossier.items},
                                self.tokens["group_committee"], timings and timings[name])
        else:
            answer = self._send(name, "POST", url + "/transitions",
                                {"trigger": "submit_assessment", "version": dossier.version},
                                self.tokens["group_committee"], timings and timings[name])
        if answer is None:
            self._resync(dossier)
            return False
        dossier.version = answer["version"]
        dossier.stage = (dossier.stage + 1) % len(CYCLE)
        return True

    def _resync(self, dossier: Cycled) -> None:
        answer = common.call(self.app, self.client, "GET", f"/api/v1/dossiers/{dossier.id}",
                             headers=common.bearer(self.tokens["group_committee"]))
        if answer.status_code == 200:
            dossier.version = answer.json["version"]
            dossier.stage = 0 if answer.json["state"] == "public_notice" else 1

    def real_cycle(self, timings: dict[str, Timing] | None) -> float | None:
        """One whole cycle on the next dossier (wall ms), None if a request of it failed."""
        dossier = self.cycled[self.turn % len(self.cycled)]
        self.turn += 1
        started, ok = time.perf_counter(), True
        for _ in CYCLE:
            ok = self.real_step(dossier, timings) and ok
        return (time.perf_counter() - started) * 1000 if ok else None

    def bare(self, timing: Timing | None) -> None:
        dossier_id = self.bare_ids[self.turn % len(self.bare_ids)]
        self._send("bare", "POST", f"/_bench/bare/{dossier_id}", None, None, timing)

    def close(self) -> None:
        self.counter.close()
        common.revoke_tokens(self.app, self.tokens)


def measure(app, *, rounds: int = 30, steps: int = 1000, dossiers: int = 5, ward: int = 1,
            results_dir: str | Path | None = common.RESULTS, out=print) -> dict[str, Any]:
    """Run the bench on `app` (a database bench/generate.py loaded); returns (and writes) the figures."""
    started = time.perf_counter()
    bench = Bench(app, ward, dossiers)
    bench.register_bare()
    real = {name: Timing() for name in CYCLE}
    bare, cycles = Timing(), []
    try:
        bench.real_cycle(None)  # warm-up
        for _ in CYCLE:
            bench.bare(None)
        for number in range(rounds):
            # Interleaved, and each goes first in turn, so neither always follows the other.
            for which in (("real", "bare") if number % 2 == 0 else ("bare", "real")):
                if which == "real":
                    cycle = bench.real_cycle(real)
                    if cycle is not None:
                        cycles.append(cycle)
                else:
                    for _ in CYCLE:
                        bench.bare(bare)
        gc.collect()
        rss_before = common.rss_mb()
        memory_started, done = time.perf_counter(), 0
        while done < steps:
            dossier = bench.cycled[bench.turn % len(bench.cycled)]
            bench.turn += 1
            for _ in CYCLE:
                bench.real_step(dossier, None)
                done += 1
        memory_seconds = time.perf_counter() - memory_started
        gc.collect()
        rss_after = common.rss_mb()
    finally:
        bench.close()

    real_all = Timing([w for t in real.values() for w in t.wall], [c for t in real.values() for c in t.cpu],
                      [s for t in real.values() for s in t.statements])
    # Per request: a real cycle is three requests.
    real_ms = statistics.median(cycles) / len(CYCLE) if cycles else None
    bare_ms = statistics.median(bare.wall) if bare.wall else None
    real_cpu = statistics.median(real_all.cpu) if real_all.cpu else None
    bare_cpu = statistics.median(bare.cpu) if bare.cpu else None
    n = common.dossier_count(app)
    figures = {
        "bench": "steps", "n": n, "backend": common.backend(app), "rounds": rounds, "ward": ward,
        "dossiers_cycled": [d.id for d in bench.cycled], "bare_dossiers": bench.bare_ids,
        "real": {"cycle": "return_to_group (ward inspector) → PUT assessment (group committee) → "
                          "submit_assessment (group committee), POST/PUT /api/v1/dossiers/<id>/…",
                 "cycle_ms": common.summary(cycles), "ms_per_request": round(real_ms, 2) if real_ms else None,
                 "all_requests": real_all.figures(), "by_request": {name: t.figures() for name, t in real.items()}},
        "bare": {"endpoint": "POST /_bench/bare/<id>: UPDATE dossiers (version, updated_at) + INSERT notifications, "
                             "no sign-in", "ms_per_request": round(bare_ms, 2) if bare_ms else None,
                 **bare.figures()},
        "ratio_bare_over_real": round(bare_ms / real_ms, 3) if real_ms and bare_ms else None,
        "cpu_ratio_bare_over_real": round(bare_cpu / real_cpu, 3) if real_cpu and bare_cpu else None,
        "memory": {"steps": done, "rss_before_mb": round(rss_before, 1), "rss_after_mb": round(rss_after, 1),
                   "growth_mb": round(rss_after - rss_before, 1), "seconds": round(memory_seconds, 2),
                   "ms_per_step": round(memory_seconds * 1000 / done, 2) if done else None},
        "failures": bench.failures, "all_ok": not bench.failures,
        "seconds": round(time.perf_counter() - started, 2),
    }
    common.write_results("steps", n, figures, results_dir)
    _print(figures, out)
    return figures


def _print(figures: dict[str, Any], out) -> None:
    real, bare, memory = figures["real"], figures["bare"], figures["memory"]
    out(f"steps on {figures['n']:,} dossiers ({figures['backend']}), {figures['rounds']} interleaved rounds")
    out(f"{'request':20} {'ms p50':>8} {'ms p95':>8} {'CPU ms p50':>11} {'SQL p50':>8}")
    for name, timing in [*real["by_request"].items(), ("bare", bare)]:
        if timing["ms"]:
            out(f"{name:20} {timing['ms']['p50']:8.1f} {timing['ms']['p95']:8.1f} {timing['cpu_ms']['p50']:11.1f} "
                f"{timing['statements']['p50']:8.0f}")
    if real["ms_per_request"] and bare["ms_per_request"]:
        out(f"real cycle: {real['cycle_ms']['p50']:.1f} ms p50 = {real['ms_per_request']:.1f} ms per request; "
            f"bare: {bare['ms_per_request']:.1f} ms per request; ratio bare/real {figures['ratio_bare_over_real']:.2f} "
            f"(CPU {figures['cpu_ratio_bare_over_real']:.2f}; goal ≥ 0.6)")
    out(f"worker memory: {memory['rss_before_mb']:.1f} MB → {memory['rss_after_mb']:.1f} MB after {memory['steps']:,} "
        f"more steps ({memory['ms_per_step']} ms per step)")
    if figures["failures"]:
        out(f"{len(figures['failures'])} requests failed (see the JSON's failures), e.g. {figures['failures'][0]}")
    out(f"{figures['seconds']:.1f} s in all")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds (a real cycle and 3 bare writes)")
    parser.add_argument("--steps", type=int, default=1000, help="step requests between the two memory readings")
    parser.add_argument("--dossiers", type=int, default=5, help="dossiers on public notice taken round the cycle")
    parser.add_argument("--ward", type=int, default=1, help="whose ward's accounts act (1 = the first)")
    parser.add_argument("--results", default=str(common.RESULTS), help="where steps-N.json goes")
    args = parser.parse_args(argv)
    return measure(common.app_for(args.database_url), rounds=args.rounds, steps=args.steps, dossiers=args.dossiers,
                   ward=args.ward, results_dir=args.results)


if __name__ == "__main__":
    main()
