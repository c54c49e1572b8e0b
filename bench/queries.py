"""Prints p50/p95/p99 (ms) of what each role asks for on a database bench/generate.py loaded (issue 15): every
role's home page, the dossier list page, the API's list (first page, a state, a name, a tracking code, the next
cursor page, each filter), a dossier page, the audit log, the statistics, and the public pages.

Each role signs in through the login form (pages) and with a bearer token (the API; revoked at the end), as
bench/generate.py's accounts of one ward (password kieumau-bench-2025) and of the province. One warm-up pass, then
`--rounds` rounds, each asking every request once (so the requests interleave). A request that answers anything but
200 is recorded in the JSON under "failures" and the run goes on. p95 and p99 are nearest-rank: below 20 (100)
rounds they are the slowest time seen. Each line also has the SQL statements the request ran and its size.

Usage: .venv/bin/python bench/queries.py [--database-url URL] [--rounds R] [--ward W] [--roles ROLE ...]
       [--results DIR]
Writes bench/results/queries-<N>.json, N being the dossiers in the database.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

STATE = "awaiting_decision"  # the state= filter asked (the chairman's queue)
# The roles asked by default: every ward and province account but the applicant, whom bench/generate.py makes the
# applicant of every dossier of the ward (thousands on one home page: no resident's). `--roles applicant` asks it.
ROLES = [name for name in common.ACCOUNTS if name != "applicant"]


@dataclass
class Ask:
    """One request a role makes, and what it answered each time."""

    who: str
    label: str
    url: str
    token: str | None = None  # bearer token for the API; pages ride on the client's cookie
    times: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    size: int = 0

    def figures(self) -> dict[str, Any]:
        return {"who": self.who, "label": self.label, "url": self.url, "ms": common.summary(self.times),
                "statements": common.summary(self.statements, 0), "bytes": self.size,
                "statuses": {str(k): v for k, v in self.statuses.items()}}


def _name_part(subject_name: str) -> str:
    """What a person types to find a household: its head's name ("Hộ ông Nguyễn Văn An" → "Nguyễn Văn An")."""
    for prefix in ("Hộ ông ", "Hộ bà "):
        if subject_name.startswith(prefix):
            return subject_name[len(prefix):]
    return subject_name


def _role_asks(token: str, sample: dict | None, next_cursor: str | None, reads_audit: bool,
               sees_stats: bool) -> list[tuple[str, str, str | None]]:
    """(label, url, token or None for a page) of one role."""
    asks: list[tuple[str, str, str | None]] = [("home", "/", None), ("dossiers page", "/dossiers", None),
                                               ("api list", "/api/v1/dossiers", token),
                                               ("api state=", f"/api/v1/dossiers?state={STATE}", token),
                                               ("api overdue=true", "/api/v1/dossiers?overdue=true", token),
                                               ("api title=", "/api/v1/dossiers?title=model_family", token)]
    if sample is not None:
        name = _name_part(sample["subject_name"])
        asks += [("dossiers page q=name", "/dossiers?" + urlencode({"q": name}), None),
                 ("api q=name", "/api/v1/dossiers?" + urlencode({"q": name}), token),
                 ("api q=code", "/api/v1/dossiers?" + urlencode({"q": sample["tracking_code"]}), token),
                 ("api unit_id=", f"/api/v1/dossiers?unit_id={sample['unit_id']}", token),
                 ("api campaign_id=", f"/api/v1/dossiers?campaign_id={sample['campaign_id']}", token),
                 ("dossier page", f"/dossiers/{sample['id']}", None),
                 ("api dossier", f"/api/v1/dossiers/{sample['id']}", token)]
    if next_cursor:
        asks.append(("api cursor page", "/api/v1/dossiers?" + urlencode({"cursor": next_cursor}), token))
    if reads_audit:
        asks += [("audit page", "/audit/events", None), ("api audit events", "/api/v1/audit/events", token)]
    if sees_stats:
        asks += [("stats page", "/stats", None), ("api stats", "/api/v1/stats", token)]
    return asks


def _sample(app, client, token: str) -> tuple[dict | None, str | None]:
    """A dossier of the role's first API page (a household if there is one) and the next page's cursor."""
    answer = common.call(app, client, "GET", "/api/v1/dossiers", headers=common.bearer(token))
    if answer.status_code != 200:
        raise RuntimeError(f"GET /api/v1/dossiers answered {answer.status_code}")
    items = answer.json["items"]
    households = [d for d in items if d["subject_name"].startswith("Hộ ")]
    return (households or items or [None])[0], answer.json.get("next_cursor")


def _public_campaigns(ward_username: str) -> tuple[int | None, int | None]:
    """This year's campaign of the ward, and the ward's campaign with the most recognized dossiers (last year's)."""
    from sqlalchemy import func, select

    from models import Campaign, Dossier, RoleAssignment
    from workflow.extensions import db

    ward_id = db.session.scalars(select(RoleAssignment.unit_id)
                                 .where(RoleAssignment.user_id == common.user(ward_username).id)).first()
    newest = db.session.scalars(select(Campaign.id).where(Campaign.unit_id == ward_id)
                                .order_by(Campaign.year.desc())).first()
    most = db.session.execute(select(Dossier.campaign_id, func.count()).join(Campaign)
                              .where(Campaign.unit_id == ward_id, Dossier.state == "recognized")
                              .group_by(Dossier.campaign_id).order_by(func.count().desc()).limit(1)).first()
    return newest, most[0] if most else None


