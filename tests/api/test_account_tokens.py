"""API tokens listed and revoked by their owner (the API and the "Tài khoản" page) and by an admin; a temporary
password opens nothing but signing out and one's tokens."""

from __future__ import annotations

from sqlalchemy import select

from models import ApiToken, AuditEvent
from tests.conftest import csrf_from
from tests.web.test_accounts import each_request_reads_its_own_cookie  # noqa: F401  (autouse)
from workflow.extensions import db
from workflow.services.accounts import issue_token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_owner_lists_their_tokens_without_seeing_any_and_revokes_one(client, world):
    chairman = world.users["chairman"]
    first, _ = issue_token(chairman, hours=2)
    second, _ = issue_token(chairman, hours=2)
    other, _ = issue_token(world.users["auditor"], hours=2)
    db.session.commit()
    listed = client.get("/api/v1/auth/tokens", headers=bearer(first))
    assert listed.status_code == 200
    items = listed.json["items"]
    assert len(items) == 2 and [i["current"] for i in items] == [False, True]
    assert first not in listed.get_data(as_text=True) and second not in listed.get_data(as_text=True)
    assert set(items[0]) == {"id", "created_at", "expires_at", "current"}
    second_id = items[0]["id"]
    auditor = world.users["auditor"]
    auditor_token_id = db.session.scalars(select(ApiToken.id).where(ApiToken.user_id == auditor.id)).one()
    # Another's token is not found, and keeps working.
    refused = client.delete(f"/api/v1/auth/tokens/{auditor_token_id}", headers=bearer(first))
    assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{second_id}", headers=bearer(first)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{second_id}", headers=bearer(first)).status_code == 404
    assert client.get("/api/v1/auth/tokens").status_code == 401
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"user:{chairman.id}")).all()
    assert event.trigger == "token_revoked" and event.data["token_id"] == second_id


def test_the_account_page_lists_my_tokens_and_revokes_one(client, auth, world):
    token, _ = issue_token(world.users["chairman"], hours=2)
    db.session.commit()
    token_id = db.session.scalars(select(ApiToken.id)).one()
    auth.login("chairman")
    page = client.get("/account").get_data(as_text=True)
    assert f"#{token_id}" in page and token not in page
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)})
    assert revoked.status_code == 302
    assert "Đã thu hồi token" in client.get("/account").get_data(as_text=True)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    # Someone else's token id: nothing happens to it.
    theirs, _ = issue_token(world.users["auditor"], hours=2)
    db.session.commit()
    their_id = db.session.scalars(select(ApiToken.id)).one()
    assert client.post(f"/account/tokens/{their_id}/revoke", data={"csrf_token": csrf_from(page)}).status_code == 303
    assert client.get("/api/v1/me", headers=bearer(theirs)).status_code == 200


def test_an_admin_sees_and_revokes_a_users_token_on_the_users_page(client, auth, world):
    council = world.users["council1"]
    token, _ = issue_token(council, hours=2)
    db.session.commit()
    token_id = db.session.scalars(select(ApiToken.id)).one()
    auth.login("admin")
    page = client.get(f"/admin/users/{council.id}").get_data(as_text=True)
    assert f"#{token_id}" in page and token not in page
    done = client.post(f"/admin/users/{council.id}/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"user:{council.id}")).all()
    assert event.trigger == "token_revoked" and event.actor_id == world.users["admin"].id


def test_a_temporary_password_opens_only_sign_out_and_ones_tokens_in_the_api(client, world):
    council = world.users["council1"]
    token, _ = issue_token(council, hours=2)
    council.must_change_password = True
    db.session.commit()
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 403 and me.json["error"]["code"] == "password_change_required"
    assert "đổi mật khẩu" in me.json["error"]["message"]
    assert client.get("/api/v1/dossiers", headers=bearer(token)).json["error"]["code"] == "password_change_required"
    assert client.get("/api/v1/auth/tokens", headers=bearer(token)).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/auth/tokens", headers=bearer(token)).status_code == 401
