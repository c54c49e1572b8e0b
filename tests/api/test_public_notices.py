"""GET /api/v1/public/notices: a group's dossiers on public notice, for anyone, as the board shows them; and a
resident of the group objecting through the API."""

from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEvent, Objection
from states.enums import State, Title
from workflow.extensions import db


def test_the_api_answers_the_boards_items_without_a_token(client, world):
    first = world.dossier(State.PUBLIC_NOTICE, subject_name="Hộ ông Trần Văn Một", subject_ref="038090001234",
                          subject_address="Số 1 ngõ Hoa")
    second = world.dossier(State.PUBLIC_NOTICE, title=Title.MODEL_CITIZEN, subject_name="Bà Lê Thị Hai")
    world.dossier(State.PUBLIC_NOTICE, group="G2", subject_name="Hộ tổ khác")
    world.dossier(State.SELF_ASSESSMENT, subject_name="Hộ chưa niêm yết")
    response = client.get("/api/v1/public/notices?unit_code=G1")
    assert response.status_code == 200
    body = response.json
    assert body["next_cursor"] is None
    assert [item["tracking_code"] for item in body["items"]] == [first.tracking_code, second.tracking_code]
    item = body["items"][0]
    assert item == {"tracking_code": first.tracking_code, "title": "model_family", "title_label": "Gia đình kiểu mẫu",
                    "subject_name": "Hộ ông Trần Văn Một", "notice_ends_on": first.notice_ends_on.isoformat(),
                    "unit_code": "G1", "unit_name": "Tổ dân phố 1"}
    assert "038090001234" not in response.get_data(as_text=True)
    assert body["items"][1]["title"] == "model_citizen"
    # The page lists the same dossiers.
    page = client.get("/public/notices/G1").get_data(as_text=True)
    assert all(i["tracking_code"] in page and i["subject_name"] in page for i in body["items"])


def test_the_code_is_required_validated_and_known(client, world):
    missing = client.get("/api/v1/public/notices")
    assert missing.status_code == 422 and missing.json["error"]["code"] == "validation_failed"
    assert "unit_code" in missing.json["error"]["fields"]
    too_long = client.get("/api/v1/public/notices?unit_code=" + "X" * 60)
    assert too_long.status_code == 422 and "unit_code" in too_long.json["error"]["fields"]
    assert client.get("/api/v1/public/notices?unit_code=%00").status_code == 422
    for code in ("KHONG-CO", "WARD", "AG", "G1/x"):
        unknown = client.get(f"/api/v1/public/notices?unit_code={code}")
        assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found", code
    assert client.get("/api/v1/public/notices?unit_code=g2").json == {"items": [], "next_cursor": None}


def test_pages_of_the_list_follow_the_cursor(client, world):
    codes = [world.dossier(State.PUBLIC_NOTICE).tracking_code for _ in range(3)]
    first = client.get("/api/v1/public/notices?unit_code=G1&limit=2").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(f"/api/v1/public/notices?unit_code=G1&limit=2&cursor={first['next_cursor']}").json
    assert [i["tracking_code"] for i in first["items"] + rest["items"]] == codes and rest["next_cursor"] is None


def test_the_api_is_rate_limited(client, app, world):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 2
    assert [client.get("/api/v1/public/notices?unit_code=G1").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/public/notices?unit_code=G1").json["error"]["code"] == "too_many_attempts"


def test_a_resident_of_the_group_objects_through_the_api(api, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == dossier.id))
    made = api.as_("resident").post(f"/dossiers/{dossier.id}/objections", json={"text": "Chưa đúng thực tế"})
    assert made.status_code == 201, made.json
    assert api.as_("applicant2").post(f"/dossiers/{dossier.id}/objections",
                                      json={"text": "Tổ khác"}).status_code == 404
    db.session.expire_all()
    assert [o.text for o in db.session.scalars(select(Objection).where(Objection.dossier_id == dossier.id))] == [
        "Chưa đúng thực tế"]
    after = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == dossier.id))
    assert after == before + 1
