"""Prints how long one decision over many dossiers and one batch step over as many take (issue 15), through the JSON
API as the ward's people send them: `POST /api/v1/decisions` by the chairman over `--size` dossiers awaiting a
decision (recommended by the council, no disqualifier), and `POST /api/v1/transitions/batch` of the batch pages' step
with the most dossiers ready to move (accept, submit_assessment, close_notice or close_review; `--trigger` to choose).

The caps are read from workflow/limits.py (DOSSIER_IDS_MAX, BATCH_MAX) when the bench runs. When the dossiers exceed a
cap, the one big request is still sent and its refusal recorded; then ceil(size ÷ cap) requests of at most the cap
are timed instead. A ward has only so many dossiers waiting: the size taken is at most what the ward holds (both are
in the JSON). The bench changes the database (the dossiers are decided and moved); load it again to rerun.

Usage: .venv/bin/python bench/batch.py [--database-url URL] [--size 5000] [--trigger T] [--ward W]
Writes bench/results/batch-<N>.json, N being the dossiers in the database.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

# The batch pages' steps (workflow/review/routes.py STEPS) and the ward account that takes each.
STEPS = {"accept": "group_committee", "submit_assessment": "group_committee", "close_notice": "ward_inspector",
         "close_review": "council_secretary"}


class Sender:
    """Sends the bench's requests with one test client, timing each (wall, CPU, SQL statements)."""

    def __init__(self, app):
        self.app, self.client = app, app.test_client()
        self.counter = common.StatementCounter(app)

    def post(self, url: str, body: dict, token: str) -> dict[str, Any]:
        before = self.counter.count
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            answer = common.call(self.app, self.client, "POST", url, json=body, headers=common.bearer(token))
            status, data = answer.status_code, (answer.json if answer.is_json else None)
        except Exception as error:  # a crash (testing mode propagates it) is recorded, not the end of the run
            status, data = f"exception {type(error).__name__}: {error}"[:300], None
        return {"status": status, "ms": round((time.perf_counter() - wall) * 1000, 1),
                "cpu_ms": round((time.process_time() - cpu) * 1000, 1), "statements": self.counter.count - before,
                "answer": data}

    def close(self) -> None:
        self.counter.close()


def _error(answer: dict) -> str:
    data = answer["answer"]
    if isinstance(data, dict) and "error" in data:
        error = data["error"]
        fields = error.get("fields") or {}
        return f"{error.get('code')}: {error.get('message', '')[:200]} {str(dict(list(fields.items())[:3]))[:200]}"
    return str(data)[:300]


def _timing(answer: dict) -> dict[str, Any]:
    return {k: answer[k] for k in ("status", "ms", "cpu_ms", "statements")}


def send_all(sender: Sender, url: str, body_of, ids: list, cap: int, token: str) -> dict[str, Any]:
    """One request of every id; if it is refused and there are more than `cap`, requests of `cap` instead."""
    one = sender.post(url, body_of(ids, 0), token)
    figures: dict[str, Any] = {"size": len(ids), "cap": cap, "one_request": _timing(one)}
    if one["status"] in (200, 201):
        figures.update(done_in_one=True, ms=one["ms"], requests=1, ms_per_dossier=round(one["ms"] / len(ids), 2))
        return figures
    figures["one_request"]["refusal"] = _error(one)
    figures["done_in_one"] = False
    if len(ids) <= cap:  # refused within the cap: a real failure, nothing more to time
        figures.update(failed=True, refusals=[figures["one_request"]["refusal"]])
        return figures
    chunks = [ids[k:k + cap] for k in range(0, len(ids), cap)]
    assert len(chunks) == math.ceil(len(ids) / cap)
    parts = [sender.post(url, body_of(chunk, number), token) for number, chunk in enumerate(chunks, start=1)]
    figures.update(requests=len(parts), ms=round(sum(p["ms"] for p in parts), 1),
                   chunks=[_timing(p) for p in parts])
    failed = [_error(p) for p in parts if p["status"] not in (200, 201)]
    if failed:
        figures.update(failed=True, refusals=failed)
    figures["ms_per_dossier"] = round(figures["ms"] / len(ids), 2)
    return figures


