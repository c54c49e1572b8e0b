"""Every 500 the hostile-input tests found keeps a test of its own here, with the exact input that broke it."""

from urllib.parse import urlsplit

import pytest

from tests.conftest import csrf_from
from workflow.public.redirects import local_target


@pytest.mark.parametrize(("target", "expected"), [
    ("/dossiers?state=draft#list", "/dossiers?state=draft#list"),
    ("http://localhost/dossiers", "/dossiers"),
    ("http://[", None),  # urlsplit raises "Invalid IPv6 URL": this was a 500
    ("http://[::1", None),
    ("//evil.example/x", None),
    ("/\\evil.example", None),  # browsers read a backslash as a slash: another host
    ("/\t/evil.example", None),  # tabs are dropped by browsers (and urlsplit): //evil.example
    ("http://evil.example/", None),
    ("javascript:alert(1)", None),
    ("dossiers", None),
    ("/a\nb", "/ab"),  # a Location header may not carry a line break
    ("", None),
    (None, None),
])
def test_local_target(app, target, expected):
    assert local_target(target, "localhost") == expected


@pytest.mark.parametrize("referrer", ["http://[", "http://[::1", "/\\evil.example", "http://evil.example/x"])
def test_language_switch_with_a_broken_or_foreign_referer_goes_home(client, referrer):
    # Found by test_forms_fuzz: GET /lang/vi with "Referer: http://[" raised ValueError (a 500).
    response = client.get("/lang/en", headers={"Referer": referrer})
    assert response.status_code == 302 and urlsplit(response.location).path == "/"


def test_language_switch_returns_to_our_page(client):
    response = client.get("/lang/en", headers={"Referer": "http://localhost/track?code=X"})
    assert response.status_code == 302 and response.location == "/track?code=X"


@pytest.mark.parametrize(("next_page", "landing"), [
    ("http://[", "/"), ("/\\evil.example", "/"), ("//evil.example", "/"), ("/dossiers", "/dossiers")])
def test_sign_in_follows_next_only_to_our_pages(client, world, next_page, landing):
    # A signed-in user's redirect to "next=http://[" raised ValueError (a 500); "/\evil.example" left the site.
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", query_string={"next": next_page},
                           data={"username": "chairman", "password": "demo12345", "csrf_token": token})
    assert response.status_code == 302 and urlsplit(response.location).path == landing
    assert not urlsplit(response.location).netloc


def test_criteria_file_nested_too_deep_is_refused_beside_the_field(client, auth, world):
    # "[" * 100000 made json.loads raise RecursionError, which the page did not catch (a 500).
    import io

    from sqlalchemy import func, select

    from models import CriteriaSet
    from workflow.extensions import db

    auth.login("admin")
    token = csrf_from(client.get("/admin/criteria").get_data(as_text=True))
    before = db.session.scalar(select(func.count(CriteriaSet.id)))
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/admin/criteria", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(deep), "tieu-chi.json")})
    assert response.status_code == 422 and "Không đọc được tệp JSON" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CriteriaSet.id))) == before


def test_audit_log_page_past_the_end_shows_the_last_page(client, auth, world):
    # ?page=10**20 went into OFFSET: SQLite raised OverflowError (a 500).
    world.dossier()
    auth.login("auditor")
    response = client.get("/audit/events", query_string={"page": "1" + "0" * 20})
    assert response.status_code == 200 and "created" in response.get_data(as_text=True)


@pytest.mark.parametrize("content", [b'{"title": "model_family", "code": "\\udfff"}', b"\xed\xa0\x80"],
                         ids=["escaped-lone-surrogate", "surrogate-bytes"])
def test_criteria_file_with_a_lone_surrogate_is_refused_beside_the_field(client, auth, world, content):
    # A "\udfff" escape (valid JSON) reached the database: UnicodeEncodeError at flush (a 500).
    import io

    auth.login("admin")
    token = csrf_from(client.get("/admin/criteria").get_data(as_text=True))
    response = client.post("/admin/criteria", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(content), "tieu-chi.json")})
    assert response.status_code == 422 and "Không đọc được tệp JSON" in response.get_data(as_text=True)
