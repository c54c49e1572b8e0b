"""Every trigger × every role × every state, read from the transition table: the allowed ones succeed, every
other one is refused with the right status and code, and writes nothing."""

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Dossier
from states.enums import Role, State, Trigger
from states.policy import POLICY
from states.table import RULES
from tests.factories import ROLE_USERS
from workflow.extensions import db
from workflow.services import records
from workflow.services.walkthrough import full_assessment, full_inspection

COMMENT = "Lý do ghi trong kiểm thử"


def prepared(world, state: State) -> Dossier:
    """A dossier in `state` whose outgoing guards all pass, so only role and state decide the outcome."""
    dossier = world.dossier(state)
    cast = world.cast()
    when = world.timeline.next()
    if state == State.SELF_ASSESSMENT:
        records.save_assessment(cast.committee, dossier, full_assessment(dossier, held_on=when.date()), now=when)
    elif state == State.WARD_INSPECTION:
        records.save_inspection(cast.inspector, dossier, full_inspection(dossier), now=when)
    elif state == State.COUNCIL_REVIEW:
        for member in cast.council[:5]:
            records.cast_vote(member, dossier, "approve", now=world.timeline.next())
    db.session.commit()
    return dossier


def expected(trigger: Trigger, role: Role, state: State) -> tuple[int, str | None]:
    rule = RULES[trigger]
    if role not in POLICY[trigger].roles:
        return 403, "forbidden"
    if state not in rule.sources:
        return 409, "invalid_transition"
    return 200, None


def counts(dossier_id: int) -> tuple[str, int, int]:
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier_id)
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == dossier_id))
    return dossier.state, dossier.version, events


@pytest.mark.parametrize("trigger", list(Trigger), ids=str)
@pytest.mark.parametrize("state", list(State), ids=str)
def test_trigger_role_state_matrix(api, world, state, trigger):
    dossier = prepared(world, state)
    payload = {"trigger": trigger.value, "version": dossier.version, "comment": COMMENT,
               "data": {"decision_number": "99/QĐ-UBND", "signed_on": "2026-01-10"}}
    roles = sorted(Role, key=lambda r: expected(trigger, r, state)[0] == 200)  # the allowed one goes last
    mistakes = []
    for role in roles:
        status, code = expected(trigger, role, state)
        before = counts(dossier.id)
        response = api.as_(ROLE_USERS[role]).post(f"/dossiers/{dossier.id}/transitions", json=payload)
        after = counts(dossier.id)
        got_code = (response.json.get("error") or {}).get("code")
        if response.status_code != status or got_code != code:
            mistakes.append(f"{role}: expected {status} {code}, got {response.status_code} {response.json}")
        elif status == 200:
            assert after == (RULES[trigger].dest.value, before[1] + 1, before[2] + 1)
            assert response.json["state"] == RULES[trigger].dest
        elif after != before:
            mistakes.append(f"{role}: refused but changed {before} → {after}")
    assert not mistakes, "\n".join(mistakes)


def test_matrix_covers_every_state_and_every_trigger_has_an_owner():
    sources = {s for rule in RULES.values() for s in rule.sources}
    dests = {rule.dest for rule in RULES.values()}
    assert sources | dests | {State.DRAFT} == set(State)
    assert all(rule.roles for rule in RULES.values())
