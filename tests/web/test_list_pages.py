"""Keyset pages on /dossiers, /audit/events and /audit/accounts (issue 15): "Trang sau ›" starts after the last row
shown, whatever the sort; a link that is not one of ours opens the first page; old ?page= links do no harm; the
count says "hơn N" past its limit; the unit filter lists wards and the chosen ward's groups, not every group."""

from __future__ import annotations

import base64
import contextlib
import html as html_lib
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import AuditEvent, Dossier, Unit
from states.enums import State, Title
from tests.factories import add_users
from workflow.audit import routes as audit_routes
from workflow.dossiers import routes as dossier_routes
from workflow.extensions import db
from workflow.services import paging

SORTS = sorted(dossier_routes.SORTS)
REFUSED = "Liên kết trang không đúng hoặc đã cũ"


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def codes_on(page: str) -> list[str]:
    return re.findall(r'<a href="/dossiers/\d+">(KM[A-Z0-9]+)</a>', page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html_lib.unescape(found.group(1)) if found else None


def walk(client, url: str, rows) -> list[list]:
    """Every page from `url` on by its "Trang sau" link: the rows of each."""
    pages = []
    while url:
        page = html(client.get(url))
        pages.append(rows(page))
        assert ("Trang đầu" in page) == (len(pages) > 1)
        if len(pages) > 1:
            assert link(page, "first").split("?")[0] == url.split("?")[0] and "after=" not in link(page, "first")
        url = link(page, "next")
        assert len(pages) < 50, "the pages never end"
    return pages


@pytest.fixture
def many(world):
    """Seven dossiers with ties in every sort: the same names, the same states, the same moments."""
    made = [world.dossier(State.DRAFT, subject_name="Hộ bà Lý Thị Hoa") for _ in range(3)]
    made += [world.dossier(State.REGISTERED, subject_name=f"Hộ ông Trần Văn {n}") for n in range(2)]
    made += [world.dossier(State.DRAFT, group="G2"), world.dossier(State.DRAFT, title=Title.MODEL_AGENCY)]
    moment = made[0].updated_at
    for dossier in made[:4]:  # four rows at the very same moment: only the id orders them
        dossier.updated_at = dossier.created_at = moment
    db.session.commit()
    return made


@pytest.mark.parametrize("sort", SORTS)
def test_walking_the_next_links_visits_every_dossier_once(client, auth, many, monkeypatch, sort):
    monkeypatch.setattr(dossier_routes, "PAGE_SIZE", 2)
    auth.login("chairman")
    pages = walk(client, f"/dossiers?sort={sort}", codes_on)
    seen = [code for page in pages for code in page]
    assert sorted(seen) == sorted(d.tracking_code for d in many)  # each once, none missed
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    order = dossier_routes.SORTS[sort]
    expected = db.session.scalars(select(Dossier.tracking_code).order_by(*order.clauses())).all()
    assert seen == expected  # the database's own order, ties by id


def test_the_next_link_keeps_the_filters_and_the_count_line_says_which_rows(client, auth, many, monkeypatch):
    monkeypatch.setattr(dossier_routes, "PAGE_SIZE", 2)
    auth.login("chairman")
    first = html(client.get("/dossiers?state=draft&sort=subject"))
    assert '<strong class="total">5 hồ sơ</strong>' in first and "trang 1, dòng 1–2" in first
    second = html(client.get(link(first, "next")))
    assert "state=draft" in link(first, "next") and "sort=subject" in link(first, "next")
    assert "trang 2, dòng 3–4" in second and "Trang 2" in second
    assert "state=draft" in link(second, "first") and "sort=subject" in link(second, "first")
    last = html(client.get(link(second, "next")))
    assert link(last, "next") is None and "trang 3, dòng 5–5" in last


def test_a_short_list_has_no_pager(client, auth, many):
    auth.login("chairman")
    page = html(client.get("/dossiers"))
    assert link(page, "next") is None and "Trang đầu" not in page and "dòng" not in page


def key(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


GARBAGE = ["x", "%%%", "a" * 5000, key("updated"), key("code", "KM", 1, 2), key("updated", "2025-01-01T00:00:00", 1, 2),
           key("updated", "9999-12-31T23:59:59-23:59", 1, 2), key("updated", "0001-01-01T00:00:00+23:00", 1, 2),
           key("subject", "a\x00b", 1, 2), key("subject", "\ud800", 1, 2), key("subject", "x" * 5000, 1, 2),
           key("subject", "x", 10**30, 2), key("subject", "x", True, 2), key("subject", "x", 1, 10**9),
           key("subject", ["x"], 1, 2), key("subject", "x", 1.5, 2), key("subject", None, 1, 2), "W1s" * 300,
           base64.urlsafe_b64encode(b"\xff\xfe").decode(), base64.urlsafe_b64encode(b"[" * 600).decode()]


def test_a_mangled_key_opens_the_first_page_with_a_word_never_an_error(client, auth, many, monkeypatch):
    monkeypatch.setattr(dossier_routes, "PAGE_SIZE", 2)
    auth.login("chairman")
    first = codes_on(html(client.get("/dossiers?sort=subject")))
    for after in GARBAGE:
        response = client.get("/dossiers", query_string={"sort": "subject", "after": after})
        page = html(response)
        assert codes_on(page) == first and REFUSED in page, after
    # A key of the "code" sort is no key of the "subject" sort.
    next_of_code = link(html(client.get("/dossiers?sort=code")), "next")
    after = re.search(r"after=([^&]+)", next_of_code).group(1)
    page = html(client.get(f"/dossiers?sort=subject&after={after}"))
    assert codes_on(page) == first and REFUSED in page


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_text_is_a_key_or_refused(text):
    for order in (*dossier_routes.SORTS.values(), audit_routes.NEWEST_FIRST):
        with contextlib.suppress(paging.InvalidKey):
            paging.decode_key(order, text)


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=50)), max_size=5))
@settings(max_examples=200, deadline=None)
def test_any_json_in_a_key_is_a_key_or_refused(parts):
    for order in (*dossier_routes.SORTS.values(), audit_routes.NEWEST_FIRST):
        with contextlib.suppress(paging.InvalidKey):
            paging.decode_key(order, key(*parts))


