"""Streaks and Giấy khen: consecutive years recognized per subject, across campaigns and unit mergers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Campaign, Dossier
from states.enums import State, Title, Trigger
from workflow import clock
from workflow.extensions import db
from workflow.services import admin, campaigns, streaks
from workflow.services.dossiers import create_dossier
from workflow.services.walkthrough import Timeline, drive, step

pytestmark = pytest.mark.usefixtures("app")


def campaign_of(world, year: int) -> Campaign:
    """The ward's campaign of `year`: the world's own for this year, else one the admin creates."""
    if year == world.campaign.year:
        return world.campaign
    found = db.session.scalars(select(Campaign).where(Campaign.unit_id == world.units["WARD"].id,
                                                      Campaign.year == year)).first()
    if found is not None:
        return found
    found = campaigns.create_campaign(world.users["admin"], {
        "year": year, "unit_id": world.units["WARD"].id, "name": f"Thi đua kiểu mẫu {year}",
        "registration_opens": f"{year}-03-01", "registration_closes": f"{year}-10-31",
        "assessment_due": f"{year}-11-10", "inspection_due": f"{year}-11-25", "decision_due": f"{year}-11-30",
    }, now=datetime(year, 3, 1, 3, tzinfo=UTC))
    db.session.commit()
    return found


def recognize(world, year: int, subject_ref: str, *, title: Title = Title.MODEL_FAMILY, group: str = "G1",
              name: str = "Hộ ông Trần Văn Bình", target: State = State.RECOGNIZED) -> Dossier:
    """A dossier of `year`'s campaign walked to `target` through the services, as a ward would that year."""
    campaign = campaign_of(world, year)
    start = clock.now() - timedelta(days=30) if year == world.campaign.year else datetime(year, 9, 1, 3, tzinfo=UTC)
    timeline = Timeline(start)
    cast = world.cast(group)
    unit = world.units[group]
    number = db.session.query(Dossier).count() + 1
    dossier = create_dossier(cast.applicant, {"campaign_id": campaign.id, "title": title.value, "unit_id": unit.id,
                                              "subject_name": name, "subject_ref": subject_ref},
                             now=timeline.next())
    drive(dossier, State.RECOGNIZED if target == State.REVOKED else target, cast, timeline,
          decision_number=f"{number:02d}/QĐ-UBND")
    if target == State.REVOKED:
        when = timeline.next()
        step(cast.chairman, dossier, Trigger.REVOKE, when, "Gia đình vi phạm cam kết",
             {"decision_number": f"{number + 500:02d}/QĐ-UBND", "signed_on": when.date().isoformat()})
    db.session.commit()
    return dossier


def by_ref(user, unit_id=None) -> dict[str, streaks.Streak]:
    return {s.subject_ref.casefold(): s for s in streaks.streaks(user, unit_id)}


def test_three_years_in_a_row_earn_a_family_its_giay_khen(world):
    this = world.campaign.year
    for year in (this - 2, this - 1, this):
        recognize(world, year, "HK-0001")
    recognize(world, this - 1, "HK-0002", name="Hộ bà Lê Thị Hoa")
    recognize(world, this, "HK-0002", name="Hộ bà Lê Thị Hoa")
    found = by_ref(world.users["chairman"])
    assert found["hk-0001"].years == [this - 2, this - 1, this]
    assert found["hk-0001"].consecutive == 3 and found["hk-0001"].eligible
    assert found["hk-0002"].consecutive == 2 and not found["hk-0002"].eligible


def test_the_reference_is_matched_without_case_or_spaces_and_the_latest_name_is_shown(world):
    this = world.campaign.year
    recognize(world, this - 2, "hk-0007", name="Hộ ông Phạm Văn An")
    recognize(world, this - 1, " HK-0007 ", name="Hộ ông Phạm Văn An")
    recognize(world, this, "Hk-0007", name="Hộ bà Phạm Thị Lan")  # the household's new head
    (streak,) = streaks.streaks(world.users["chairman"])
    assert streak.years == [this - 2, this - 1, this] and streak.eligible
    assert streak.subject_name == "Hộ bà Phạm Thị Lan"


def test_a_revoked_year_breaks_the_run(world):
    this = world.campaign.year
    recognize(world, this - 3, "HK-0003")
    recognize(world, this - 2, "HK-0003", target=State.REVOKED)
    recognize(world, this - 1, "HK-0003")
    recognize(world, this, "HK-0003")
    streak = by_ref(world.users["chairman"])["hk-0003"]
    assert streak.years == [this - 3, this - 1, this]
    assert streak.consecutive == 2 and not streak.eligible


def test_a_year_not_recognized_or_still_in_review_does_not_count(world):
    this = world.campaign.year
    recognize(world, this - 2, "HK-0004")
    recognize(world, this - 1, "HK-0004", target=State.NOT_RECOGNIZED)
    recognize(world, this, "HK-0004", target=State.AWAITING_DECISION)
    streak = by_ref(world.users["chairman"])["hk-0004"]
    assert streak.years == [this - 2] and streak.consecutive == 1


def test_a_residential_group_needs_five_years(world):
    this = world.campaign.year
    for year in range(this - 4, this + 1):
        recognize(world, year, "TDP-G1", title=Title.MODEL_GROUP, name="Tổ dân phố 1")
    for year in range(this - 3, this + 1):
        recognize(world, year, "TDP-G2", title=Title.MODEL_GROUP, group="G2", name="Tổ dân phố 2")
    found = by_ref(world.users["chairman"])
    assert found["tdp-g1"].consecutive == 5 and found["tdp-g1"].eligible
    assert found["tdp-g2"].consecutive == 4 and not found["tdp-g2"].eligible  # a family would have been


def test_the_years_needed_are_settings(world, app):
    this = world.campaign.year
    recognize(world, this - 1, "HK-0005")
    recognize(world, this, "HK-0005")
    assert not by_ref(world.users["chairman"])["hk-0005"].eligible
    app.config["STREAK_YEARS"] = 2
    assert by_ref(world.users["chairman"])["hk-0005"].eligible


def test_a_merged_groups_years_count_for_its_successor(world):
    this = world.campaign.year
    recognize(world, this - 2, "HK-0006", group="G2", name="Hộ ông Đỗ Văn Hải")
    recognize(world, this - 1, "HK-0006", group="G2", name="Hộ ông Đỗ Văn Hải")
    admin.merge_unit(world.users["admin"], world.units["G2"].id, world.units["G1"].id, date(this, 1, 1))
    db.session.commit()
    recognize(world, this, "HK-0006", group="G1", name="Hộ ông Đỗ Văn Hải")  # registers in the new group
    g1 = world.units["G1"]
    streak = by_ref(world.users["chairman"], unit_id=g1.id)["hk-0006"]
    assert streak.years == [this - 2, this - 1, this] and streak.eligible
    assert streak.unit.id == g1.id
    # The successor's committee reaches the merged group's history too.
    assert by_ref(world.users["group_committee"])["hk-0006"].consecutive == 3


def test_only_dossiers_in_scope_count(world):
    this = world.campaign.year
    for year in (this - 2, this - 1, this):
        recognize(world, year, "HK-0008")
    assert by_ref(world.users["outsider_chairman"]) == {}
    assert by_ref(world.users["committee2"]) == {}  # group 2's committee does not see group 1
    assert streaks.streaks(world.users["chairman"], unit_id=world.units["G2"].id) == []
    assert streaks.streaks(world.users["chairman"], unit_id=10**9) == []