def _ask(app, client, ask: Ask, counter: common.StatementCounter, failures: list[dict], timed: bool) -> None:
    headers = common.bearer(ask.token) if ask.token else {}
    before = counter.count
    started = time.perf_counter()
    try:
        answer = common.call(app, client, "GET", ask.url, headers=headers)
        status, body = answer.status_code, answer.get_data()
    except Exception as error:  # a crash (testing mode propagates it) is a failure, not the end of the run
        status, body = f"exception {type(error).__name__}: {error}"[:300], b""
    elapsed = (time.perf_counter() - started) * 1000
    statements = counter.count - before
    ask.statuses[status] += 1
    if status != 200:
        failures.append({"who": ask.who, "label": ask.label, "url": ask.url, "status": status,
                         "body": body[:300].decode("utf-8", "replace"), "warm_up": not timed})
    if timed:
        ask.times.append(elapsed)
        ask.statements.append(statements)
        ask.size = len(body)


def measure(app, *, rounds: int = 5, ward: int = 1, roles: list[str] | None = None, warm_up: bool = True,
            results_dir: str | Path | None = common.RESULTS, out=print) -> dict[str, Any]:
    """Run the bench on `app` (a database bench/generate.py loaded); returns (and writes) the figures. `roles`: which
    of common.ACCOUNTS sign in (default ROLES); `warm_up=False` skips the untimed first pass (a check, not a
    measure)."""
    from states.enums import Action
    from workflow.services import permissions

    started = time.perf_counter()
    with app.app_context():
        usernames = common.accounts(ward)
    usernames = {name: usernames[name] for name in (roles or ROLES)}
    tokens = common.issue_tokens(app, usernames)
    saved_limit = app.config.get("TRACK_REQUESTS_PER_MINUTE")
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 10**9  # one address asks the public pages many times
    counter = common.StatementCounter(app)
    failures: list[dict] = []
    try:
        clients, asks = {}, []
        for who, username in usernames.items():
            client = clients[who] = app.test_client()
            try:  # a role that cannot sign in or list is a failure; its requests are still asked (and fail)
                common.sign_in(app, client, username)
                sample, next_cursor = _sample(app, client, tokens[who])
            except Exception as error:
                failures.append({"who": who, "label": "set-up", "status": f"{type(error).__name__}: {error}"[:300]})
                sample, next_cursor = None, None
            with app.app_context():
                person = common.user(username)
                reads_audit = permissions.may_somewhere(person, Action.READ_AUDIT)
                sees_stats = permissions.may_somewhere(person, Action.STATS)
            asks += [Ask(who, label, url, token) for label, url, token
                     in _role_asks(tokens[who], sample, next_cursor, reads_audit, sees_stats)]
        clients["public"] = app.test_client()
        with app.app_context():
            newest, recognized = _public_campaigns(common.accounts(ward)["chairman"])
        asks += [Ask("public", "progress page", "/public/progress"),
                 Ask("public", "progress page, this year", f"/public/progress?campaign={newest}")]
        if recognized is not None:
            asks += [Ask("public", "recognized page, last year", f"/public/recognized?campaign={recognized}"),
                     Ask("public", "api recognized, last year", f"/api/v1/public/recognized?campaign_id={recognized}")]

        for ask in asks if warm_up else ():
            _ask(app, clients[ask.who], ask, counter, failures, timed=False)
        for _ in range(rounds):
            for ask in asks:
                _ask(app, clients[ask.who], ask, counter, failures, timed=True)
    finally:
        counter.close()
        app.config["TRACK_REQUESTS_PER_MINUTE"] = saved_limit
        common.revoke_tokens(app, tokens)

    n = common.dossier_count(app)
    figures = {"bench": "queries", "n": n, "backend": common.backend(app), "rounds": rounds, "warm_up": warm_up,
               "ward": ward, "accounts": usernames, "requests": [a.figures() for a in asks], "failures": failures,
               "all_ok": not failures, "seconds": round(time.perf_counter() - started, 2)}
    common.write_results("queries", n, figures, results_dir)
    _print(figures, out)
    return figures


def _print(figures: dict[str, Any], out) -> None:
    out(f"queries on {figures['n']:,} dossiers ({figures['backend']}), {figures['rounds']} rounds, ms per request")
    out(f"{'who':18} {'request':28} {'p50':>9} {'p95':>9} {'p99':>9} {'SQL':>6} {'KB':>7}  status")
    for line in figures["requests"]:
        ms, sql = line["ms"], line["statements"]
        if not ms:
            continue
        statuses = ",".join(f"{k}×{v}" for k, v in line["statuses"].items())
        out(f"{line['who']:18} {line['label']:28} {ms['p50']:9.1f} {ms['p95']:9.1f} {ms['p99']:9.1f} "
            f"{sql['p50']:6.0f} {line['bytes'] / 1024:7.1f}  {statuses[:40]}")
    if figures["failures"]:
        out(f"{len(figures['failures'])} requests failed (see the JSON's failures), e.g.:")
        for failure in figures["failures"][:5]:
            out(f"  {failure['who']} {failure['url']}: {failure['status']}")
    out(f"{figures['seconds']:.1f} s in all")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ward", type=int, default=1, help="whose ward's accounts sign in (1 = the first)")
    parser.add_argument("--roles", nargs="+", choices=list(common.ACCOUNTS), help=f"default: {' '.join(ROLES)}")
    parser.add_argument("--results", default=str(common.RESULTS), help="where queries-N.json goes")
    args = parser.parse_args(argv)
    return measure(common.app_for(args.database_url), rounds=args.rounds, ward=args.ward, roles=args.roles,
                   results_dir=args.results)


if __name__ == "__main__":
    main()