def test_old_numbered_page_links_open_the_first_page(client, auth, many, monkeypatch):
    monkeypatch.setattr(dossier_routes, "PAGE_SIZE", 2)
    auth.login("chairman")
    first = codes_on(html(client.get("/dossiers")))
    for old in ("page=2", "page=99999", "page=-1", "page=abc", "page=" + "9" * 40):
        page = html(client.get(f"/dossiers?{old}"))
        assert codes_on(page) == first and "page=" not in (link(page, "next") or "")
    for url in ("/audit/events?page=3", "/audit/accounts?page=2"):
        assert client.get(url).status_code == 200


def test_more_than_the_limit_is_said_so(client, auth, many, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 5)
    auth.login("chairman")
    page = html(client.get("/dossiers"))
    assert '<strong class="total">hơn 5 hồ sơ</strong>' in page and "lọc thêm để đếm chính xác" in page
    assert '<strong class="total">5 hồ sơ</strong>' in html(client.get("/dossiers?state=draft"))  # exact at N
    assert '<strong class="total">3 hồ sơ</strong>' in html(client.get("/dossiers?q=ly thi hoa"))
    assert '<strong class="total">hơn 5 sự kiện</strong>' in html(client.get("/audit/events"))
    monkeypatch.setattr(paging, "COUNT_LIMIT", 10_000)
    assert '<strong class="total">7 hồ sơ</strong>' in html(client.get("/dossiers"))


def test_thousands_are_written_the_vietnamese_way(app):
    with app.test_request_context():
        from flask import render_template_string

        text = render_template_string(
            '{% from "_macros.html" import count_line %}{{ count_line(count, page, "a", _("hơn %(n)s hồ sơ", '
            'n=count.limit | numberformat)) }}', count=paging.Count(10_001, 10_000),
            page=paging.KeysetPage([], 1, 20, None))
    assert "hơn 10.000 hồ sơ" in text


def event_rows(page: str) -> list[str]:
    body = page.split('<table class="striped events cards">')[1].split("</table>")[0]
    return [re.sub(r"\s+", " ", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]]


def test_the_audit_log_pages_by_key_through_every_event(client, auth, world, many, monkeypatch):
    monkeypatch.setattr(audit_routes, "PAGE_SIZE", 4)
    auth.login("auditor")
    pages = walk(client, "/audit/events", event_rows)
    rows = [row for page in pages for row in page]
    in_scope = db.session.scalar(select(func.count()).select_from(AuditEvent).join(Unit, AuditEvent.unit_id == Unit.id)
                                 .where(Unit.path.like(world.units["WARD"].path + "%")))
    assert len(rows) == in_scope > 8 and all(len(p) == 4 for p in pages[:-1])
    seqs = [(re.search(r'class="code">(KM\w+)</a>', r).group(1), re.search(r'data-label="STT">(\d+)<', r).group(1))
            for r in rows if 'class="code"' in r]
    assert len(seqs) == db.session.scalar(select(func.count()).select_from(AuditEvent)
                                          .where(AuditEvent.dossier_id.in_([d.id for d in many])))
    assert len(set(seqs)) == len(seqs)  # no event twice
    page = html(client.get("/audit/events", query_string={"after": "garbage"}))
    assert REFUSED in page and event_rows(page) == pages[0]


