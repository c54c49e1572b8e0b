"""The API's self-assessment save under a loose statement budget (tests/web/test_step_statements.py says why).

Measured on PostgreSQL / SQLite with 11 criteria, one note revised, when the budget was set: 23 / 22 (before the
items were saved as a set: 41 / 50)."""

from __future__ import annotations

from states.enums import State
from tests.statements import one_request
from workflow.extensions import db
from workflow.services import records
from workflow.services.walkthrough import full_assessment

BUDGET = 28


def test_saving_a_revised_self_assessment_stays_within_its_budget(app, api, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    committee = api.as_("group_committee")
    first = full_assessment(dossier)
    records.save_assessment(world.users["group_committee"], dossier, first)
    db.session.commit()
    revised = {"version": dossier.version, "items": [dict(i) for i in first["items"]]}
    revised["items"][0]["note"] = "Đã bổ sung biên bản"
    assert len(revised["items"]) == 11
    url = f"/dossiers/{dossier.id}/assessment"

    response, sent = one_request(app, lambda: committee.put(url, json=revised))
    assert response.status_code == 200, response.json
    assert len(sent) <= BUDGET, f"{len(sent)} statements (budget {BUDGET}):\n{sent}"
    assert sent.count("UPDATE assessment_items") == 1 and sent.count("DELETE FROM assessment_items") == 0
