"""Accounts and sessions (issue 14): a key nobody knows, sessions that end, passwords worth the name, one name per
person whatever its case, and an admin who resets, locks and reopens accounts — each seen as a user sees it."""

from __future__ import annotations

import json
import os
import stat

import pytest
from flask import Flask, g
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import config
from models import AuditEvent, User
from tests.conftest import Auth, csrf_from
from tests.factories import PASSWORD
from workflow import create_app
from workflow.extensions import db
from workflow.secret_key import load_or_create

NEW_PASSWORD = "ngựa vằn gặm cỏ non"
CHAIRMAN_PAGE = "/review/decisions"


@pytest.fixture(autouse=True)
def each_request_reads_its_own_cookie(app):
    """The tests' app context lasts the whole test, so Flask's `g` (where Flask-Login keeps the signed-in user)
    would carry one request's user into the next, whatever cookie it sends; in production every request has its
    own. Forget them at each request, so a copied or forged cookie is judged on its own."""

    def forget() -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)  # Flask-WTF keeps the session's CSRF token there too

    app.before_request_funcs.setdefault(None, []).insert(0, forget)


def page(response) -> str:
    return response.get_data(as_text=True)


def forge(secret: str, session: dict) -> str:
    """A session cookie as Flask signs it, with `secret`."""
    forger = Flask("forger")
    forger.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(session)


def goes_to_login(response) -> bool:
    return response.status_code == 302 and "/login" in response.location


def change_password(client, current: str, new: str, confirm: str | None = None):
    token = csrf_from(page(client.get("/account")))
    return client.post("/account", data={"csrf_token": token, "current": current, "new": new,
                                         "confirm": new if confirm is None else confirm})


def events(stream: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)))


# --- the key ------------------------------------------------------------------------------------------------------

def test_no_secret_key_configured_means_a_random_one_and_a_cookie_forged_with_the_old_constant_is_refused(
        app, world, tmp_path, monkeypatch):
    if os.environ.get("SECRET_KEY"):
        pytest.skip("SECRET_KEY is set in this environment")
    assert config.Config.SECRET_KEY == ""  # the normal configuration has no constant to fall back on

    class Plain(config.Config):  # the normal configuration, as `make run` or a plain gunicorn starts it
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SECRET_KEY_FILE = str(tmp_path / "instance" / "secret_key")

    plain = create_app(Plain)
    key_file = tmp_path / "instance" / "secret_key"
    assert plain.secret_key not in ("", "dev-only-not-secret") and len(plain.secret_key) == 64
    assert key_file.read_text() == plain.secret_key and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app(Plain).secret_key == plain.secret_key  # a second worker, a restart: the same key

    chairman = world.users["chairman"]
    client = plain.test_client()
    for claimed in (str(chairman.id), f"{chairman.id}:1"):
        client.set_cookie("session", forge("dev-only-not-secret", {"_user_id": claimed, "_fresh": True}))
        assert goes_to_login(client.get(CHAIRMAN_PAGE))
    # The same cookie signed with the key the app made does open the page: the forgery above was a real one.
    client.set_cookie("session", forge(plain.secret_key, {"_user_id": f"{chairman.id}:1", "_fresh": True}))
    assert client.get(CHAIRMAN_PAGE).status_code == 200
    with plain.app_context():
        db.engine.dispose()


