"""A town's (or province's) leaders and their statistics (issue 15): beyond LIVE_MAX dossiers the figures are the
snapshot `flask stats-refresh` computed, dated, per title; before the first run the page says so; a ward or a
campaign chosen is counted live. A scope of several wards lists its results per ward."""

import pytest

from models import Dossier, RoleAssignment, StatsSnapshot
from states.enums import Role, State, Title
from workflow.extensions import db
from workflow.services import stats


@pytest.fixture
def town_auditor(world):
    """The next ward's auditor, made the town's auditor too: both wards are hers, her outermost unit the town."""
    user = world.users["outsider_auditor"]
    db.session.add(RoleAssignment(user_id=user.id, role=Role.AUDITOR.value, unit_id=world.units["TOWN"].id))
    db.session.commit()
    return user


def two_wards(world):
    ours = [world.dossier(State.RECOGNIZED), world.dossier(State.REGISTERED, group="G2"),
            world.dossier(State.SELF_ASSESSMENT, title=Title.MODEL_CITIZEN)]
    from tests.factories import Timeline
    from workflow.services.dossiers import create_dossier

    theirs = create_dossier(world.users["applicant9"], {
        "campaign_id": world.campaign2.id, "title": "model_family", "unit_id": world.units["G9"].id,
        "subject_name": "Hộ bà Phường Bên", "subject_ref": "HK-BEN"}, now=Timeline(world.timeline.start).next())
    db.session.commit()
    return ours, theirs


def test_a_towns_leaders_read_the_snapshot_dated_per_title_and_per_ward(api, client, auth, world, town_auditor,
                                                                       monkeypatch):
    ours, theirs = two_wards(world)
    monkeypatch.setattr(stats, "LIVE_MAX", 2)  # the town is "big": more than 2 dossiers
    reader = api.as_("outsider_auditor")
    before = reader.get("/stats").get_json()
    assert before["pending"] is True and before["total"] == 0 and before["as_of"] is None
    auth.login("outsider_auditor")
    assert "chưa được tổng hợp" in client.get("/stats").get_data(as_text=True)

    runner = client.application.test_cli_runner()
    result = runner.invoke(args=["stats-refresh"])
    assert result.exit_code == 0 and "Đã tính" in result.output, result.output
    # Every unit over several wards, for all titles and each: the province and the town.
    assert db.session.query(StatsSnapshot).count() == 2 * (1 + len(Title))

    figures = reader.get("/stats").get_json()
    assert figures["pending"] is False and figures["as_of"].endswith("Z")
    assert figures["total"] == db.session.query(Dossier).count() == 4
    assert figures["by_ward"] is True and figures["weak_criteria"] == []
    assert {(u["unit_name"], u["total"]) for u in figures["by_unit"]} == {("Phường Thử", 3), ("Phường Bên Cạnh", 1)}
    assert figures["recognized"] == 1 and figures["by_state"]["self_assessment"] == 1
    families = reader.get("/stats?title=model_family").get_json()
    assert families["total"] == 3 and families["as_of"] == figures["as_of"]
    # A title with few enough dossiers is counted now.
    citizens = reader.get("/stats?title=model_citizen").get_json()
    assert citizens["total"] == 1 and citizens["as_of"] is None
    # A ward, or a campaign, chosen: counted now, for that ward only, per group.
    ward = reader.get(f"/stats?unit_id={world.units['WARD2'].id}").get_json()
    assert ward["as_of"] is None and ward["total"] == 1 and ward["by_ward"] is False
    assert reader.get(f"/stats?campaign_id={world.campaign.id}").get_json()["total"] == 3

    page = client.get("/stats").get_data(as_text=True)
    assert "tổng hợp lúc" in page and "Tỉ lệ đạt theo phường, xã" in page and "Phường Bên Cạnh" in page

    # A second run replaces the first's rows.
    world.dossier(State.REGISTERED)
    assert runner.invoke(args=["stats-refresh"]).exit_code == 0
    assert db.session.query(StatsSnapshot).count() == 2 * (1 + len(Title))
    assert reader.get("/stats").get_json()["total"] == 5


def test_below_live_max_a_town_is_counted_now_per_ward(api, world, town_auditor):
    two_wards(world)
    figures = api.as_("outsider_auditor").get("/stats").get_json()
    assert figures["as_of"] is None and figures["pending"] is False and figures["total"] == 4
    assert figures["by_ward"] is True and len(figures["by_unit"]) == 2
    # A ward's own leaders are never sent to a snapshot: one ward, per group.
    ward = api.as_("chairman").get("/stats").get_json()
    assert ward["as_of"] is None and ward["by_ward"] is False and ward["total"] == 3
