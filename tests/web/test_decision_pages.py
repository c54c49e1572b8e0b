"""The decisions' pages grow with a page, not with the province: the list of decisions is paged by key (signing day,
then id) with each decision's count read for the page at once; a decision's own page lists its dossiers by id, a
page at a time, and says how many there are in all."""

from __future__ import annotations

import re
from datetime import timedelta

from states.enums import State
from tests.statements import counting
from workflow import clock
from workflow.extensions import db
from workflow.services import decisions


def html(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def sign(world, number: str, days_ago: int, count: int = 1):
    listed = [world.dossier(State.AWAITING_DECISION, subject_name=f"Hộ {number} số {i}") for i in range(count)]
    decision = decisions.record_decision(world.users["chairman"], {
        "number": number, "signed_on": (clock.now().date() - timedelta(days=days_ago)).isoformat(),
        "outcome": "recognize", "dossier_ids": [d.id for d in listed]})
    db.session.commit()
    return decision, listed


def test_the_decisions_list_is_paged_newest_first_with_counts(client, auth, world, monkeypatch):
    signed = [sign(world, f"{n}/QĐ-UBND", days_ago=5 - n, count=n) for n in (1, 2, 3)]
    monkeypatch.setattr(decisions, "DECISIONS_PAGE", 2)
    auth.login("chairman")
    first = html(client.get("/review/decisions"))
    numbers = re.findall(r'>(\d/QĐ-UBND)</a></td><td>[^<]*</td>\s*<td>[^<]*</td><td>(\d+)</td>', first)
    assert numbers == [("3/QĐ-UBND", "3"), ("2/QĐ-UBND", "2")]  # newest first, each with its own count
    assert "Trang sau" in first
    after = first.split("after=", 1)[1].split('"', 1)[0]
    rest = html(client.get(f"/review/decisions?after={after}"))
    assert re.findall(r'>(\d/QĐ-UBND)</a>', rest) == ["1/QĐ-UBND"] and "Trang sau" not in rest
    assert client.get("/review/decisions?after=2026-13-45.x").status_code == 200  # a bad key: the first page
    auth.login("outsider_chairman")
    assert "Chưa có quyết định nào." in html(client.get("/review/decisions"))
    assert signed  # every decision above was signed in this ward


def test_the_list_reads_as_many_statements_for_one_decision_as_for_three(client, auth, world):
    """The counts come in two grouped reads for the whole page, and no decision's dossiers are loaded."""
    sign(world, "1/QĐ-UBND", days_ago=3)
    auth.login("chairman")
    client.get("/review/decisions")  # warm: the session's own reads
    with counting() as one:
        html(client.get("/review/decisions"))
    sign(world, "2/QĐ-UBND", days_ago=2, count=2)
    sign(world, "3/QĐ-UBND", days_ago=1, count=3)
    with counting() as three:
        page = html(client.get("/review/decisions"))
    assert page.count("/QĐ-UBND</a>") == 3
    assert len(three) == len(one), str(three)


def test_a_decisions_page_lists_its_dossiers_a_page_at_a_time(client, auth, world, monkeypatch):
    decision, listed = sign(world, "7/QĐ-UBND", days_ago=0, count=3)
    monkeypatch.setattr(decisions, "LISTED_PAGE", 2)
    auth.login("chairman")
    page = html(client.get(f"/review/decisions/{decision.id}"))
    assert "Gồm 3 hồ sơ" in page
    ordered = sorted(listed, key=lambda d: d.id)
    assert ordered[0].subject_name in page and ordered[1].subject_name in page
    assert ordered[2].subject_name not in page and "Trang sau" in page
    rest = html(client.get(f"/review/decisions/{decision.id}?after={ordered[1].id}"))
    assert ordered[2].subject_name in rest and ordered[0].subject_name not in rest and "Trang sau" not in rest
    assert client.get(f"/review/decisions/{decision.id}?after=abc").status_code == 200
