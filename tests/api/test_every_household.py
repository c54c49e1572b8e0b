"""The API's path for a title assessed for every household (API.md v2): the committee's `on_behalf` registration
takes it until the assessment deadline, when a volunteered title's window has closed; `GET /titles` says which
title is which (tests/api/test_reference.py)."""

from __future__ import annotations

from datetime import timedelta

from workflow.extensions import db
from workflow.services.listing import local_today


def body(world, title: str, ref: str) -> dict:
    return {"campaign_id": world.campaign.id, "unit_id": world.units["G1"].id, "title": title,
            "subject_name": f"Hộ {ref}", "subject_ref": ref, "on_behalf": True}


def test_on_behalf_after_the_window_takes_only_the_every_household_title(api, world):
    world.campaign.registration_closes = local_today() - timedelta(days=1)
    db.session.commit()
    committee = api.as_("group_committee")
    late = committee.post("/dossiers", json=body(world, "model_family", "038085001001"))
    assert late.status_code == 422 and late.json["error"]["code"] == "guard_failed"
    assert "ngoài thời gian đăng ký" in late.json["error"]["message"]
    started = committee.post("/dossiers", json=body(world, "cultured_family", "038085001002"))
    assert started.status_code == 201, started.json
    assert (started.json["state"], started.json["title"]) == ("registered", "cultured_family")
    assert started.json["due_on"] == world.campaign.assessment_due.isoformat()
    world.campaign.assessment_due = local_today() - timedelta(days=1)
    world.campaign.registration_closes = local_today() - timedelta(days=5)
    db.session.commit()
    closed = committee.post("/dossiers", json=body(world, "cultured_family", "038085001003"))
    assert closed.status_code == 422 and "xét cho mọi hộ gia đình" in closed.json["error"]["message"]
