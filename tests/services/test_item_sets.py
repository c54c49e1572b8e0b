"""Assessment and inspection items are saved as a set: a row is written only when its verdict changed, new
criteria are inserted together and the ones left out deleted in one statement — the rows and the step's event
are what replacing every row gave."""

from __future__ import annotations

from sqlalchemy import select

from models import AssessmentItem, AuditEvent, Criterion, InspectionItem
from states.enums import EventName, State
from tests.statements import counting
from workflow.extensions import db
from workflow.services import records
from workflow.services.facts import DossierFacts
from workflow.services.walkthrough import full_assessment, full_inspection


def rows(model, dossier) -> dict[str, tuple]:
    found = db.session.execute(
        select(Criterion.code, model.id, model.met, model.points, model.note)
        .join(Criterion, Criterion.id == model.criterion_id).where(model.dossier_id == dossier.id))
    return {code: (id_, met, points, note) for code, id_, met, points, note in found}


def verdicts(model, dossier) -> dict[str, tuple]:
    return {code: row[1:] for code, row in rows(model, dossier).items()}


def expected(payload: dict) -> dict[str, tuple]:
    return {i["criterion"]: (i["met"], i.get("points"), i["note"]) for i in payload["items"]}


def last_event(dossier, trigger: str) -> dict:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id,
                                                       AuditEvent.trigger == trigger)
                              .order_by(AuditEvent.id.desc())).first().data


def event_items(payload: dict) -> list[dict]:
    return [{"criterion": i["criterion"], "met": i["met"], "points": i.get("points"), "note": i["note"]}
            for i in payload["items"]]


def test_a_revision_writes_only_the_rows_that_changed(world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    committee = world.users["group_committee"]
    first = full_assessment(dossier)
    with counting() as sent:
        records.save_assessment(committee, dossier, first)
    assert sent.count("DELETE FROM assessment_items") == 0 and sent.count("INSERT INTO assessment_items") >= 1
    assert verdicts(AssessmentItem, dossier) == expected(first) and len(first["items"]) == 11
    ids = {code: row[0] for code, row in rows(AssessmentItem, dossier).items()}
    db.session.commit()

    revised = {"version": dossier.version, "items": [dict(i) for i in first["items"]]}
    revised["items"][0]["note"] = "Đã bổ sung biên bản"
    revised["items"][1]["points"] -= 1
    with counting() as sent:
        records.save_assessment(committee, dossier, revised)
    assert sent.count("UPDATE assessment_items") == 2
    assert sent.count("DELETE FROM assessment_items") == sent.count("INSERT INTO assessment_items") == 0
    assert verdicts(AssessmentItem, dossier) == expected(revised)
    assert {code: row[0] for code, row in rows(AssessmentItem, dossier).items()} == ids
    data = last_event(dossier, EventName.ASSESSMENT_SAVED)
    assert data["items"] == event_items(revised) and data["total"] == 99 and data["passed"] is True
    db.session.commit()

    again = {**revised, "version": dossier.version}
    with counting() as sent:
        records.save_assessment(committee, dossier, again)
    assert not [s for s in sent.statements if "assessment_items" in s and not s.startswith("SELECT")]
    assert last_event(dossier, EventName.ASSESSMENT_SAVED)["items"] == event_items(revised)
    db.session.commit()


def test_criteria_left_out_are_deleted_in_one_statement_and_come_back_as_new_rows(world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    committee = world.users["group_committee"]
    first = full_assessment(dossier)
    records.save_assessment(committee, dossier, first)
    db.session.commit()

    shorter = {"version": dossier.version, "items": first["items"][:-2]}
    with counting() as sent:
        records.save_assessment(committee, dossier, shorter)
    assert sent.count("DELETE FROM assessment_items") == 1
    assert sent.count("UPDATE assessment_items") == sent.count("INSERT INTO assessment_items") == 0
    # What the guards read next in the same transaction is the new set, in the order given.
    codes = [i["criterion"] for i in shorter["items"]]
    assert DossierFacts(dossier).assessed_codes() == codes
    db.session.commit()
    assert verdicts(AssessmentItem, dossier) == expected(shorter)
    assert last_event(dossier, EventName.ASSESSMENT_SAVED)["items"] == event_items(shorter)

    full = {"version": dossier.version, "items": first["items"]}
    with counting() as sent:
        records.save_assessment(committee, dossier, full)
    assert sent.count("DELETE FROM assessment_items") == sent.count("UPDATE assessment_items") == 0
    assert sent.count("INSERT INTO assessment_items") >= 1
    db.session.commit()
    assert verdicts(AssessmentItem, dossier) == expected(first)
    assert len(dossier.assessment_items) == 11


def test_an_inspection_is_saved_as_a_set_too(world):
    dossier = world.dossier(State.WARD_INSPECTION)
    inspector = world.users["ward_inspector"]
    first = full_inspection(dossier)
    records.save_inspection(inspector, dossier, first)
    db.session.commit()
    ids = {code: row[0] for code, row in rows(InspectionItem, dossier).items()}

    changed = {"version": dossier.version, "recommendation": "pass", "items": [dict(i) for i in first["items"][1:]]}
    changed["items"][0].update(met=False, points=0, note="Chưa đạt khi kiểm tra lại")
    with counting() as sent:
        records.save_inspection(inspector, dossier, changed)
    assert sent.count("UPDATE inspection_items") == 1 and sent.count("DELETE FROM inspection_items") == 1
    assert sent.count("INSERT INTO inspection_items") == 0
    db.session.commit()
    assert verdicts(InspectionItem, dossier) == expected(changed)
    assert {code: row[0] for code, row in rows(InspectionItem, dossier).items()} == {
        code: id_ for code, id_ in ids.items() if code != first["items"][0]["criterion"]}
    data = last_event(dossier, EventName.INSPECTION_SAVED)
    assert data["items"] == event_items(changed) and data["recommendation"] == "pass"
