"""Several app servers, one database (issue 15, part 3): two gunicorn instances (2 workers each) on loopback against
the test session's PostgreSQL, sharing only the database and the SECRET_KEY — as two hosts behind a load balancer.

The same dossiers are driven through both: steps alternate between the servers and the same step is raced on both
at once; each dossier ends with exactly the steps it was given, once each, in an intact chain. A cookie signed in on
one server works on the other and a sign-out on one ends it on both; the sign-in throttle counts failures made on
either server against one number. The servers stay up across the tests while each test's data are emptied and
rebuilt under them (ids reused): nothing may be remembered in a worker.

PostgreSQL only: a SQLite file is one host's database.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from models import AuditEvent, Dossier
from states.enums import State, Trigger
from tests.factories import PASSWORD
from tests.multi.processes import Server, environment, start_server, stop_all, wait_until_answering
from workflow.extensions import db
from workflow.services import seals
from workflow.services.accounts import issue_token

ADDRESS_CAP = 12  # LOGIN_MAX_FAILURES_PER_ADDRESS given to both servers
BACKOFF_AFTER = 5  # LOGIN_FAILURES_BEFORE_BACKOFF


@pytest.fixture(scope="module")
def servers(database_url, tmp_path_factory):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: several app servers share one database server")
    folder = tmp_path_factory.mktemp("two-servers")
    env = environment(database_url, folder, LOGIN_MAX_FAILURES_PER_ADDRESS=str(ADDRESS_CAP),
                      LOGIN_FAILURES_BEFORE_BACKOFF=str(BACKOFF_AFTER))
    started: list[Server] = []
    try:
        for name in ("A", "B"):
            started.append(start_server(name, env, folder))
        wait_until_answering(started)
        yield started
    finally:
        stop_all(started)
        for server in started:
            print(f"\nserver {server.name}: workers that answered {sorted(server.workers_seen())}")


EARLIER_TOKENS: list[dict[str, str]] = []  # every token handed out, for the last test (the rows are gone by then)


def bearer(user) -> dict[str, str]:
    token, _ = issue_token(user, hours=24 * 365)
    db.session.commit()
    header = {"Authorization": f"Bearer {token}"}
    EARLIER_TOKENS.append(header)
    return header


def fire(server: Server, headers, dossier_id: int, trigger: str, version: int):
    return server.request("POST", f"/api/v1/dossiers/{dossier_id}/transitions", headers=headers,
                          json={"trigger": trigger, "version": version, "comment": f"qua máy {server.name}"})


def snapshot(ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Each dossier's events as (seq, trigger), oldest first, read afresh from the database."""
    db.session.expire_all()
    rows = db.session.execute(select(AuditEvent.dossier_id, AuditEvent.seq, AuditEvent.trigger)
                              .where(AuditEvent.dossier_id.in_(ids)).order_by(AuditEvent.dossier_id, AuditEvent.seq))
    out: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    for dossier_id, seq, trigger in rows:
        out[dossier_id].append((seq, trigger))
    return out


