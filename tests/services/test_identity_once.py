"""The acting user is loaded once per request with everything the policy reads of them: one statement for the
user, their roles and the delegations lent to them that have not ended, one more for the givers' roles when
there are any — and the policy then asks the database nothing."""

from __future__ import annotations

from datetime import timedelta

from states.enums import Role
from states.policy import grant, held_units, local_day
from tests.statements import counting
from workflow import clock
from workflow.extensions import db
from workflow.services import delegations, permissions


def lend(world, to: str, days: int) -> int:
    today = local_day(clock.now())
    delegation = delegations.grant(world.users["chairman"], {
        "to_username": to, "role": "chairman", "unit_code": "WARD", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=days)).isoformat(), "reason": "Chủ tịch đi công tác"})
    db.session.commit()
    return delegation.id


def test_a_user_without_delegations_is_one_statement(app, world):
    user_id = world.users["ward_inspector"].id
    with app.app_context(), counting() as sent:
        user = permissions.identity(user_id)
        units = held_units(user, {Role.WARD_INSPECTOR}, local_day(clock.now()))
        assert [u.code for u in units] == ["WARD"] and user.delegations_received == []
    assert len(sent) == 1, str(sent)


def test_only_delegations_not_over_are_loaded_and_the_policy_reads_them_without_asking(app, world, frozen_clock):
    lend(world, "vice_chairman", 0)  # over once the clock moves on
    ended = lend(world, "vice_chairman", 5)
    delegations.end(world.users["chairman"], ended)
    db.session.commit()
    frozen_clock.advance(days=2)
    running = lend(world, "vice_chairman", 5)
    user_id, ward_id = world.users["vice_chairman"].id, world.units["WARD"].id
    with app.app_context(), counting() as sent:
        user = permissions.identity(user_id)
        assert [d.id for d in user.delegations_received] == [running]
        today = local_day(clock.now())
        ward = user.delegations_received[0].unit
        found = grant(user, {Role.CHAIRMAN}, ward, today)
        assert found.role == Role.CHAIRMAN and found.on_behalf_of.username == "chairman"
        assert ward.id == ward_id and [u.id for u in held_units(user, {Role.CHAIRMAN}, today)] == [ward_id]
    assert len(sent) == 2, str(sent)  # the user with roles and delegations; the giver's roles


def test_the_session_cookie_loader_is_one_statement(app, world):
    from workflow.auth.routes import load_user

    session_id = world.users["group_committee"].get_id()
    with app.app_context(), counting() as sent:
        user = load_user(session_id)
        assert sorted(a.unit.code for a in user.roles) == ["AG", "G1"]
    assert len(sent) == 1, str(sent)