def _ward_id(username: str) -> int:
    from sqlalchemy import select

    from models import RoleAssignment
    from workflow.extensions import db

    return db.session.scalars(select(RoleAssignment.unit_id)
                              .where(RoleAssignment.user_id == common.user(username).id)).first()


def _awaiting(ward_id: int, size: int) -> list[int]:
    """Dossiers of the ward the chairman may recognize now: awaiting a decision, recommended, no disqualifier."""
    from sqlalchemy import select

    from models import Campaign, Dossier
    from workflow.extensions import db

    rows = db.session.execute(select(Dossier.id, Dossier.disqualifiers_found)
                              .join(Campaign, Dossier.campaign_id == Campaign.id)
                              .where(Campaign.unit_id == ward_id, Dossier.state == "awaiting_decision",
                                     Dossier.council_recommended.is_(True)).order_by(Dossier.id))
    return [dossier_id for dossier_id, found in rows if not found][:size]


def _in_state(ward_id: int, states) -> int:
    from sqlalchemy import func, select

    from models import Campaign, Dossier
    from workflow.extensions import db

    return db.session.scalar(select(func.count(Dossier.id)).join(Campaign, Dossier.campaign_id == Campaign.id)
                             .where(Campaign.unit_id == ward_id, Dossier.state.in_([s.value for s in states])))