def test_steps_through_both_servers_are_neither_lost_nor_doubled(servers, world):
    a, b = servers
    drafts = [world.dossier(State.DRAFT) for _ in range(10)]
    racers = [world.dossier(State.REGISTERED) for _ in range(8)]
    versions = {d.id: d.version for d in drafts + racers}
    ids = list(versions)
    before = snapshot(ids)
    applicant, committee = bearer(world.users["applicant"]), bearer(world.users["group_committee"])

    # 1. Each draft submitted on one server, read back and accepted on the other; ten dossiers at once.
    def walk(n: int) -> list[int]:
        dossier_id, first, second = drafts[n].id, servers[n % 2], servers[1 - n % 2]
        submitted = fire(first, applicant, dossier_id, Trigger.SUBMIT, versions[dossier_id])
        assert submitted.status_code == 200, submitted.text
        seen = second.request("GET", f"/api/v1/dossiers/{dossier_id}", headers=committee).json()
        assert (seen["state"], seen["version"]) == (State.REGISTERED, submitted.json()["version"])  # no stale read
        accepted = fire(second, committee, dossier_id, Trigger.ACCEPT, seen["version"])
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["state"] == State.SELF_ASSESSMENT
        return [submitted.json()["version"], accepted.json()["version"]]

    with ThreadPoolExecutor(len(drafts)) as pool:
        walked = dict(zip([d.id for d in drafts], pool.map(walk, range(len(drafts))), strict=True))

    # 2. The same step at the same version on both servers at the same moment: one wins, the other is told 409.
    winners, codes = Counter(), Counter()
    for dossier in racers:
        start, answers = threading.Barrier(2), {}

        def race(server: Server, dossier_id: int = dossier.id, start=start, answers=answers) -> None:
            start.wait()
            answers[server.name] = fire(server, committee, dossier_id, Trigger.ACCEPT, versions[dossier_id])

        threads = [threading.Thread(target=race, args=(server,)) for server in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        statuses = {name: r.status_code for name, r in answers.items()}
        assert sorted(statuses.values()) == [200, 409], {n: r.text for n, r in answers.items()}
        loser = next(r for r in answers.values() if r.status_code == 409)
        codes[loser.json()["error"]["code"]] += 1
        winners[next(n for n, s in statuses.items() if s == 200)] += 1
    print(f"\nraces won: {dict(winners)}; the loser was told {dict(codes)}")
    assert set(codes) <= {"version_conflict", "invalid_transition"}
    # A step sent again with the version it was taken at is refused on either server.
    stale = [fire(s, committee, racers[0].id, Trigger.ACCEPT, versions[racers[0].id]) for s in servers]
    assert [r.json()["error"]["code"] for r in stale] == ["version_conflict"] * 2

    # 3. The database: every step once, each chain contiguous and valid, each dossier where its steps took it.
    after = snapshot(ids)
    for dossier in drafts + racers:
        added = [trigger for _, trigger in after[dossier.id][len(before[dossier.id]):]]
        expected = ["submit", "accept"] if dossier in drafts else ["accept"]
        assert after[dossier.id][:len(before[dossier.id])] == before[dossier.id]
        assert added == expected, (dossier.id, added)
        assert [seq for seq, _ in after[dossier.id]] == list(range(1, len(after[dossier.id]) + 1))
        stored = db.session.get(Dossier, dossier.id)
        assert stored.state == State.SELF_ASSESSMENT
        if dossier in drafts:
            assert stored.version == walked[dossier.id][-1]
    report = seals.verify_all()
    assert report.valid and not report.broken, report.broken
    assert not {s.process.poll() for s in servers} - {None}, "a server stopped"


def sign_in_page(server: Server, cookie: str | None = None) -> tuple[str, str]:
    """The sign-in page's CSRF token and the session cookie that carries it."""
    page = server.request("GET", "/login", cookies={"session": cookie} if cookie else None)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
    return token, page.cookies.get("session") or cookie


def test_a_session_from_one_server_works_on_the_other(servers, world):
    a, b = servers
    token, cookie = sign_in_page(a)
    # The form from A is posted to B: B checks A's CSRF token against A's cookie.
    signed_in = b.request("POST", "/login", cookies={"session": cookie},
                          data={"username": "chairman", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302, signed_in.text[-500:]
    session = signed_in.cookies["session"]
    name = world.users["chairman"].full_name
    for n in range(6):  # new connections each time: both workers of each server
        home = servers[n % 2].request("GET", "/", cookies={"session": session})
        assert home.status_code == 200 and name in home.text, (servers[n % 2].name, home.status_code)
    assert a.request("GET", "/").status_code == 302  # no cookie, no session: nothing kept in a worker
    # Signing out on B ends the session everywhere, copies of the cookie included.
    page = b.request("GET", "/", cookies={"session": session})
    logout_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
    out = b.request("POST", "/logout", cookies={"session": session}, data={"csrf_token": logout_token})
    assert out.status_code == 302
    for server in servers:
        again = server.request("GET", "/", cookies={"session": session})
        assert again.status_code == 302 and "/login" in again.headers["Location"], server.name


def token_attempt(server: Server, username: str, password: str = "sai-mat-khau"):
    return server.request("POST", "/api/v1/auth/token", json={"username": username, "password": password})


def test_the_sign_in_throttle_counts_across_both_servers(servers, world):
    a, b = servers
    # One (username, address): BACKOFF_AFTER failures split between the servers, then both make it wait.
    failures = [token_attempt(servers[n % 2], "council6").status_code for n in range(BACKOFF_AFTER)]
    assert failures == [401] * BACKOFF_AFTER
    waited = token_attempt(a, "council6", PASSWORD)  # even the right password waits
    assert waited.status_code == 429 and waited.json()["error"]["code"] == "too_many_attempts"
    token, cookie = sign_in_page(b)
    page = b.request("POST", "/login", cookies={"session": cookie},
                     data={"username": "council6", "password": PASSWORD, "csrf_token": token})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0  # the page counts with the API
    # One address: ADDRESS_CAP failures whatever the names, counted by the limiter's store in the database.
    spent = BACKOFF_AFTER
    while spent < ADDRESS_CAP:
        assert token_attempt(servers[spent % 2], f"nobody{spent}").status_code == 401
        spent += 1
    for server in servers:
        refused = token_attempt(server, "chairman", PASSWORD)
        assert refused.status_code == 429, (server.name, refused.status_code, refused.text)
        assert int(refused.headers["Retry-After"]) > 0


def test_an_evidence_file_uploaded_through_one_server_downloads_through_the_other(servers, world):
    """UPLOAD_FOLDER is the one thing besides the database that both servers must share (here: one folder on this
    machine; in production a shared mount). The file is placed when the step commits, whichever server reads it."""
    a, b = servers
    dossier = world.dossier(State.DRAFT)
    applicant, auditor = bearer(world.users["applicant"]), bearer(world.users["auditor"])
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    uploaded = a.request("POST", f"/api/v1/dossiers/{dossier.id}/attachments", headers=applicant,
                         files={"file": ("don.pdf", pdf, "application/pdf")}, data={"kind": "evidence"})
    assert uploaded.status_code == 201, uploaded.text
    downloaded = b.request("GET", f"/api/v1/dossiers/{dossier.id}/attachments/{uploaded.json()['id']}",
                           headers=auditor)
    assert downloaded.status_code == 200 and downloaded.content == pdf, downloaded.text[:300]


def test_the_servers_keep_answering_after_the_database_was_emptied_and_refilled(servers, world):
    """Every earlier test's rows were truncated (ids restarted) under the running servers: a worker that kept a
    user, a unit or a token in memory would answer for the old rows."""
    earlier = list(EARLIER_TOKENS)
    headers = bearer(world.users["ward_inspector"])
    for server in servers:
        me = server.request("GET", "/api/v1/me", headers=headers)
        assert me.status_code == 200 and me.json()["username"] == "ward_inspector", me.text
        roles = {(r["role"], r["unit_code"]) for r in me.json()["roles"]}
        assert roles == {("ward_inspector", "WARD")}
        for old in earlier:  # tokens of the emptied database name nobody now
            assert server.request("GET", "/api/v1/me", headers=old).status_code == 401, server.name
