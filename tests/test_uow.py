"""The request's unit of work: it commits a success once, and answers "try again" (409) — writing nothing —
when that commit loses a race."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import Dossier
from workflow.extensions import db


def test_a_commit_that_loses_a_race_is_a_409_and_writes_nothing(api, world, monkeypatch):
    payload = {"campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G1"].id,
               "subject_name": "Hộ bà Đinh Thị Đua", "subject_ref": "HK-RACE"}
    applicant = api.as_("applicant")
    before = db.session.scalar(select(func.count(Dossier.id)))
    real_commit = db.session.commit

    def lose_the_race():
        monkeypatch.setattr(db.session, "commit", real_commit)
        raise IntegrityError("INSERT INTO audit_events …", {}, Exception("duplicate (stream, seq)"))

    monkeypatch.setattr(db.session, "commit", lose_the_race)
    response = applicant.post("/dossiers", json=payload)
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
    assert db.session.scalar(select(func.count(Dossier.id))) == before
    assert applicant.post("/dossiers", json=payload).status_code == 201  # the retry goes through


def test_a_success_is_committed_by_the_unit_of_work(api, world):
    response = api.as_("applicant").post("/dossiers", json={
        "campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G1"].id,
        "subject_name": "Hộ ông Lưu", "subject_ref": "HK-UOW"})
    assert response.status_code == 201
    db.session.rollback()  # nothing pending survives in the session: the row is in the database
    assert db.session.scalar(select(func.count(Dossier.id)).where(Dossier.subject_ref == "HK-UOW")) == 1
