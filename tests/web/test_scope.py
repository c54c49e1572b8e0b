"""A user never sees a dossier outside their units: not in a list, a count, a page, a form, a file or the log.
And no page answers 500, whatever the query string."""

import io

import pytest

from states.enums import State
from workflow.services.attachments import add_attachment


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def secret(world, app):
    """A dossier of the next ward (WARD2 › G9), well along, with a file and a distinctive name."""
    from tests.factories import Cast, Timeline
    from workflow.extensions import db
    from workflow.services.dossiers import create_dossier
    from workflow.services.walkthrough import drive

    u = world.users
    cast = Cast(u["applicant9"], u["outsider_committee"], u["outsider_committee"], [], u["outsider_committee"],
                u["outsider_chairman"])
    timeline = Timeline(world.timeline.start)
    dossier = create_dossier(u["applicant9"], {
        "campaign_id": world.campaign2.id, "title": "model_family", "unit_id": world.units["G9"].id,
        "subject_name": "Hộ ông Bí Mật Phường Bên", "subject_ref": "HK-SECRET"}, now=timeline.next())
    drive(dossier, State.SELF_ASSESSMENT, cast, timeline)
    add_attachment(u["applicant9"], dossier, io.BytesIO(b"%PDF-1.4 secret"), "bi-mat.pdf", "evidence",
                   app.config["UPLOAD_FOLDER"], 10_000)
    db.session.commit()
    return dossier


PEOPLE = ["applicant", "applicant2", "group_committee", "ward_inspector", "council1", "council_secretary",
          "chairman", "auditor", "admin"]


@pytest.mark.parametrize("who", PEOPLE)
def test_nothing_of_another_ward_shows_anywhere(client, auth, world, secret, who):
    world.dossier(State.REGISTERED)  # something of their own ward, so pages are not empty
    auth.login(who)
    pages = ["/", "/dossiers", "/dossiers?q=bí mật", "/dossiers?state=self_assessment", "/review/decisions",
             "/review/decisions/new", "/audit/events", "/audit/events?trigger=created", "/audit/verify",
             f"/audit/events?dossier_id={secret.id}", "/audit/events.csv"]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        assert "Bí Mật" not in html(response) and "HK-SECRET" not in html(response), url
    for url in (f"/dossiers/{secret.id}", f"/dossiers/{secret.id}/assessment", f"/dossiers/{secret.id}/edit",
                f"/dossiers/{secret.id}/attachments/{secret.attachments[0].id}"):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
    expected = 0 if who == "applicant2" else 1  # the count covers only what they may see
    assert f'<strong class="total">{expected} hồ sơ</strong>' in html(client.get("/dossiers"))


def test_counts_on_my_work_cover_only_the_users_units(client, auth, world, secret):
    world.dossier(State.REGISTERED)
    world.dossier(State.REGISTERED, group="G2")
    auth.login("group_committee")  # TDP 1 (and the agency) only
    page = html(client.get("/"))
    assert 'id="work-registrations"' in page
    section = page.split('id="work-registrations"')[1].split("</article>")[0]
    assert '<span class="count" aria-label="số hồ sơ">1</span>' in section


NASTY = ["page=-5", "page=abc", "page=99999", "sort=drop table", "state=<script>", "unit_id=1e9", "unit_id=-1",
         "campaign_id=x", "overdue=maybe", "q=%00", "q=" + "x" * 3000, "title=%E2%80%AE", "since=yesterday",
         "until=2026-13-45", "dossier_id=abc", "code=%27%22", "after=%00", "after=WyJ1cGRhdGVkIl0",
         "after=" + "A" * 5000, "sort=subject&after=WyJzdWJqZWN0IiwiXHUwMDAwIiwxLDJd", "page=2&after=x"]


@pytest.mark.parametrize("url", ["/dossiers", "/audit/events", "/audit/accounts", "/review/decisions/new", "/track",
                                 "/workflow"])
def test_no_query_string_makes_a_page_fail(client, auth, world, url):
    world.dossier(State.AWAITING_DECISION)
    auth.login("chairman")
    for query in NASTY:
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (url, query)


def test_unknown_ids_are_friendly_404s(client, auth, world):
    auth.login("admin")
    for url in ("/dossiers/999999", "/review/decisions/999999", "/admin/users/999999", "/admin/campaigns/999999",
                "/admin/criteria/999999", "/dossiers/999999/attachments/1"):
        response = client.get(url)
        assert response.status_code == 404 and "Không tìm thấy" in html(response), url


def test_decisions_list_shows_only_decisions_about_the_users_scope(client, auth, world, secret):
    world.dossier(State.RECOGNIZED, decision_number="77/QĐ-UBND")
    auth.login("auditor")
    page = html(client.get("/review/decisions"))
    assert "77/QĐ-UBND" in page
    auth.login("applicant2")  # their group has no recognized dossier
    assert "77/QĐ-UBND" not in html(client.get("/review/decisions"))


def test_a_reviewers_own_dossier_in_another_ward_is_seen_once_and_nothing_else_of_that_ward(client, auth, world,
                                                                                            secret):
    """A ward inspector is also a resident: her family's dossier in the next ward is hers to follow (list, count,
    page), though she reviews only her own ward — and her own ward's dossiers are counted once, not twice."""
    from tests.factories import Timeline
    from workflow.extensions import db
    from workflow.services.dossiers import create_dossier

    inspector = world.users["ward_inspector"]
    mine = create_dossier(world.users["applicant9"], {
        "campaign_id": world.campaign2.id, "title": "model_family", "unit_id": world.units["G9"].id,
        "subject_name": "Hộ bà Thanh Tra Về Quê", "subject_ref": "HK-MINE"}, now=Timeline(world.timeline.start).next())
    mine.created_by_id = inspector.id
    here = world.dossier(State.REGISTERED)
    here.created_by_id = inspector.id
    db.session.commit()
    auth.login("ward_inspector")
    listed = html(client.get("/dossiers"))
    assert "Thanh Tra Về Quê" in listed and "Bí Mật" not in listed
    assert '<strong class="total">2 hồ sơ</strong>' in listed
    assert client.get(f"/dossiers/{mine.id}").status_code == 200
    assert client.get(f"/dossiers/{secret.id}").status_code == 404
