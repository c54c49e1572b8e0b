"""Separation of duties (issue 14): nobody grants or removes a role on themselves; an admin account holds the admin
role only and, even with a workflow role put in the database by hand or lent to it, never takes a step or signs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Decision, RoleAssignment, User
from states import policy
from states.enums import Action, Role, State, Trigger
from tests.conftest import csrf_from
from tests.web.test_accounts import each_request_reads_its_own_cookie  # noqa: F401  (autouse)
from workflow import clock
from workflow.extensions import db
from workflow.services import admin as admin_service
from workflow.services.errors import Forbidden


def user_events(user) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.stream == f"user:{user.id}")))


def test_an_admin_granting_himself_chairman_on_his_page_is_refused(client, auth, world):
    admin = world.users["admin"]
    auth.login("admin")
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "Cấp vai trò" not in page.split("<h3>")[-1] or "chính mình" in page  # no grant form on one's own page
    refused = client.post(f"/admin/users/{admin.id}", data={"csrf_token": csrf_from(page), "role": "chairman",
                                                            "unit_id": world.units["WARD"].id})
    assert refused.status_code == 403 and "tự cấp vai trò cho chính mình" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert [a.role for a in admin.roles] == ["admin"] and user_events(admin) == []


def test_nobody_grants_or_removes_a_role_on_themselves_in_the_service(world):
    admin = world.users["admin"]
    with pytest.raises(Forbidden):
        admin_service.add_role(admin, admin, Role.AUDITOR, world.units["WARD"].id)
    with pytest.raises(Forbidden):
        admin_service.remove_role(admin, admin, admin.roles[0].id)
    db.session.rollback()
    assert [a.role for a in admin.roles] == ["admin"]


@pytest.mark.parametrize("holder, role, why", [
    ("second_admin", "chairman", "tài khoản quản trị không được cấp thêm vai trò"),
    ("second_admin", "vice_chairman", "tài khoản quản trị không được cấp thêm vai trò"),
    ("second_admin", "applicant", "tài khoản quản trị không được cấp thêm vai trò"),
    ("chairman", "admin", "không được cấp thêm vai trò quản trị"),
    ("auditor", "admin", "không được cấp thêm vai trò quản trị"),
])
def test_an_admin_account_gets_no_other_role_and_a_workflow_account_no_admin_role(client, auth, world, holder, role,
                                                                                 why):
    if holder == "second_admin":  # another admin of the ward: granting him a role is refused just the same
        person = User(username="admin2", full_name="Quản trị hai", password_hash="x")
        person.roles.append(RoleAssignment(role="admin", unit=world.units["WARD"]))
        db.session.add(person)
        db.session.commit()
    else:
        person = world.users[holder]
    before = sorted(a.role for a in person.roles)
    auth.login("admin")
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    refused = client.post(f"/admin/users/{person.id}", data={"csrf_token": csrf_from(page), "role": role,
                                                             "unit_id": world.units["G1"].id})
    assert refused.status_code == 422 and why in refused.get_data(as_text=True)
    db.session.expire_all()
    assert sorted(a.role for a in person.roles) == before and user_events(person) == []


def test_create_user_with_admin_and_a_workflow_role_together_is_refused(runner, world):
    result = runner.invoke(args=["create-user", "hai_vai", "--password", "ngựa vằn gặm cỏ non", "--full-name",
                                 "Hai Vai", "--role", "admin@WARD", "--role", "chairman@WARD"])
    assert result.exit_code != 0 and "tách bạch nhiệm vụ" in result.output


def test_an_account_holding_admin_cannot_sign_a_decision_even_with_chairman_put_in_the_database(api, world,
                                                                                              frozen_clock):
    dossier = world.dossier(State.AWAITING_DECISION)
    admin = world.users["admin"]
    admin.roles.append(RoleAssignment(role="chairman", unit=world.units["WARD"]))  # by hand, past every check
    db.session.commit()
    verdict = policy.may(admin, Trigger.RECOGNIZE, dossier, now=clock.now())
    assert verdict.status == 403 and "Tài khoản quản trị không thực hiện" in verdict.reasons[0]
    answer = api.as_("admin").post("/decisions", json={
        "number": "77/QĐ-ADMIN", "signed_on": frozen_clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [dossier.id]})
    assert answer.status_code == 403, answer.json
    db.session.expire_all()
    assert dossier.state == State.AWAITING_DECISION
    assert db.session.scalar(select(func.count(Decision.id))) == 0
    single = api.as_("admin").post(f"/dossiers/{dossier.id}/transitions",
                                   json={"trigger": "recognize", "version": dossier.version,
                                         "decision_number": "78/QĐ-ADMIN"})
    assert single.status_code == 403 and dossier.state == State.AWAITING_DECISION
    # The unit-level steps too: registering, the group's meeting, publishing a list.
    admin.roles.append(RoleAssignment(role="applicant", unit=world.units["G1"]))
    db.session.commit()
    today = frozen_clock.now().date()
    for action in (Action.REGISTER, Action.PUBLISH):
        assert not policy.may_at(admin, action, world.units["G1"], today)
    assert not policy.may_somewhere(admin, Action.REGISTER, today)
    # Reading stays: the audit and the statistics.
    assert policy.may_at(admin, Action.READ_AUDIT, world.units["WARD"], today)


def test_a_chairmans_role_lent_to_an_admin_still_signs_nothing(world, frozen_clock):
    from workflow.services import delegations

    dossier = world.dossier(State.AWAITING_DECISION)
    chairman, admin = world.users["chairman"], world.users["admin"]
    today = frozen_clock.now().date()
    delegations.grant(chairman, {"to_username": "admin", "role": "chairman", "unit_code": "WARD",
                                 "starts_on": today, "ends_on": today, "reason": "Đi công tác"})
    db.session.commit()
    db.session.expire_all()
    assert policy.grant(admin, {Role.CHAIRMAN}, dossier.unit, today) is not None  # the loan itself runs
    verdict = policy.may(admin, Trigger.RECOGNIZE, dossier, now=clock.now())
    assert verdict.status == 403 and "tách bạch nhiệm vụ" in verdict.reasons[0]
