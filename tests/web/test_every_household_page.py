"""The committee's page “Lập hồ sơ Gia đình văn hóa cho các hộ” (issue 16): who gets a dossier and who is left out,
nothing written before the one button; only the group's committee; and the papers of such a household's dossier
(“Gia đình văn hóa”, “hộ gia đình”)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Dossier
from states.enums import State, Title
from tests.conftest import csrf_from
from tests.every_household import HEAD_A, RESIDENT_MAN, counts, known_group, resident
from workflow import clock
from workflow.extensions import db
from workflow.services import decisions

PAGE = "/dossiers/every-household"


@pytest.fixture
def group(world):
    return known_group(world)


def html(response) -> str:
    return response.get_data(as_text=True)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def confirm(client, page: str, **over) -> object:
    data = {name: hidden(page, name) for name in ("unit_id", "campaign_id", "title", "seen")}
    return client.post(PAGE, data={"csrf_token": csrf_from(page), **data, **over})


def test_the_committee_sees_who_gets_a_dossier_then_starts_them_in_one_step(client, auth, world, group):
    auth.login("group_committee")
    home = html(client.get("/"))
    assert "Lập hồ sơ Gia đình văn hóa cho các hộ" in home and PAGE in home
    before = counts()
    response = client.get(f"{PAGE}?unit_id={world.units['G1'].id}")
    assert response.status_code == 200
    page = html(response)
    assert "Lập hồ sơ Gia đình văn hóa cho các hộ" in page
    assert "Sẽ lập hồ sơ cho 3 hộ" in page and "Bỏ qua 1 hộ đã có hồ sơ" in page
    for name in ("Hộ ông Nguyễn Văn An", "Hộ bà Trần Thị Dung", "Hộ ông Hoàng Minh Hải", "Hộ bà Ngô Thị Lan",
                 group.tracking_code, "Lập 3 hồ sơ Gia đình văn hóa"):
        assert name in page, name
    assert counts() == before  # the preview writes nothing
    done = confirm(client, page)
    assert done.status_code == 302 and "state=registered" in done.headers["Location"]
    assert "title=cultured_family" in done.headers["Location"]
    assert counts() == (before[0] + 3, before[1] + 3)
    listed = html(client.get(done.headers["Location"]))
    assert "Đã lập 3 hồ sơ “Gia đình văn hóa” cho các hộ của Tổ dân phố 1" in listed
    made = db.session.scalars(select(Dossier).where(Dossier.title == "cultured_family",
                                                    Dossier.subject_ref.in_([HEAD_A, RESIDENT_MAN]))).all()
    assert len(made) == 2 and all(d.state == State.REGISTERED for d in made)
    # Afterwards the page says every known household has one, and offers no button.
    again = html(client.get(PAGE))
    assert "Bỏ qua 4 hộ đã có hồ sơ" in again and f'action="{PAGE}"' not in again


def test_a_list_changed_since_the_preview_is_not_started_unseen(client, auth, world, group):
    auth.login("group_committee")
    page = html(client.get(PAGE))
    resident(world, "moi", "038099001122", full_name="Đinh Văn Mới")
    before = counts()
    response = confirm(client, page)
    assert response.status_code == 409 and counts() == before
    shown = html(response)
    assert "Danh sách hộ đã thay đổi" in shown and "Hộ ông Đinh Văn Mới" in shown and "Lập 4 hồ sơ" in shown


def test_only_the_groups_committee_starts_them(client, auth, world, group):
    auth.login("applicant")
    assert client.get(PAGE).status_code == 403
    assert "Lập hồ sơ Gia đình văn hóa" not in html(client.get("/"))
    auth.login("group_committee")
    page = html(client.get(PAGE))
    auth.login("committee2")  # group 2's committee, posting group 1's list with a valid form of her own
    own = html(client.get(PAGE))
    before = counts()
    response = client.post(PAGE, data={"csrf_token": csrf_from(own), "unit_id": world.units["G1"].id,
                                       "campaign_id": world.campaign.id, "title": "cultured_family",
                                       "seen": hidden(page, "seen")})
    assert response.status_code == 403 and counts() == before


def test_after_the_assessment_deadline_the_page_says_why_and_offers_nothing(client, auth, world, group,
                                                                          frozen_clock):
    frozen_clock.current += timedelta(days=(world.campaign.assessment_due - clock.now().date()).days + 1)
    auth.login("group_committee")
    page = html(client.get(PAGE))
    assert "Hiện không có đợt thi đua nào đang nhận đăng ký" in page and f'action="{PAGE}"' not in page


def test_a_cultured_familys_papers_name_the_title_and_the_household(client, auth, world):
    family = world.dossier(State.AWAITING_DECISION, title=Title.CULTURED_FAMILY,
                           subject_name="Hộ ông Trần Văn Bình", subject_address="Số 7 ngõ Hoa")
    decision = decisions.record_decision(world.users["chairman"], {
        "number": "136/QĐ-UBND", "signed_on": clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [family.id]})
    db.session.commit()
    auth.login("chairman")
    document = html(client.get(f"/review/decisions/{decision.id}/document"))
    assert "Về việc công nhận danh hiệu “Gia đình văn hóa” năm" in document
    assert "cho 01 hộ gia đình có tên trong danh sách" in document
    certificate = html(client.get(f"/dossiers/{family.id}/certificate"))
    assert f"Đạt danh hiệu “Gia đình văn hóa” năm {world.campaign.year}" in certificate
    assert "Hộ gia đình ông Trần Văn Bình" in certificate
    form = html(client.get(f"/dossiers/{family.id}/registration"))
    assert "“Gia đình văn hóa”" in form and "chủ hộ" in form and "Các thành viên trong hộ gia đình" in form
    assert "xét cho mọi hộ gia đình" in form and "Mẫu 01" not in form
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == family.id)) > 0


def test_after_the_window_the_committee_still_starts_dossiers_and_a_resident_registers_nothing(client, auth, world):
    world.campaign.registration_closes = clock.now().date() - timedelta(days=1)
    db.session.commit()
    auth.login("group_committee")
    page = html(client.get("/dossiers/new"))
    assert f"{world.campaign.name} (hết hạn đăng ký; danh hiệu xét cho mọi hộ gia đình lập hồ sơ đến" in page
    auth.login("applicant")
    assert "Hiện không có đợt thi đua nào đang nhận đăng ký" in html(client.get("/dossiers/new"))
