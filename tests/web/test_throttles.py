"""Sign-in throttling as a person meets it: failures count per (username, address), so a stranger guessing the
chairman's password slows only himself; every spelling of a username is one user; the API's token endpoint
behaves the same; behind TRUSTED_PROXIES reverse proxies X-Forwarded-For names the address, otherwise it is
ignored."""

from __future__ import annotations

import pytest

from config import TestConfig
from tests.conftest import csrf_from
from tests.factories import PASSWORD
from workflow import create_app
from workflow.extensions import db

STRANGER, CHAIRMANS_DESK = "203.0.113.66", "198.51.100.10"
THROTTLED = "Đăng nhập sai quá nhiều lần"


def send(client, method: str, url: str, address: str = "127.0.0.1", **kw):
    """One request from `address`, in its own application context as in a server (the fixture's context would
    otherwise carry `g` — the signed-in user, the CSRF token — from one browser's request to another's)."""
    with client.application.app_context():
        return client.open(url, method=method, environ_base={"REMOTE_ADDR": address}, **kw)


def sign_in(client, username: str, password: str, address: str = "127.0.0.1", headers: dict | None = None):
    """The sign-in page filled in and sent from `address`."""
    token = csrf_from(send(client, "GET", "/login", address, headers=headers).get_data(as_text=True))
    return send(client, "POST", "/login", address, headers=headers,
                data={"username": username, "password": password, "csrf_token": token})


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_chairman_signs_in_from_his_desk_while_a_strangers_address_is_throttled(app, world):
    stranger = app.test_client()
    answers = [sign_in(stranger, "chairman", f"guess-{n}", STRANGER) for n in range(7)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
    assert THROTTLED in text(answers[-1]) and int(answers[-1].headers["Retry-After"]) == 60
    # Even the right password is not tried from the throttled address.
    assert sign_in(stranger, "chairman", PASSWORD, STRANGER).status_code == 429

    chairman = app.test_client()
    signed_in = sign_in(chairman, "chairman", PASSWORD, CHAIRMANS_DESK)
    assert signed_in.status_code == 302 and "/login" not in signed_in.headers["Location"]
    assert send(chairman, "GET", "/", CHAIRMANS_DESK).status_code == 200


def test_the_wait_doubles_with_each_further_failure_and_a_success_clears_it(app, world, frozen_clock):
    client = app.test_client()
    assert [sign_in(client, "council_secretary", "wrong", STRANGER).status_code for _ in range(5)] == [401] * 5
    waits = []
    for _ in range(4):
        refused = sign_in(client, "council_secretary", "wrong", STRANGER)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        frozen_clock.advance(seconds=waits[-1])
        # One more try once the wait is over, then a longer wait.
        assert sign_in(client, "council_secretary", "wrong", STRANGER).status_code == 401
    assert waits == [60, 120, 240, 480]
    frozen_clock.advance(hours=1)
    assert sign_in(client, "council_secretary", PASSWORD, STRANGER).status_code == 302
    fresh = app.test_client()  # the success forgot the pair's failures: five tries again before any wait
    assert [sign_in(fresh, "council_secretary", "wrong", STRANGER).status_code for _ in range(6)] == [401] * 5 + [429]


def test_the_wait_stops_growing_at_the_configured_most(app, world, frozen_clock):
    app.config.update(LOGIN_FAILURES_BEFORE_BACKOFF=1, LOGIN_BACKOFF_MAX_SECONDS=300)
    client = app.test_client()
    waits = []
    for _ in range(6):
        assert sign_in(client, "council_secretary", "wrong", STRANGER).status_code == 401
        refused = sign_in(client, "council_secretary", "wrong", STRANGER)
        waits.append(int(refused.headers["Retry-After"]))
        frozen_clock.advance(seconds=waits[-1])
    assert waits == [60, 120, 240, 300, 300, 300]


@pytest.mark.parametrize("spelling", ["chairman ", "chairman\t\t", "CHAIRMAN", " Chairman\t", "ｃｈａｉｒｍａｎ"])
def test_every_spelling_of_a_username_is_counted_as_that_user_and_signs_in_as_him(app, world, spelling):
    client = app.test_client()
    spellings = [spelling, "chairman", spelling.upper(), spelling, "chairman\t"]
    assert [sign_in(client, name, "wrong", STRANGER).status_code for name in spellings] == [401] * 5
    for name in ("chairman", spelling, "CHAIRMAN", "chairman\t\t\t", "chairman  "):
        refused = sign_in(client, name, "wrong", STRANGER)
        assert refused.status_code == 429 and THROTTLED in text(refused), repr(name)

    chairman = app.test_client()
    assert sign_in(chairman, spelling, PASSWORD, CHAIRMANS_DESK).status_code == 302
    home = send(chairman, "GET", "/", CHAIRMANS_DESK)
    assert home.status_code == 200 and world.users["chairman"].full_name in text(home)


def test_one_address_cannot_guess_without_end_whatever_the_usernames(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    client = app.test_client()
    names = ["applicant", "group_committee", "ward_inspector", "council1", "council_secretary", "auditor"]
    assert [sign_in(client, name, "wrong", STRANGER).status_code for name in names] == [401] * 6
    refused = sign_in(client, "admin", "wrong", STRANGER)
    assert refused.status_code == 429 and THROTTLED in text(refused)
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert sign_in(app.test_client(), "admin", PASSWORD, STRANGER).status_code == 429
    assert sign_in(app.test_client(), "admin", PASSWORD, CHAIRMANS_DESK).status_code == 302


def test_a_username_guessed_from_many_addresses_slows_each_address_but_never_locks_out_its_owner(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_USER"] = 4
    client = app.test_client()
    botnet = [f"192.0.2.{n}" for n in range(1, 9)]
    assert [sign_in(client, "chairman", "wrong", a).status_code for a in botnet[:4]] == [401] * 4
    # Under attack now: each further address gets one failure, then waits.
    for address in botnet[4:]:
        assert sign_in(client, "chairman", "wrong", address).status_code == 401
        assert sign_in(client, "chairman", "wrong", address).status_code == 429
    # Another user is not slowed, and the chairman, from an address that has not failed, signs in.
    assert [sign_in(client, "council_secretary", "wrong", botnet[0]).status_code for _ in range(4)] == [401] * 4
    assert sign_in(app.test_client(), "chairman", PASSWORD, CHAIRMANS_DESK).status_code == 302


def token(client, username: str, password: str, address: str):
    return send(client, "POST", "/api/v1/auth/token", address, json={"username": username, "password": password})


def test_the_api_token_endpoint_throttles_the_same_way(app, world):
    client = app.test_client()
    spellings = ["chairman", "CHAIRMAN", "chairman ", " Chairman  ", "ｃｈａｉｒｍａｎ"]
    assert [token(client, name, "wrong", STRANGER).status_code for name in spellings] == [401] * 5
    # The API's schema refuses control characters in any string: a tab never reaches the sign-in at all.
    tabbed = token(client, "chairman\t", PASSWORD, STRANGER)
    assert tabbed.status_code == 422 and "token" not in tabbed.json
    refused = token(client, "CHAIRMAN ", PASSWORD, STRANGER)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_attempts"
    assert THROTTLED in refused.json["error"]["message"] and int(refused.headers["Retry-After"]) == 60
    # The web page counts the same failures: the stranger's address is throttled there too.
    assert sign_in(app.test_client(), "chairman", "wrong", STRANGER).status_code == 429

    granted = token(client, " CHAIRMAN ", PASSWORD, CHAIRMANS_DESK)
    assert granted.status_code == 200 and granted.json["token"]
    me = send(client, "GET", "/api/v1/me", headers={"Authorization": f"Bearer {granted.json['token']}"})
    assert me.status_code == 200 and me.json["username"] == "chairman"


@pytest.fixture
def behind_a_proxy(app):
    """The same database served by an app told that one reverse proxy stands in front of it."""

    class BehindOneProxy(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        TRUSTED_PROXIES = 1

    proxied = create_app(BehindOneProxy)
    yield proxied
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def test_behind_a_trusted_proxy_x_forwarded_for_names_the_address(behind_a_proxy, world):
    client = behind_a_proxy.test_client()  # every request comes from the proxy, 127.0.0.1
    stranger, chairman = {"X-Forwarded-For": STRANGER}, {"X-Forwarded-For": f"10.9.9.9, {CHAIRMANS_DESK}"}
    statuses = [sign_in(client, "chairman", "wrong", headers=stranger).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert sign_in(client, "chairman", PASSWORD, headers=chairman).status_code == 302

    behind_a_proxy.config["TRACK_REQUESTS_PER_MINUTE"] = 2
    lookups = [send(client, "GET", "/api/v1/track/KMNOSUCH00", headers=stranger).status_code for _ in range(3)]
    assert lookups == [404, 404, 429]
    assert send(client, "GET", "/api/v1/track/KMNOSUCH00", headers=chairman).status_code == 404


def test_without_a_trusted_proxy_a_forged_x_forwarded_for_is_ignored(app, world):
    client = app.test_client()
    forged = [{"X-Forwarded-For": f"198.18.0.{n}"} for n in range(1, 8)]
    statuses = [sign_in(client, "chairman", "wrong", STRANGER, headers=h).status_code for h in forged]
    assert statuses == [401] * 5 + [429] * 2
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 2
    lookups = [send(client, "GET", "/api/v1/track/KMNOSUCH00", STRANGER, headers=h).status_code for h in forged[:3]]
    assert lookups == [404, 404, 429]


def test_a_refused_lookup_page_says_when_to_come_back(app, world):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 1
    client = app.test_client()
    assert send(client, "GET", "/track?code=KMNOSUCH00").status_code != 429
    refused = send(client, "GET", "/track?code=KMNOSUCH00")
    assert refused.status_code == 429 and "Tra cứu quá nhiều lần" in text(refused)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    api_refused = send(client, "GET", "/api/v1/track/KMNOSUCH00")  # the page and the API count one tracking limit
    assert api_refused.status_code == 429 and api_refused.json["error"]["code"] == "too_many_attempts"
    assert 0 < int(api_refused.headers["Retry-After"]) <= 60
