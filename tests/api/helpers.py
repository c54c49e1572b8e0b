"""Small API steps shared by the API tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def read(api, dossier_id: int) -> dict:
    response = api.get(f"/dossiers/{dossier_id}")
    assert response.status_code == 200, response.json
    return response.json


def fire(api, dossier_id: int, trigger: str, comment: str = "", data: dict | None = None, expect: int = 200):
    version = read(api, dossier_id)["version"]
    response = api.post(f"/dossiers/{dossier_id}/transitions",
                        json={"trigger": trigger, "version": version, "comment": comment, "data": data or {}})
    assert response.status_code == expect, response.json
    return response.json


def criteria_of(api, title: str) -> dict:
    titles = {t["code"]: t for t in api.get("/titles").json["items"]}
    return titles[title]["criteria_set"]


def assessment_payload(criteria_set: dict, version: int, *, invited=20, attendees=15, votes_for=12,
                       held_on: str | None = None) -> dict:
    points = criteria_set["shape"] == "points"
    # The group's one meeting: the same day for every dossier of a test (the campaign opened 200 days ago).
    held_on = held_on or (datetime.now(UTC).date() - timedelta(days=100)).isoformat()
    return {
        "version": version,
        "items": [{"criterion": c["code"], "met": True, "points": c["max_points"] if points else None,
                   "note": "Đạt"} for c in criteria_set["criteria"]],
        "meeting": {"held_on": held_on, "invited": invited, "attendees": attendees, "votes_for": votes_for},
    }


def inspection_payload(criteria_set: dict, version: int, recommendation: str = "pass") -> dict:
    points = criteria_set["shape"] == "points"
    items = [{"criterion": c["code"], "met": True, "note": "Kiểm tra thực tế",
              **({"points": c["max_points"]} if points else {})} for c in criteria_set["criteria"]]
    return {"version": version, "recommendation": recommendation, "items": items}