def decision(app, sender: Sender, usernames: dict[str, str], token: str, size: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from models import Dossier
    from states.policy import local_day
    from workflow import clock, limits
    from workflow.extensions import db

    with app.app_context():
        ward_id = _ward_id(usernames["chairman"])
        ids = _awaiting(ward_id, size)
        signed_on = local_day(clock.now()).isoformat()
    if not ids:
        return {"asked": size, "size": 0, "failed": True, "refusals": ["no dossier awaiting a decision in the ward"]}
    stamp = time.strftime("%H%M%S")

    def body(chunk: list[int], number: int) -> dict:
        return {"number": f"{number:02d}/QĐ-B{stamp}", "signed_on": signed_on, "outcome": "recognize",
                "dossier_ids": chunk, "comment": "Công nhận (bench/batch.py)"}

    figures = {"asked": size, **send_all(sender, "/api/v1/decisions", body, ids, limits.DOSSIER_IDS_MAX, token)}
    with app.app_context():
        db.session.expire_all()
        figures["decided"] = db.session.scalar(select(func.count(Dossier.id)).where(
            Dossier.id.in_(ids), Dossier.state == "recognized", Dossier.decision_id.is_not(None)))
    figures["dossier_id_range"] = [ids[0], ids[-1]]
    return figures


def batch_step(app, sender: Sender, usernames: dict[str, str], tokens: dict[str, str], size: int,
               trigger: str | None) -> dict[str, Any]:
    from sqlalchemy import func, select

    from models import Dossier
    from states.enums import Trigger
    from states.table import RULES
    from workflow import limits
    from workflow.extensions import db
    from workflow.services.batch import candidates

    with app.app_context():
        ward_id = _ward_id(usernames["chairman"])
        waiting = {step: _in_state(ward_id, RULES[Trigger(step)].sources) for step in ([trigger] if trigger else STEPS)}
        # The batch pages' own check (each dossier through the policy and its guards) of the steps by how many
        # dossiers are in their start state, until one has `size` ready or no other step could have more.
        ready, checked_ms = {}, {}
        for step in sorted(waiting, key=waiting.get, reverse=True):
            if ready and max(map(len, ready.values())) >= min(size, waiting[step]):
                break
            started = time.perf_counter()
            found = candidates(common.user(usernames[STEPS[step]]), Trigger(step))
            checked_ms[step] = round((time.perf_counter() - started) * 1000, 1)
            ready[step] = [(c.dossier.id, c.dossier.version) for c in found if c.movable]
        db.session.rollback()
    chosen = max(ready, key=lambda step: len(ready[step]))
    items = ready[chosen][:size]
    figures: dict[str, Any] = {"asked": size, "trigger": chosen, "role": STEPS[chosen], "in_start_state": waiting,
                               "ready": {k: len(v) for k, v in ready.items()}, "candidates_ms": checked_ms}
    if not items:
        return {**figures, "size": 0, "failed": True, "refusals": ["no dossier ready for any batch step"]}

    def body(chunk: list[tuple[int, int]], _number: int) -> dict:
        return {"trigger": chosen, "items": [{"dossier_id": i, "version": v} for i, v in chunk],
                "comment": "bench/batch.py"}

    figures.update(send_all(sender, "/api/v1/transitions/batch", body, items, limits.BATCH_MAX, tokens[STEPS[chosen]]))
    with app.app_context():
        db.session.expire_all()
        figures["moved"] = db.session.scalar(select(func.count(Dossier.id)).where(
            Dossier.id.in_([i for i, _ in items]), Dossier.state == RULES[Trigger(chosen)].dest.value))
    return figures


def measure(app, *, size: int = 5000, trigger: str | None = None, ward: int = 1,
            results_dir: str | Path | None = common.RESULTS, out=print) -> dict[str, Any]:
    """Run the bench on `app` (a database bench/generate.py loaded); returns (and writes) the figures."""
    started = time.perf_counter()
    n = common.dossier_count(app)
    with app.app_context():
        usernames = common.accounts(ward)
    tokens = common.issue_tokens(app, {k: usernames[k] for k in ("chairman", *set(STEPS.values()))})
    sender = Sender(app)
    try:
        decided = decision(app, sender, usernames, tokens["chairman"], size)
        moved = batch_step(app, sender, usernames, tokens, size, trigger)
    finally:
        sender.close()
        common.revoke_tokens(app, tokens)
    figures = {"bench": "batch", "n": n, "backend": common.backend(app), "ward": ward, "decision": decided,
               "batch_step": moved, "all_ok": not decided.get("failed") and not moved.get("failed"),
               "seconds": round(time.perf_counter() - started, 2)}
    common.write_results("batch", n, figures, results_dir)
    _print(figures, out)
    return figures


def _print(figures: dict[str, Any], out) -> None:
    out(f"batch on {figures['n']:,} dossiers ({figures['backend']})")
    for name, part in (("decision", figures["decision"]), (f"batch {figures['batch_step'].get('trigger')}",
                                                            figures["batch_step"])):
        head = f"{name}: {part.get('size', 0):,} dossiers (asked {part['asked']:,}, cap {part.get('cap', '?')})"
        if part.get("failed"):
            out(f"{head}: FAILED {part.get('refusals') or part.get('one_request')}")
        elif part.get("done_in_one"):
            one = part["one_request"]
            out(f"{head}: one request, {one['ms']:,.0f} ms ({one['cpu_ms']:,.0f} ms CPU, {one['statements']:,} "
                f"statements, {one['statements'] / part['size']:.1f} per dossier)")
        else:
            out(f"{head}: one request refused ({part['one_request']['status']}: "
                f"{part['one_request'].get('refusal', '')[:80]}); {part['requests']} requests of at most "
                f"{part['cap']} took {part['ms']:,.0f} ms")
    out(f"decided {figures['decision'].get('decided', 0):,}, moved {figures['batch_step'].get('moved', 0):,}; "
        f"{figures['seconds']:.1f} s in all")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--size", type=int, default=5000, help="dossiers in the decision and in the batch step")
    parser.add_argument("--trigger", choices=list(STEPS), help="the batch step (default: the one most can take)")
    parser.add_argument("--ward", type=int, default=1, help="whose ward's accounts act (1 = the first)")
    parser.add_argument("--results", default=str(common.RESULTS), help="where batch-N.json goes")
    args = parser.parse_args(argv)
    return measure(common.app_for(args.database_url), size=args.size, trigger=args.trigger, ward=args.ward,
                   results_dir=args.results)


if __name__ == "__main__":
    main()