def test_two_workers_creating_the_key_at_once_agree(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    target = tmp_path / "instance" / "secret_key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create(target), range(16)))
    assert len(keys) == 1 and list(target.parent.iterdir()) == [target]  # no temporary file left behind


# --- sessions that end --------------------------------------------------------------------------------------------

def test_a_cookie_copied_before_logout_is_refused_after_it(client, auth, world):
    assert auth.login("chairman").status_code == 302
    assert client.get(CHAIRMAN_PAGE).status_code == 200
    copied = client.get_cookie("session").value
    auth.logout()
    client.set_cookie("session", copied)
    assert goes_to_login(client.get(CHAIRMAN_PAGE))


def test_a_cookie_copied_before_a_password_change_is_refused_and_the_changer_stays_signed_in(app, client, auth,
                                                                                              world):
    from workflow.services.accounts import issue_token

    chairman = world.users["chairman"]
    token, _ = issue_token(chairman, hours=1)
    db.session.commit()
    auth.login("chairman")
    copied = client.get_cookie("session").value
    other = app.test_client()  # the chairman signed in on another computer too
    Auth(other).login("chairman")
    changed = change_password(client, PASSWORD, NEW_PASSWORD)
    assert changed.status_code == 302 and changed.location.endswith("/account")
    assert "Đã đổi mật khẩu" in page(client.get("/account"))
    assert client.get(CHAIRMAN_PAGE).status_code == 200  # this browser goes on
    assert goes_to_login(other.get(CHAIRMAN_PAGE))  # the other computer is signed out
    client.set_cookie("session", copied)
    assert goes_to_login(client.get(CHAIRMAN_PAGE))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert Auth(app.test_client()).login("chairman").status_code == 401  # the old password is gone
    assert Auth(app.test_client()).login("chairman", NEW_PASSWORD).status_code == 302
    [event] = events(f"user:{chairman.id}")
    assert event.trigger == "password_changed" and event.actor_id == chairman.id
    assert NEW_PASSWORD not in json.dumps(event.data, ensure_ascii=False) and PASSWORD not in json.dumps(event.data)


@pytest.mark.parametrize("new, confirm, field, reason", [
    ("12345678", None, "new", "mật khẩu phổ biến"),
    ("        ", None, "new", "chỉ gồm dấu cách"),
    ("password123", None, "new", "mật khẩu phổ biến"),
    ("applicant", None, "new", "ít nhất 8 ký tự"),
    ("Applicant2026", None, "new", "dễ đoán"),
    ("abc", None, "new", "ít nhất 8 ký tự"),
    (NEW_PASSWORD, "ngựa vằn gặm cỏ già", "confirm", "hai lần nhập không giống nhau"),
    (PASSWORD, None, "new", "dễ đoán"),
])
def test_change_password_refuses_a_weak_or_mistyped_one_beside_its_field(client, auth, world, new, confirm, field,
                                                                         reason):
    applicant = world.users["applicant"]
    before = applicant.password_hash
    auth.login("applicant")
    refused = change_password(client, PASSWORD, new, confirm)
    html = page(refused)
    assert refused.status_code == 422 and reason in html
    assert f'id="{field}-error"' in html  # beside its own field
    db.session.expire_all()
    assert applicant.password_hash == before and events(f"user:{applicant.id}") == []


def test_change_password_needs_the_current_one(client, auth, world):
    auth.login("applicant")
    refused = change_password(client, "not-my-password", NEW_PASSWORD)
    assert refused.status_code == 422 and "mật khẩu hiện tại không đúng" in page(refused)
    assert 'id="current-error"' in page(refused)


def test_the_username_itself_is_refused_as_a_password(runner, world):
    result = runner.invoke(args=["create-user", "nguyenvanbinh", "--password", "nguyenvanbinh", "--full-name",
                                 "Nguyễn Văn Bình"])
    assert result.exit_code != 0 and "trùng tên đăng nhập" in result.output


# --- passwords judged where they are set -------------------------------------------------------------------------

@pytest.mark.parametrize("password, reason", [
    ("12345678", "mật khẩu phổ biến"), ("        ", "chỉ gồm dấu cách"), ("password123", "mật khẩu phổ biến"),
    ("short", "ít nhất 8 ký tự"),
])
def test_create_user_on_the_command_line_refuses_a_weak_password(runner, world, password, reason):
    result = runner.invoke(args=["create-user", "kiemtra2", "--password", password, "--full-name", "Lê Kiểm Tra",
                                 "--role", "ward_inspector@WARD"])
    assert result.exit_code != 0 and reason in result.output
    assert db.session.scalars(select(User).where(User.username == "kiemtra2")).first() is None


def test_admin_create_user_refuses_a_weak_password_beside_the_field(client, auth, world):
    auth.login("admin")
    token = csrf_from(page(client.get("/admin/users")))
    form = {"csrf_token": token, "username": "lan", "full_name": "Trần Thị Lan", "role": "applicant",
            "unit_id": world.units["G1"].id}
    refused = client.post("/admin/users", data={**form, "password": "password123"})
    assert refused.status_code == 422 and "mật khẩu phổ biến" in page(refused)
    assert 'id="password-error"' in page(refused)
    assert client.post("/admin/users", data={**form, "password": NEW_PASSWORD}).status_code == 302


# --- one name per person, whatever its case ------------------------------------------------------------------------

def test_usernames_are_unique_regardless_of_case_and_sign_in_ignores_case_and_spaces(app, client, auth, runner,
                                                                                     world):
    dup = runner.invoke(args=["create-user", "ADMIN", "--password", NEW_PASSWORD, "--full-name", "Người khác"])
    assert dup.exit_code != 0 and "đã có" in dup.output
    auth.login("admin")
    token = csrf_from(page(client.get("/admin/users")))
    refused = client.post("/admin/users", data={"csrf_token": token, "username": "Chairman", "full_name": "Giả mạo",
                                                "password": NEW_PASSWORD, "role": "applicant",
                                                "unit_id": world.units["G1"].id})
    assert refused.status_code == 409 and "đã tồn tại" in page(refused)
    assert db.session.scalars(select(User).where(User.full_name == "Giả mạo")).first() is None
    # The database refuses it too, whoever writes the row.
    db.session.add(User(username="ChairMan", full_name="X", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert Auth(app.test_client()).login("  CHAIRMAN ").status_code == 302
    answer = app.test_client().post("/api/v1/auth/token", json={"username": " Chairman ", "password": PASSWORD})
    assert answer.status_code == 200


# --- the admin: reset, lock, reopen -------------------------------------------------------------------------------

def test_admin_reset_shows_a_temporary_password_once_and_the_user_must_change_it(app, client, auth, world):
    council = world.users["council1"]
    theirs = app.test_client()
    Auth(theirs).login("council1")
    auth.login("admin")
    token = csrf_from(page(client.get(f"/admin/users/{council.id}")))
    reset = client.post(f"/admin/users/{council.id}/reset-password", data={"csrf_token": token})
    assert reset.status_code == 302
    shown = client.get(reset.location)
    html = page(shown)
    temporary = html.split('id="temporary-password">')[1].split("<")[0]
    assert len(temporary) == 14 and shown.headers["Cache-Control"] == "no-store"
    assert temporary not in page(client.get(f"/admin/users/{council.id}"))  # shown once
    assert goes_to_login(theirs.get("/dossiers"))  # their session ended
    db.session.expire_all()
    assert council.must_change_password and council.check_password(temporary)
    [event] = events(f"user:{council.id}")
    assert event.trigger == "password_reset" and event.actor_id == world.users["admin"].id
    assert temporary not in json.dumps(event.data)

    assert Auth(theirs).login("council1", temporary).status_code == 302
    for url in ("/dossiers", "/", "/inbox"):
        forced = theirs.get(url)
        assert forced.status_code == 302 and forced.location.endswith("/account")
    assert "mật khẩu tạm" in page(theirs.get("/account"))
    api = app.test_client().post("/api/v1/auth/token", json={"username": "council1", "password": temporary})
    assert api.status_code == 403 and api.json["error"]["code"] == "password_change_required"
    assert change_password(theirs, temporary, NEW_PASSWORD).status_code == 302
    assert theirs.get("/dossiers").status_code == 200
    db.session.expire_all()
    assert not council.must_change_password


def test_admin_locks_an_account_its_sessions_and_tokens_stop_at_once_and_reopening_revives_neither(
        app, client, auth, world):
    from workflow.services.accounts import issue_token

    council = world.users["council1"]
    bearer = {"Authorization": f"Bearer {issue_token(council, hours=1)[0]}"}
    db.session.commit()
    theirs = app.test_client()
    Auth(theirs).login("council1")
    assert theirs.get("/dossiers").status_code == 200
    auth.login("admin")
    token = csrf_from(page(client.get(f"/admin/users/{council.id}")))
    assert client.post(f"/admin/users/{council.id}/deactivate", data={"csrf_token": token}).status_code == 302
    assert "Đã khóa" in page(client.get(f"/admin/users/{council.id}"))
    assert goes_to_login(theirs.get("/dossiers"))
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert Auth(app.test_client()).login("council1").status_code == 401
    assert client.post(f"/admin/users/{council.id}/reactivate", data={"csrf_token": token}).status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401  # its tokens were revoked
    assert Auth(app.test_client()).login("council1").status_code == 302
    assert [e.trigger for e in events(f"user:{council.id}")] == ["user_deactivated", "user_reactivated"]


def test_an_admin_does_not_reset_or_lock_their_own_account(client, auth, world):
    admin = world.users["admin"]
    auth.login("admin")
    token = csrf_from(page(client.get(f"/admin/users/{admin.id}")))
    for action in ("reset-password", "deactivate"):
        refused = client.post(f"/admin/users/{admin.id}/{action}", data={"csrf_token": token})
        assert refused.status_code == 303
        assert "chính mình" in page(client.get(refused.location))
    db.session.expire_all()
    assert admin.active and not admin.must_change_password and events(f"user:{admin.id}") == []


# --- the auditor's "Phân quyền" ------------------------------------------------------------------------------------

def test_the_auditor_sees_every_grant_revocation_reset_and_lock(app, client, auth, world, frozen_clock):
    council = world.users["council2"]
    auth.login("admin")
    token = csrf_from(page(client.get(f"/admin/users/{council.id}")))
    client.post(f"/admin/users/{council.id}", data={"csrf_token": token, "role": "ward_inspector",
                                                    "unit_id": world.units["WARD"].id})
    client.post(f"/admin/users/{council.id}/roles/{council.roles[0].id}/remove", data={"csrf_token": token})
    client.post(f"/admin/users/{council.id}/reset-password", data={"csrf_token": token})
    client.post(f"/admin/users/{council.id}/deactivate", data={"csrf_token": token})
    auth.login("auditor")
    html = page(client.get("/audit/events"))
    assert 'href="/audit/accounts"' in html
    listing = client.get("/audit/accounts")
    html = page(listing)
    assert listing.status_code == 200 and "4 sự kiện" in html
    for text in ("Cấp vai trò", "Thu hồi vai trò", "Đặt lại mật khẩu", "Khóa tài khoản", "Thành viên Ban chỉ đạo",
                 "Người dùng admin", "Người dùng council2", "Phường Thử (WARD)"):
        assert text in html, text
    local = frozen_clock.now().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert local.strftime("%d/%m/%Y %H:%M") in html
    auth.login("applicant")
    assert client.get("/audit/accounts").status_code == 403


def test_roles_given_with_an_account_on_the_command_line_are_grants_the_auditor_sees(runner, client, auth, world):
    result = runner.invoke(args=["create-user", "thu_ky2", "--password", "Ngõ-Hoa-Sữa-12-mùa-thu", "--full-name",
                                 "Trần Thu Hà", "--role", "council_secretary@WARD"])
    assert result.exit_code == 0, result.output
    auth.login("auditor")
    html = page(client.get("/audit/accounts"))
    assert "1 sự kiện" in html and "Cấp vai trò" in html and "Trần Thu Hà" in html and "Phường Thử (WARD)" in html
