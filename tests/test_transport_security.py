"""HTTPS in production (issue 14, part 6): HSTS on every answer and cookies marked Secure (the session and the
"remember me" one, which scripts cannot read); neither in development and tests, which run on plain HTTP."""

from __future__ import annotations

import pytest

from workflow import create_app

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def production_app(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test")
    from config import ProductionConfig

    config = ProductionConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.sqlite'}"
    config.RATELIMIT_STORAGE_URI = "memory://"
    return create_app(config)


def test_production_sends_hsts_and_secure_cookies(production_app):
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    assert production_app.config["REMEMBER_COOKIE_SECURE"] is True
    assert production_app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    response = production_app.test_client().get("/login", base_url="https://kieumau.example")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == HSTS
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("session=") and "Secure" in cookie and "HttpOnly" in cookie


def test_development_and_tests_send_no_hsts_and_plain_cookies(client, app):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers.get("Set-Cookie", "")
    assert not app.config.get("SESSION_COOKIE_SECURE") and not app.config.get("REMEMBER_COOKIE_SECURE")
