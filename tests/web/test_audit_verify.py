"""The auditor's /audit/verify and GET /api/v1/audit/verify answer the latest `flask audit-verify` and seal (issue 15):
no chain is checked in a request; before the first run they say so; a run's problems are shown to those whose scope
they lie in (and a broken seal to everyone who reads the audit)."""

from __future__ import annotations

import pytest

from models import AuditVerification
from states.enums import State
from workflow import clock
from workflow.extensions import db
from workflow.services import audit, seals


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def no_live_check(monkeypatch):
    """A request that walks the chains fails the test: that is the command line's work."""
    def refuse(*args, **kwargs):
        raise AssertionError("a chain was checked inside a request")

    monkeypatch.setattr(seals, "verify_all", refuse)
    monkeypatch.setattr(audit, "verify", refuse)


def run_verification() -> AuditVerification:
    """What `flask audit-verify` does, in the test's session."""
    row = seals.record_verification(seals.verify_all())
    db.session.commit()
    return row


def stored_run(problems: list[dict], valid: bool = False) -> AuditVerification:
    row = AuditVerification(at=clock.now(), valid=valid, events=123, dossiers=4, streams=5, seal_id=None,
                            problems=problems)
    db.session.add(row)
    db.session.commit()
    return row


def problem(dossier_id: int | None, reason: str = "hash_mismatch", stream: str | None = None, seq: int | None = 3):
    return {"dossier_id": dossier_id, "stream": stream or f"dossier:{dossier_id}", "seq": seq, "reason": reason,
            "explanation": seals.explain(reason)}


def next_ward_dossier(world):
    """A draft of the next ward (WARD2 › G9): its chain lies outside the world's auditor's scope."""
    from workflow.services.dossiers import create_dossier

    dossier = create_dossier(world.users["applicant9"], {
        "campaign_id": world.campaign2.id, "title": "model_family", "unit_id": world.units["G9"].id,
        "subject_name": "Hộ ông Phường Bên", "subject_ref": "HK-BEN"})
    db.session.commit()
    return dossier


def test_before_the_first_run_the_page_and_the_api_say_so(client, auth, api, world, no_live_check):
    world.dossier(State.REGISTERED)
    auth.login("auditor")
    page = html(client.get("/audit/verify"))
    assert "Chưa có lần kiểm tra nào" in page and "flask audit-verify" in page and "Mọi chuỗi hợp lệ" not in page
    answer = api.as_("auditor").get("/audit/verify")
    assert answer.status_code == 200
    assert {k: answer.json[k] for k in ("valid", "checked_at", "events", "latest", "broken", "seal")} == {
        "valid": None, "checked_at": None, "events": None, "latest": None, "broken": [], "seal": None}


def test_after_a_run_both_answer_it_without_checking_again(client, auth, api, world, monkeypatch):
    world.dossier(State.REGISTERED)
    run = run_verification()
    monkeypatch.setattr(seals, "verify_all", lambda *a, **k: pytest.fail("checked in a request"))
    monkeypatch.setattr(audit, "verify", lambda *a, **k: pytest.fail("checked in a request"))
    auth.login("auditor")
    page = html(client.get("/audit/verify"))
    assert "Mọi chuỗi hợp lệ" in page and f"{run.events} sự kiện" in page
    answer = api.as_("auditor").get("/audit/verify").json
    assert answer["valid"] is True and answer["broken"] == [] and answer["events"] == run.events > 0
    assert answer["events_checked"] == run.events and answer["dossiers_checked"] == run.dossiers == 1
    assert answer["latest"]["valid"] is True and answer["checked_at"]
    assert api.as_("applicant").get("/audit/verify").status_code == 403
    auth.login("applicant")
    assert client.get("/audit/verify").status_code == 403


def test_a_runs_problems_show_only_in_their_scope(client, auth, api, world, no_live_check):
    ours = world.dossier(State.REGISTERED)
    theirs = next_ward_dossier(world)
    stored_run([problem(ours.id, seq=2), problem(theirs.id, "truncated", seq=1)])
    ward = api.as_("auditor").get("/audit/verify").json
    assert ward["valid"] is False and [(b["dossier_id"], b["seq"]) for b in ward["broken"]] == [(ours.id, 2)]
    assert [p["dossier_id"] for p in ward["latest"]["problems"]] == [ours.id]
    assert ward["latest"]["valid"] is False and ward["broken"][0]["explanation"]
    outsider = api.as_("outsider_auditor").get("/audit/verify").json
    assert outsider["valid"] is False and [b["dossier_id"] for b in outsider["broken"]] == [theirs.id]
    auth.login("auditor")
    page = html(client.get("/audit/verify"))
    assert f"#{ours.id}</a>" in page and f"#{theirs.id}</a>" not in page and "1 chỗ hỏng" in page


def test_a_problem_elsewhere_leaves_the_scope_valid_and_says_so(client, auth, api, world, no_live_check):
    world.dossier(State.REGISTERED)
    elsewhere = next_ward_dossier(world)
    stored_run([problem(elsewhere.id)])
    answer = api.as_("auditor").get("/audit/verify").json
    assert answer["valid"] is True and answer["broken"] == [] and answer["latest"]["valid"] is False
    auth.login("auditor")
    page = html(client.get("/audit/verify"))
    assert "Mọi chuỗi hợp lệ trong phạm vi của bạn" in page and "ngoài phạm vi của bạn" in page


def test_a_broken_seal_concerns_everyone_and_a_cut_short_run_vouches_for_no_one(api, world, no_live_check):
    world.dossier(State.REGISTERED)
    stored_run([problem(None, "seal_broken", stream="seal:1", seq=None)])
    for who in ("auditor", "outsider_auditor"):
        answer = api.as_(who).get("/audit/verify").json
        assert answer["valid"] is False and [b["reason"] for b in answer["broken"]] == ["seal_broken"], who
        assert answer["broken"][0]["seq"] is None
    # The run kept only its first PROBLEMS_KEPT problems, none of them here: the ward cannot be vouched for.
    stored_run([problem(10**6 + n) for n in range(seals.PROBLEMS_KEPT)])
    answer = api.as_("auditor").get("/audit/verify").json
    assert answer["broken"] == [] and answer["valid"] is False


def test_a_removed_chain_is_placed_by_its_dossier_or_shown_to_who_sees_everything(api, world, no_live_check):
    from tests.factories import add_users

    add_users(world, {"province_auditor": ["auditor@PROV"]})
    ours = world.dossier(State.REGISTERED)
    stored_run([problem(ours.id, "removed", stream="dossier:999999"), problem(None, "removed", stream="user:999")])
    ward = api.as_("auditor").get("/audit/verify").json
    assert [b["stream"] for b in ward["broken"]] == ["dossier:999999"]
    province = api.as_("province_auditor").get("/audit/verify").json
    assert [b["stream"] for b in province["broken"]] == ["dossier:999999", "user:999"]
