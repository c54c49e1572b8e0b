"""One dossier of each title from draft to recognized through the API, each step by the role that owns it;
then its history, the chain, and what tampering with one row looks like to the auditor."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.api.helpers import assessment_payload, criteria_of, fire, inspection_payload, read
from workflow.extensions import db

EXPECTED_TRIGGERS = [
    "created", "submit", "accept", "assessment_saved", "submit_assessment", "close_notice", "inspection_saved",
    "complete_inspection", "vote_cast", "vote_cast", "vote_cast", "vote_cast", "vote_cast", "close_review",
    "recognize",
]
EXPECTED_STATES = [
    (None, "draft"), ("draft", "registered"), ("registered", "self_assessment"), (None, None),
    ("self_assessment", "public_notice"), ("public_notice", "ward_inspection"), (None, None),
    ("ward_inspection", "council_review"), *[(None, None)] * 5, ("council_review", "awaiting_decision"),
    ("awaiting_decision", "recognized"),
]


def walk_to_recognized(api, world, frozen_clock, title: str, unit: str, subject: tuple[str, str]) -> int:
    applicant = api.as_("applicant")
    created = applicant.post("/dossiers", json={
        "campaign_id": world.campaign.id, "title": title, "unit_id": world.units[unit].id,
        "subject_name": subject[0], "subject_ref": subject[1], "subject_address": "Số 5, ngõ 2"})
    assert created.status_code == 201, created.json
    dossier_id = created.json["id"]
    assert created.json["state"] == "draft"
    assert created.json["available_triggers"] == ["submit", "withdraw"]
    assert len(created.json["tracking_code"]) == 10

    fire(applicant, dossier_id, "submit")
    committee = api.as_("group_committee")
    assert read(committee, dossier_id)["available_triggers"] == ["accept", "reject_registration"]
    fire(committee, dossier_id, "accept")

    criteria_set = criteria_of(committee, title)
    saved = committee.put(f"/dossiers/{dossier_id}/assessment",
                          json=assessment_payload(criteria_set, read(committee, dossier_id)["version"]))
    assert saved.status_code == 200, saved.json
    fire(committee, dossier_id, "submit_assessment")

    inspector = api.as_("ward_inspector")
    on_notice = read(inspector, dossier_id)
    ends_on = date.fromisoformat(on_notice["notice_ends_on"])
    assert on_notice["due_on"] == world.campaign.inspection_due.isoformat()
    refused = fire(inspector, dossier_id, "close_notice", expect=422)
    assert refused["error"]["code"] == "guard_failed"
    assert f"niêm yết đến hết ngày {ends_on:%d/%m/%Y} (giờ Việt Nam)" in refused["error"]["message"]
    frozen_clock.current = datetime.combine(ends_on, time(17), tzinfo=UTC)  # 00:00 the next day in Viet Nam
    fire(inspector, dossier_id, "close_notice")
    inspected = inspector.put(f"/dossiers/{dossier_id}/inspection",
                              json=inspection_payload(criteria_set, read(inspector, dossier_id)["version"]))
    assert inspected.status_code == 200, inspected.json
    fire(inspector, dossier_id, "complete_inspection")

    for member in ("council1", "council2", "council3", "council4", "council5"):
        vote = api.as_(member).post(f"/dossiers/{dossier_id}/votes", json={"vote": "approve", "comment": "Nhất trí"})
        assert vote.status_code == 201, vote.json
    fire(api.as_("council_secretary"), dossier_id, "close_review")

    chairman = api.as_("chairman")
    done = fire(chairman, dossier_id, "recognize",
                data={"decision_number": f"{dossier_id}/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat()})
    assert done["state"] == "recognized"
    assert done["decision_id"] is not None
    return dossier_id


TITLES = [
    ("model_citizen", "G1", ("Nguyễn Văn An", "038090001234")),
    ("model_family", "G1", ("Hộ ông Trần Văn Bình", "HK-000123")),
    ("model_group", "G1", ("Tổ dân phố 1", "G1")),
    ("model_agency", "AG", ("Trường Tiểu học", "AG")),
]


@pytest.mark.parametrize(("title", "unit", "subject"), TITLES, ids=[t[0] for t in TITLES])
def test_full_path_then_history_is_one_event_per_step_and_chain_valid(api, world, frozen_clock, runner,
                                                                        title, unit, subject):
    dossier_id = walk_to_recognized(api, world, frozen_clock, title, unit, subject)

    history = api.as_("auditor").get(f"/dossiers/{dossier_id}/history").json
    assert history["chain_valid"] is True
    events = history["events"]
    assert [e["trigger"] for e in events] == EXPECTED_TRIGGERS
    assert [e["seq"] for e in events] == list(range(1, len(EXPECTED_TRIGGERS) + 1))
    transitions = [(e["from_state"], e["to_state"]) for e in events]
    assert transitions == EXPECTED_STATES
    assert events[0]["prev_hash"] == "0" * 64
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(events, events[1:], strict=False))
    recognize = events[-1]
    assert (recognize["actor"], recognize["role"]) == ("chairman", "chairman")
    assert recognize["data"]["decision_number"] == f"{dossier_id}/QĐ-UBND"
    close_review = events[-2]
    assert close_review["data"]["votes"] == {"approve": 5, "reject": 0, "abstain": 0}
    assert close_review["data"]["council_size"] == 6
    assert close_review["data"]["recommended"] is True

    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output


def tamper_with_event(owner_sql, dossier_id: int, seq: int) -> None:
    """What someone with the database owner's rights could do: switch the guard off and rewrite a row."""
    edit = "UPDATE audit_events SET comment = 'đã sửa lén' WHERE dossier_id = :d AND seq = :s"
    if db.engine.dialect.name == "postgresql":
        owner_sql("ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable", edit,
                  "ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable", d=dossier_id, s=seq)
    else:
        owner_sql("DROP TRIGGER audit_events_no_update", edit, d=dossier_id, s=seq)


