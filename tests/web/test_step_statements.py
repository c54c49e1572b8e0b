"""How many SQL statements a step request sends, held under a loose budget (issue 15: a step cost 53–61 where the
bare write costs 3–5). Each request runs in its own application context, as in production; a statement run for
many rows (executemany) counts once per row, as the server runs it.

Measured on PostgreSQL / SQLite with 11 criteria when the budgets were set (in brackets: before the items were
saved as a set and the user loaded in one statement): saving a self-assessment that revises one note 17 / 16
(33 / 42), submitting it 29 / 29 (32 / 32), the ward returning it 22 / 22 (25 / 25), saving an inspection that changes
one verdict 16 / 15 (33 / 42), a council vote 13 / 12 (16 / 15). A budget broken by a new need is raised with its
reason; one broken by a statement per row or per check is the regression this guards against."""

from __future__ import annotations

import re

from states.enums import State
from tests.conftest import csrf_from
from tests.statements import one_request
from workflow.extensions import db
from workflow.services import records
from workflow.services.walkthrough import full_assessment, full_inspection

BUDGET = {"assessment": 21, "submit_assessment": 34, "return_to_group": 27, "inspection": 20, "vote": 16}


def page_form(client, url: str) -> dict:
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page)
    return {"csrf_token": csrf_from(page), **({"version": version[1]} if version else {})}


def criteria_form(dossier, note: str) -> dict:
    return {field: value for c in dossier.criteria_set.criteria
            for field, value in ((f"points-{c.code}", str(c.max_points)), (f"note-{c.code}", note))}


def within(sent, budget: int) -> bool:
    assert len(sent) <= budget, f"{len(sent)} statements (budget {budget}):\n{sent}"
    return True


def fire(app, client, dossier_id: int, trigger: str, comment: str = ""):
    form = {**page_form(client, f"/dossiers/{dossier_id}"), "trigger": trigger, "comment": comment}
    response, sent = one_request(app, lambda: client.post(f"/dossiers/{dossier_id}/transitions", data=form))
    assert response.status_code == 302, response.get_data(as_text=True)
    return sent


def test_the_group_s_revision_cycle_stays_within_its_budget(app, client, auth, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    records.save_assessment(world.users["group_committee"], dossier, {
        **full_assessment(dossier), "items": [{"criterion": c.code, "met": True, "points": c.max_points,
                                               "note": "Đạt"} for c in dossier.criteria_set.criteria]})
    db.session.commit()
    assert len(dossier.criteria_set.criteria) == 11
    fields, dossier_id = criteria_form(dossier, "Đạt"), dossier.id
    fields[f"note-{dossier.criteria_set.criteria[0].code}"] = "Đã bổ sung biên bản"
    auth.login("group_committee")

    form = {**page_form(client, f"/dossiers/{dossier_id}/assessment"), **fields}
    response, sent = one_request(app, lambda: client.post(f"/dossiers/{dossier_id}/assessment", data=form))
    assert response.status_code == 302 and within(sent, BUDGET["assessment"])
    assert within(fire(app, client, dossier_id, "submit_assessment"), BUDGET["submit_assessment"])
    auth.login("ward_inspector")
    assert within(fire(app, client, dossier_id, "return_to_group", "Bổ sung biên bản họp"), BUDGET["return_to_group"])


def test_an_inspection_and_a_vote_stay_within_their_budgets(app, client, auth, world):
    inspected, voted = world.dossier(State.WARD_INSPECTION), world.dossier(State.COUNCIL_REVIEW)
    records.save_inspection(world.users["ward_inspector"], inspected, full_inspection(inspected))
    db.session.commit()
    fields, inspected_id, voted_id = criteria_form(inspected, "Kiểm tra thực tế: đạt"), inspected.id, voted.id
    fields[f"points-{inspected.criteria_set.criteria[0].code}"] = "0"
    auth.login("ward_inspector")

    form = {**page_form(client, f"/dossiers/{inspected_id}/inspection"), **fields, "recommendation": "pass"}
    response, sent = one_request(app, lambda: client.post(f"/dossiers/{inspected_id}/inspection", data=form))
    assert response.status_code == 302 and within(sent, BUDGET["inspection"])
    auth.login("council1")
    form = {**page_form(client, f"/dossiers/{voted_id}"), "vote": "approve", "comment": ""}
    response, sent = one_request(app, lambda: client.post(f"/dossiers/{voted_id}/votes", data=form))
    assert response.status_code == 302 and within(sent, BUDGET["vote"])
