"""GET /api/v1/stats and the /stats page (issue 9): every figure equals a count made here, independently, from the
dossiers and the history; filters narrow the figures as the list's filters narrow the list; only the chairman, the
auditors and the admin see them, each over their own scope."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from models import AssessmentItem, AuditEvent, Dossier
from states.enums import State, Title, Trigger
from workflow import clock
from workflow.extensions import db
from workflow.services import records
from workflow.services.dossiers import apply_transition


def build(world):
    """A campaign with results of every kind, in two groups."""
    made = {
        "recognized": world.dossier(State.RECOGNIZED),
        "recognized2": world.dossier(State.RECOGNIZED, group="G2"),
        "refused": world.dossier(State.AWAITING_DECISION, approve=False),
        "notice": world.dossier(State.PUBLIC_NOTICE),
        "registered": world.dossier(State.REGISTERED, group="G2"),
        "citizen": world.dossier(State.SELF_ASSESSMENT, title=Title.MODEL_CITIZEN),
        "withdrawn": world.dossier(State.REGISTERED),
    }
    apply_transition(world.users["chairman"], made["refused"], Trigger.REFUSE, made["refused"].version,
                     "Hội đồng không đề nghị", {"decision_number": "09/TB-UBND",
                                                  "signed_on": clock.now().date().isoformat()})
    apply_transition(world.users["applicant"], made["withdrawn"], Trigger.WITHDRAW, made["withdrawn"].version,
                     "Gia đình chuyển đi")
    db.session.commit()
    return made


def test_the_figures_equal_counts_made_independently(api, world):
    build(world)
    body = api.as_("chairman").get(f"/stats?campaign_id={world.campaign.id}").get_json()
    dossiers = list(db.session.scalars(select(Dossier).where(Dossier.campaign_id == world.campaign.id)))
    states = Counter(d.state for d in dossiers)
    assert body["total"] == len(dossiers)
    assert {k: v for k, v in body["by_state"].items() if v} == dict(states)
    assert body["recognized"] == states["recognized"] == 2
    assert body["refused"] == states["not_recognized"] == 1 and body["withdrawn"] == 1
    family = [d for d in dossiers if d.title == "model_family"]
    assert body["by_title"]["model_family"] == {
        "total": len(family), "recognized": 2, "refused": 1, "pass_rate": round(2 / 3, 4)}
    assert body["by_title"]["model_citizen"]["pass_rate"] is None  # nothing decided yet
    by_unit = {u["unit_name"]: u for u in body["by_unit"]}
    g1 = [d for d in dossiers if d.unit_id == world.units["G1"].id]
    assert by_unit[world.units["G1"].name]["total"] == len(g1)
    assert by_unit[world.units["G2"].name]["pass_rate"] == 1.0
    assert [y["year"] for y in body["by_year"]] == [world.campaign.year]


def test_days_in_stage_come_from_the_history(api, world):
    made = build(world)
    body = api.as_("auditor").get(f"/stats?campaign_id={world.campaign.id}").get_json()
    # Independently: the days each dossier spent in public notice, from its own events.
    spent = []
    for d in db.session.scalars(select(Dossier).where(Dossier.campaign_id == world.campaign.id)):
        events = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.dossier_id == d.id, AuditEvent.to_state.is_not(None)).order_by(AuditEvent.seq)))
        for before, after in zip(events, events[1:] + [None], strict=True):
            if before.to_state == "public_notice":
                end = after.at if after is not None else clock.now()
                spent.append((end - before.at).total_seconds() / 86400)
    notice = body["days_in_stage"]["public_notice"]
    assert notice["count"] == len(spent) and notice["max"] == round(max(spent), 1)
    assert notice["avg"] == round(sum(spent) / len(spent), 1)
    assert made["notice"].state == State.PUBLIC_NOTICE  # its unfinished stay counts too


def test_overdue_and_filters(api, world, frozen_clock):
    build(world)
    world.campaign.assessment_due = clock.now().date() - timedelta(days=1)
    db.session.commit()
    chairman = api.as_("chairman")
    body = chairman.get(f"/stats?campaign_id={world.campaign.id}").get_json()
    listed = chairman.get(f"/dossiers?campaign_id={world.campaign.id}&overdue=true&limit=500").get_json()["items"]
    assert body["overdue"] == len(listed) >= 2  # registered and in self-assessment past the meeting deadline
    g2 = chairman.get(f"/stats?campaign_id={world.campaign.id}&unit_id={world.units['G2'].id}").get_json()
    assert g2["total"] == 2 and [u["unit_name"] for u in g2["by_unit"]] == [world.units["G2"].name]
    citizens = chairman.get(f"/stats?title=model_citizen&campaign_id={world.campaign.id}").get_json()
    assert citizens["total"] == 1
    assert chairman.get("/stats?title=nope").status_code == 422


def test_the_steering_committee_sees_the_criteria_households_still_fail(api, world):
    build(world)
    households = [world.dossier(State.SELF_ASSESSMENT) for _ in range(3)]
    criteria = households[0].criteria_set.criteria
    # The group's latest self-assessment: everyone fails the first criterion, two fail the second.
    for n, dossier in enumerate(households):
        payload = {"version": dossier.version, "items": [
            {"criterion": c.code, "met": not (i == 0 or (i == 1 and n < 2)), "note": ""}
            for i, c in enumerate(criteria)]}
        records.save_assessment(world.users["group_committee"], dossier, payload)
    db.session.commit()
    weak = api.as_("chairman").get(f"/stats?campaign_id={world.campaign.id}").get_json()["weak_criteria"]
    group = [g for g in weak if g["unit_name"] == world.units["G1"].name][0]
    failing = db.session.scalars(select(AssessmentItem).where(AssessmentItem.met.is_(False))).all()
    assert group["households"] == 3 + 1  # the three, and the citizen waiting in self-assessment
    assert [(c["code"], c["failing"]) for c in group["criteria"]][:2] == [
        (criteria[0].code, 3), (criteria[1].code, 2)]
    assert sum(c["failing"] for c in group["criteria"]) == len(failing)


def test_who_sees_the_figures(api, client, auth, world):
    build(world)
    assert api.as_("applicant").get("/stats").status_code == 403
    assert api.as_("ward_inspector").get("/stats").status_code == 403
    assert api.as_("admin").get("/stats").status_code == 200
    assert api.as_("outsider_chairman").get("/stats").get_json()["total"] == 0  # another ward: nothing of ours
    auth.login("auditor")
    page = client.get("/stats").get_data(as_text=True)
    assert 'id="chart-stages"' in page and 'id="weak-criteria"' in page
    auth.login("applicant")
    assert client.get("/stats").status_code == 403


def test_the_figures_are_aggregated_in_the_database(world):
    """Each figure is one aggregate over the scope: the statements do not grow with the dossiers or their history."""
    from tests.statements import counting
    from workflow.services import stats

    build(world)
    chairman = world.users["chairman"]

    def statements() -> int:
        db.session.expire_all()
        with counting() as sent:
            stats.compute(chairman, {})
        return len(sent)

    before = statements()
    world.dossier(State.AWAITING_DECISION)
    world.dossier(State.SELF_ASSESSMENT, group="G2")
    assert statements() <= before


def test_the_page_s_unit_filter_lists_the_ward_and_its_groups(client, auth, world):
    """The list's bounded unit filter (a province sees its wards, then one ward's groups), the chosen one kept."""
    auth.login("chairman")
    page = client.get(f"/stats?unit_id={world.units['G2'].id}").get_data(as_text=True)
    options = page.split('name="unit_id"', 1)[1].split("</select>", 1)[0]
    assert world.units["WARD"].name in options and world.units["G1"].name in options
    assert f'value="{world.units["G2"].id}" selected' in options
    assert world.units["G9"].name not in options  # another ward's group