def test_the_database_itself_refuses_to_change_or_delete_an_event(api, world, frozen_clock, owner_sql):
    dossier_id = walk_to_recognized(api, world, frozen_clock, "model_citizen", "G1", ("Lê Thị E", "0380111"))
    # The app's own role may not (PostgreSQL: no privilege), nor may the owner while the triggers stand.
    for statement in ("UPDATE audit_events SET comment = 'x' WHERE dossier_id = :d",
                      "DELETE FROM audit_events WHERE dossier_id = :d"):
        with pytest.raises(DBAPIError, match="never updated or deleted|permission denied"):
            db.session.execute(text(statement), {"d": dossier_id})
        db.session.rollback()
        with pytest.raises(DBAPIError, match="never updated"):
            owner_sql(statement, d=dossier_id)
    assert api.as_("auditor").get(f"/dossiers/{dossier_id}/history").json["chain_valid"] is True


def test_editing_one_event_row_is_reported_at_that_dossier_and_seq(api, world, frozen_clock, runner, owner_sql):
    other_id = walk_to_recognized(api, world, frozen_clock, "model_citizen", "G1", ("Lê Văn C", "0380999"))
    dossier_id = walk_to_recognized(api, world, frozen_clock, "model_family", "G1", ("Hộ bà D", "HK-777"))
    tamper_with_event(owner_sql, dossier_id, seq=5)

    result = runner.invoke(args=["audit-verify"])  # the check runs outside any request; the API reads its outcome
    assert result.exit_code == 1
    assert f"hồ sơ {dossier_id}" in result.output and "seq 5" in result.output
    assert f"hồ sơ {other_id} " not in result.output

    report = api.as_("auditor").get("/audit/verify").json
    assert report["valid"] is False
    assert [(b["dossier_id"], b["seq"]) for b in report["broken"]] == [(dossier_id, 5)]
    assert report["dossiers_checked"] == 2
    assert report["events_checked"] == 2 * len(EXPECTED_TRIGGERS)

    assert api.as_("auditor").get(f"/dossiers/{dossier_id}/history").json["chain_valid"] is False
    assert api.as_("auditor").get(f"/dossiers/{other_id}/history").json["chain_valid"] is True
