"""The command line of API.md: init-db, load-demo, create-user, audit-verify, load-criteria."""

import json
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from models import AuditEvent, CriteriaSet, Decision, Dossier, GroupMeeting, Unit, User
from states.enums import State
from tests.factories import CRITERIA_DIR
from workflow.extensions import db


def test_load_demo_builds_a_ward_with_dossiers_in_every_state_and_is_idempotent(runner, frozen_clock):
    frozen_clock.current = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam, the week notices run
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert "demo12345" in result.output
    states = set(db.session.scalars(select(Dossier.state)))
    assert states == set(State)
    assert db.session.scalar(select(func.count(Dossier.id))) >= 30
    names = set(db.session.scalars(select(User.username)))
    assert {"admin", "applicant1", "applicant2", "committee1", "inspector", "council1", "council5", "secretary",
            "chairman", "auditor"} <= names
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    again = runner.invoke(args=["load-demo"])
    assert again.exit_code == 0 and "không thay đổi" in again.output
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_the_demo_ward_keeps_the_real_calendar(runner, frozen_clock):
    frozen_clock.current = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    # No town above the ward any more: province › ward › groups.
    ward = db.session.scalars(select(Unit).where(Unit.code == "P-TANDAN")).one()
    assert ward.parent.kind == "province" and "TX-NGHISON" not in set(db.session.scalars(select(Unit.code)))
    # One meeting per group and campaign, before 25/11, with varied votes; scores vary too.
    meetings = db.session.scalars(select(GroupMeeting)).all()
    assert len({(m.unit_id, m.campaign_id) for m in meetings}) == len(meetings) >= 5
    assert all(m.held_on <= date(m.campaign.year, 11, 25) for m in meetings)
    assert len({v.votes_for for m in meetings for v in m.votes}) >= 4
    totals = {e.data["total"] for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.trigger == "assessment_saved"))}
    assert len(totals) >= 5 and max(totals) <= 100
    # Notices run now and end on the legal day; decisions are signed on working days in December.
    on_notice = db.session.scalars(select(Dossier).where(Dossier.state == State.PUBLIC_NOTICE)).all()
    assert on_notice and all(d.notice_ends_on >= date(2026, 11, 25) for d in on_notice)
    signed = db.session.scalars(select(Decision).where(Decision.outcome != "revoke")).all()
    assert signed and all(d.signed_on.month == 12 and d.signed_on.weekday() < 5 for d in signed)
    # A title taken back later in the year, by a numbered decision of its own (issue 16).
    revocations = db.session.scalars(select(Decision).where(Decision.outcome == "revoke")).all()
    assert all(d.signed_on.weekday() < 5 and d.revoked for d in revocations)
    # Names as Vietnamese people have them: no man called "Thị", no woman without it among the demo's women.
    for user in db.session.scalars(select(User)):
        if user.personal_id and user.personal_id[3] == "0":  # a man born in the 1900s
            assert " Thị " not in f" {user.full_name} "
    # “Gia đình văn hóa” is assessed for every household: two groups' committees started a dossier for each of
    # their households in one step, after the registration had closed, and they went on as any other.
    cultured = db.session.scalars(select(Dossier).where(Dossier.title == "cultured_family")).all()
    assert len(cultured) >= 4 and {d.unit.code for d in cultured} == {"TDP-3", "TDP-4"}
    assert State.PUBLIC_NOTICE in {d.state for d in cultured}
    started = db.session.scalars(select(AuditEvent).where(
        AuditEvent.dossier_id.in_([d.id for d in cultured]), AuditEvent.trigger == "created")).all()
    assert all(e.data["every_household"] and e.at.date() > cultured[0].campaign.registration_closes
               for e in started)
    # Loaded on another day of the year, the demo is a true snapshot of that day: nothing in the future.
    assert db.session.scalar(select(func.max(AuditEvent.at))) <= frozen_clock.current


def test_the_demo_loads_on_any_day_of_the_year(runner, frozen_clock):
    frozen_clock.current = datetime(2027, 3, 10, 2, 0, tzinfo=UTC)
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    assert db.session.scalar(select(func.max(AuditEvent.at))) <= frozen_clock.current
    states = set(db.session.scalars(select(Dossier.state)))
    assert {State.RECOGNIZED, State.REGISTERED} <= states  # last year decided, this year's registrations in
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_create_user_with_roles_and_clear_errors(runner, world):
    ok = runner.invoke(args=["create-user", "inspector2", "--password", "mật khẩu dài", "--full-name", "Lê Thị Kiểm",
                             "--role", "ward_inspector@WARD", "--role", "auditor@WARD"])
    assert ok.exit_code == 0, ok.output
    user = db.session.scalars(select(User).where(User.username == "inspector2")).one()
    assert sorted(a.role for a in user.roles) == ["auditor", "ward_inspector"]
    assert user.check_password("mật khẩu dài") and user.password_hash.startswith("scrypt:")
    bad = runner.invoke(args=["create-user", "x", "--password", "short", "--full-name", "X", "--role", "king@WARD"])
    assert bad.exit_code != 0 and "password" in bad.output
    dup = runner.invoke(args=["create-user", "Inspector2", "--password", "ngựa vằn gặm cỏ non", "--full-name", "Y"])
    assert dup.exit_code != 0 and "đã có" in dup.output


def test_load_criteria_adds_a_version_without_touching_existing_dossiers(runner, world, tmp_path):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    old_set = dossier.criteria_set_id
    document = json.loads((CRITERIA_DIR / "model_citizen.json").read_text(encoding="utf-8"))
    document["version"] = "QĐ 12/2027"
    document["criteria"] = document["criteria"][:3]
    path = tmp_path / "citizen-2027.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["load-criteria", str(path)])
    assert result.exit_code == 0 and "QĐ 12/2027" in result.output
    assert runner.invoke(args=["load-criteria", str(path)]).output.strip().endswith("(3 tiêu chí)")
    db.session.expire_all()
    assert dossier.criteria_set_id == old_set
    assert db.session.scalar(select(func.count(CriteriaSet.id)).where(CriteriaSet.title == "model_citizen")) == 2
    document["criteria"] = document["criteria"][:2]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    changed = runner.invoke(args=["load-criteria", str(path)])
    assert changed.exit_code != 0 and "phiên bản mới" in changed.output


def test_load_criteria_refuses_a_broken_file(runner, world, tmp_path):
    document = json.loads((CRITERIA_DIR / "model_family.json").read_text(encoding="utf-8"))
    document["version"] = "hỏng"
    document["standards"][0]["criteria"][0]["max_points"] = 1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["load-criteria", str(path)])
    assert result.exit_code != 0 and "TC1" in result.output
    (tmp_path / "notjson.json").write_text("{", encoding="utf-8")
    assert runner.invoke(args=["load-criteria", str(tmp_path / "notjson.json")]).exit_code != 0


def test_init_db_is_safe_to_run_again(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "phiên bản mới nhất" in result.output
