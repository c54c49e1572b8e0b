"""Next year's pages: "Đăng ký lại năm …" on last year's dossier, its confirmation, and the committee's page that
renews a group's list at once."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from models import AuditEvent, Dossier
from states.enums import State
from tests.conftest import csrf_from
from tests.services.test_renew import last_year, next_year_campaign
from workflow.extensions import db


def renew_button(html: str) -> str | None:
    match = re.search(r"Đăng ký lại năm (\d{4})", html)
    return match.group(1) if match else None


def count(model, *where) -> int:
    return db.session.scalar(select(func.count(model.id)).where(*where))


def test_the_button_shows_only_when_the_policy_allows_and_a_campaign_is_open(client, auth, world):
    old = last_year(world)
    live = last_year(world, State.COUNCIL_REVIEW, subject_ref="HK-5151")
    auth.login("applicant")
    page = client.get(f"/dossiers/{old.id}").get_data(as_text=True)
    assert renew_button(page) is None and "Chưa có đợt thi đua năm sau nào đang nhận đăng ký" in page

    later = next_year_campaign(world)
    page = client.get(f"/dossiers/{old.id}").get_data(as_text=True)
    assert renew_button(page) == str(later.year) and f"/dossiers/{old.id}/renew" in page
    assert renew_button(client.get(f"/dossiers/{live.id}").get_data(as_text=True)) is None  # still under review
    for reviewer in ("chairman", "ward_inspector"):  # they see the dossier; renewing is not theirs
        auth.login(reviewer)
        assert renew_button(client.get(f"/dossiers/{old.id}").get_data(as_text=True)) is None
    auth.login("group_committee")
    assert renew_button(client.get(f"/dossiers/{old.id}").get_data(as_text=True)) == str(later.year)


def test_the_applicant_confirms_and_lands_on_her_new_draft(client, auth, world):
    old = last_year(world)
    later = next_year_campaign(world)
    auth.login("applicant")
    confirm = client.get(f"/dossiers/{old.id}/renew")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert later.name in html and "Trần Thị Hoa" in html and "12 ngõ 3, Tổ dân phố 1" in html
    assert "Không chép sang" in html and "Nháp" in html

    done = client.post(f"/dossiers/{old.id}/renew", data={"csrf_token": csrf_from(html), "campaign_id": later.id})
    new = db.session.scalars(select(Dossier).where(Dossier.campaign_id == later.id)).one()
    assert done.status_code == 302 and done.location.endswith(f"/dossiers/{new.id}")
    page = client.get(done.location).get_data(as_text=True)
    assert f"Đã tạo hồ sơ {new.tracking_code} cho năm {later.year}" in page and "Nộp đăng ký" in page

    # Once renewed, the old page no longer offers it; posting again is refused, naming the new dossier.
    again = client.post(f"/dossiers/{old.id}/renew", data={"csrf_token": csrf_from(html), "campaign_id": later.id})
    assert again.status_code == 409 and new.tracking_code in again.get_data(as_text=True)
    assert count(Dossier, Dossier.campaign_id == later.id) == 1
    old_page = client.get(f"/dossiers/{old.id}").get_data(as_text=True)
    assert f"/dossiers/{old.id}/renew" not in old_page  # no button any more: the page links the new dossier
    assert f"Đã đăng ký lại năm {later.year}:" in old_page and f"hồ sơ {new.tracking_code}" in old_page
    assert "Đăng ký lại năm sau" in old_page  # the history names the step
    assert new.tracking_code in client.get(f"/dossiers/{old.id}/renew").get_data(as_text=True)


def test_strangers_get_404_and_a_bad_campaign_stays_on_the_page(client, auth, world):
    old = last_year(world)
    later = next_year_campaign(world)
    other = next_year_campaign(world, ward="WARD2")
    auth.login("applicant2")
    assert client.get(f"/dossiers/{old.id}/renew").status_code == 404
    auth.login("applicant")
    html = client.get(f"/dossiers/{old.id}/renew").get_data(as_text=True)
    events = count(AuditEvent)
    for bad in (str(other.id), "abc", "0", "9" * 30):
        response = client.post(f"/dossiers/{old.id}/renew", data={"csrf_token": csrf_from(html), "campaign_id": bad})
        assert response.status_code == 422, bad
    assert count(AuditEvent) == events and count(Dossier, Dossier.campaign_id == later.id) == 0


def test_the_committee_renews_a_group_all_at_once(client, auth, world):
    recognized = last_year(world)
    refused = last_year(world, State.NOT_RECOGNIZED, subject_ref="HK-888", subject_name="Hộ ông Phạm Văn Tư")
    withdrawn = last_year(world, State.WITHDRAWN, subject_ref="HK-889", subject_name="Hộ bà Lý Thị Sen")
    later = next_year_campaign(world)
    auth.login("group_committee")
    assert "/dossiers/renew-group" in client.get("/").get_data(as_text=True)  # in the menu
    url = f"/dossiers/renew-group?unit_id={world.units['G1'].id}&campaign_id={world.campaign.id}"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and later.name in html
    for dossier in (recognized, refused, withdrawn):
        assert dossier.subject_name in html
    ticked = set(re.findall(r'value="(\d+)" id="pick-\d+" checked', html))
    assert ticked == {str(recognized.id)}  # the recognized ones are ticked by default

    token = csrf_from(html)
    chosen = [recognized.id, withdrawn.id]
    review = client.post(url, data={"csrf_token": token, "dossier_ids": chosen})
    assert review.status_code == 200 and "Đăng ký lại 2 hồ sơ vào" in review.get_data(as_text=True)
    assert count(Dossier, Dossier.campaign_id == later.id) == 0  # nothing yet: the summary asks first

    done = client.post(url, data={"csrf_token": token, "dossier_ids": chosen, "confirmed": "yes",
                                  "campaign_id": later.id})
    assert done.status_code == 302
    new = db.session.scalars(select(Dossier).where(Dossier.campaign_id == later.id)).all()
    assert sorted(d.subject_name for d in new) == ["Hộ bà Lý Thị Sen", "Hộ ông Trần Văn Bình"]
    assert {d.state for d in new} == {"registered"}
    assert "Đã đăng ký lại 2 hồ sơ" in client.get(done.location).get_data(as_text=True)


def test_one_blocker_renews_none_and_is_named(client, auth, world):
    recognized = last_year(world)
    refused = last_year(world, State.NOT_RECOGNIZED, subject_ref="HK-888", subject_name="Hộ ông Phạm Văn Tư")
    later = next_year_campaign(world)
    auth.login("group_committee")
    url = f"/dossiers/renew-group?unit_id={world.units['G1'].id}&campaign_id={world.campaign.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    # Between the summary and the click, the applicant registers again herself.
    auth.login("applicant")
    html = client.get(f"/dossiers/{refused.id}/renew").get_data(as_text=True)
    client.post(f"/dossiers/{refused.id}/renew", data={"csrf_token": csrf_from(html), "campaign_id": later.id})
    auth.login("group_committee")
    token = csrf_from(client.get(url).get_data(as_text=True))
    events = count(AuditEvent)
    response = client.post(url, data={"csrf_token": token, "dossier_ids": [recognized.id, refused.id],
                                      "confirmed": "yes", "campaign_id": later.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Chưa đăng ký lại hồ sơ nào" in html
    assert refused.tracking_code in html and "Hộ ông Phạm Văn Tư" in html
    assert count(Dossier, Dossier.campaign_id == later.id) == 1 and count(AuditEvent) == events


def test_only_committees_reach_the_group_page(client, auth, world):
    auth.login("applicant")
    assert "/dossiers/renew-group" not in client.get("/").get_data(as_text=True)
    assert client.get("/dossiers/renew-group").status_code == 403
    auth.login("committee2")  # another group's committee: its own group only, never G1's dossiers
    last_year(world)
    next_year_campaign(world)
    html = client.get(f"/dossiers/renew-group?unit_id={world.units['G1'].id}").get_data(as_text=True)
    assert "Hộ ông Trần Văn Bình" not in html and "Tổ dân phố 2" in html


def test_after_a_merger_the_button_shows_only_to_who_can_register_in_the_successor(client, auth, world):
    from workflow.services import admin
    from workflow.services.listing import local_today

    old = last_year(world)
    later = next_year_campaign(world)
    admin.merge_unit(world.users["admin"], world.units["G1"].id, world.units["G2"].id, local_today())
    db.session.commit()
    auth.login("applicant")  # no role in Tổ dân phố 2 (yet): the button would only lead to a refusal
    assert renew_button(client.get(f"/dossiers/{old.id}").get_data(as_text=True)) is None
    refused = client.get(f"/dossiers/{old.id}/renew")
    assert refused.status_code == 302 and "Không thể đăng ký lại" in client.get(refused.location).get_data(
        as_text=True)
    auth.login("committee2")
    assert renew_button(client.get(f"/dossiers/{old.id}").get_data(as_text=True)) == str(later.year)
    html = client.get(f"/dossiers/{old.id}/renew").get_data(as_text=True)
    assert "Tổ dân phố 2" in html and "Tổ dân phố 1 đã sáp nhập vào tổ này" in html