def test_the_accounts_page_pages_by_key(client, auth, world, monkeypatch):
    from workflow.services.admin import add_role

    admin = world.users["admin"]
    for name in ("council1", "council2", "council3"):
        add_role(admin, world.users[name], "ward_inspector", world.units["WARD"].id)
    db.session.commit()
    monkeypatch.setattr(audit_routes, "PAGE_SIZE", 2)
    auth.login("auditor")
    pages = walk(client, "/audit/accounts", lambda page: re.findall(r'class="when">([^<]*)<', page))
    assert sum(len(p) for p in pages) == 3 and [len(p) for p in pages] == [2, 1]


# --- the unit filter ----------------------------------------------------------------------------------------------

def options(page: str) -> dict[str, str]:
    select_html = page.split('name="unit_id"')[1].split("</select>")[0]
    return {html_lib.unescape(label).strip("\xa0 "): value
            for value, label in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select_html)}


@pytest.fixture
def province(world):
    add_users(world, {"province_auditor": ["auditor@PROV"]})
    return world


@pytest.mark.parametrize("url", ["/dossiers", "/audit/events"])
def test_the_unit_filter_lists_wards_and_only_the_chosen_wards_groups(client, auth, province, url):
    units = province.units
    auth.login("province_auditor")
    page = html(client.get(url))
    shown = options(page)
    assert {"Phường Thử", "Phường Bên Cạnh", "Thị xã Thử"} <= set(shown)
    assert not {"Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 9", "Trường Tiểu học"} & set(shown)
    assert "chọn phường, bấm “Lọc”, rồi chọn tổ" in page
    shown = options(html(client.get(f"{url}?unit_id={units['WARD'].id}")))
    assert {"Tổ dân phố 1", "Tổ dân phố 2", "Trường Tiểu học"} <= set(shown) and "Tổ dân phố 9" not in shown
    page = html(client.get(f"{url}?unit_id={units['G9'].id}"))  # a group: its ward's groups, it chosen
    shown = options(page)
    assert shown["Tổ dân phố 9"] == str(units["G9"].id) and "Tổ dân phố 1" not in shown
    assert re.search(rf'<option value="{units["G9"].id}" selected>', page)
    for raw in ("abc", "-1", "99999999999999999999", "", "1e9"):
        assert client.get(url, query_string={"unit_id": raw}).status_code in (200,), raw


def test_a_ward_official_sees_the_groups_of_the_ward_at_once(client, auth, world):
    auth.login("ward_inspector")
    page = html(client.get("/dossiers"))
    shown = options(page)
    assert {"Phường Thử", "Tổ dân phố 1", "Tổ dân phố 2", "Trường Tiểu học"} <= set(shown)
    assert "Phường Bên Cạnh" not in shown and "Tổ dân phố 9" not in shown and "Thị xã Thử" not in shown
    assert "rồi chọn tổ" not in page
    labels = list(shown)
    assert labels.index("Tổ dân phố 1") < labels.index("Tổ dân phố 2")  # under the ward, in their order
    assert labels.index("Phường Thử") < labels.index("Tổ dân phố 1")


def test_the_unit_filter_is_bounded_at_a_province(client, auth, province):
    wards = [Unit(code=f"W{n}", name=f"Phường {n}", kind="ward", parent=province.units["PROV"]) for n in range(3)]
    db.session.add_all(wards)
    db.session.flush()
    for ward in wards:
        ward.path = f"{province.units['PROV'].path}{ward.id}/"
        groups = [Unit(code=f"{ward.code}G{n}", name=f"Tổ {n}", kind="group", parent=ward) for n in range(40)]
        db.session.add_all(groups)
        db.session.flush()
        for group in groups:
            group.path = f"{ward.path}{group.id}/"
    db.session.commit()
    auth.login("province_auditor")
    assert len(options(html(client.get("/dossiers")))) == 1 + 3 + 2 + 1  # all, 3 + 2 wards, the town
    chosen = options(html(client.get(f"/dossiers?unit_id={wards[1].id}")))
    assert len(chosen) == 1 + 5 + 1 + 40
