"""The audit log's filters by tracking code and by a person's name (typed with or without accents), on the page
and in GET /api/v1/audit/events; the page shows full names and Vietnam's time."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import AuditEvent, User
from states.enums import State
from workflow.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def rename(username: str, full_name: str) -> None:
    db.session.scalars(select(User).where(User.username == username)).one().full_name = full_name
    db.session.commit()


def test_the_api_filters_by_tracking_code(api, world):
    ours = world.dossier(State.REGISTERED)
    world.dossier(State.REGISTERED)
    auditor = api.as_("auditor")
    for typed in (ours.tracking_code, ours.tracking_code.lower(), f" {ours.tracking_code} "):
        items = auditor.get("/audit/events", query_string={"tracking_code": typed}).json["items"]
        assert items and {e["dossier_id"] for e in items} == {ours.id}, typed
    assert auditor.get("/audit/events?tracking_code=KMKHONGCO").json["items"] == []
    bad = auditor.get("/audit/events", query_string={"tracking_code": "KM-1"})
    assert bad.status_code == 422 and "tracking_code" in bad.json["error"]["fields"]


def test_the_api_filters_by_a_name_typed_without_accents(api, world):
    rename("group_committee", "Đỗ Thị Thu Hương")
    rename("applicant2", "Nguyễn Văn Đức")
    by_committee = world.dossier(State.SELF_ASSESSMENT, subject_name="Hộ ông Lý Văn Tám")
    about_hoa = world.dossier(State.SELF_ASSESSMENT, group="G2", subject_name="Hộ bà Phạm Thị Hoà")
    auditor = api.as_("auditor")

    def events(person: str) -> list[dict]:
        response = auditor.get("/audit/events", query_string={"person": person, "limit": 500})
        assert response.status_code == 200, response.json
        return response.json["items"]

    # The actor's full name, without accents or capitals: every step the committee member took, and only hers.
    hers = events("do thi thu huong")
    assert hers and {e["actor"] for e in hers} == {"group_committee"}
    assert {e["dossier_id"] for e in hers} == {by_committee.id}
    assert events("ĐỖ THỊ") == hers
    # The subject's name: every event of that dossier, whoever took the step.
    about = events("pham thi hoa")
    assert {e["dossier_id"] for e in about} == {about_hoa.id} and len({e["actor"] for e in about}) >= 2
    # Both at once when a name fits both (Đức acted on his own dossier about Hoà).
    assert {e["dossier_id"] for e in events("nguyen van duc")} == {about_hoa.id}
    assert events("tran khong co") == []
    assert auditor.get("/audit/events", query_string={"person": "x" * 300}).status_code == 422


def test_the_page_filters_and_shows_full_names_in_vietnam_time(client, auth, world):
    rename("group_committee", "Đỗ Thị Thu Hương")
    ours = world.dossier(State.SELF_ASSESSMENT, subject_name="Hộ ông Lý Văn Tám")
    other = world.dossier(State.REGISTERED, group="G2", subject_name="Hộ bà Khác Tổ")
    auth.login("auditor")
    page = html(client.get("/audit/events", query_string={"tracking_code": ours.tracking_code.lower()}))
    assert ours.tracking_code in page and other.tracking_code not in page and "Hộ ông Lý Văn Tám" in page
    assert "(giờ Việt Nam)" in page
    assert "Đỗ Thị Thu Hương" in page and ">group_committee<" not in page and "(Ban vận động TDP)" in page
    # The first event's time as Vietnam shows it (UTC+7).
    first = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == ours.id)
                               .order_by(AuditEvent.seq)).first()
    assert first.at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M") in page
    by_name = html(client.get("/audit/events", query_string={"person": "thu huong"}))
    assert "Đỗ Thị Thu Hương" in by_name and other.tracking_code not in by_name
    assert 'value="thu huong"' in by_name  # the filter stays filled in
    # A code with other characters is refused beside the filters, and the log shown unfiltered.
    refused = html(client.get("/audit/events", query_string={"tracking_code": "<KM>"}))
    assert "mã hồ sơ chỉ gồm chữ cái và chữ số" in refused
    # The CSV export honours the same filters.
    exported = client.get("/audit/events.csv", query_string={"tracking_code": ours.tracking_code})
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert exported.status_code == 200 and rows and {r["Hồ sơ"] for r in rows} == {str(ours.id)}
