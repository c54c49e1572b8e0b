"""The calendar through the API: counting a period, the admin's announced days, campaign dates in order, and
the deadlines every dossier carries (due_on, notice_ends_on)."""

from datetime import date, timedelta

from sqlalchemy import select

from models import AuditEvent, CalendarDay
from states.enums import State
from workflow.extensions import db
from workflow.services.calendar import count, local_date


def test_counting_a_period_for_any_signed_in_user(api, client):
    resident = api.as_("resident")
    working = resident.get("/calendar?from=2026-11-20&days=10&working=true")
    assert working.status_code == 200, working.json
    assert working.json["from"] == "2026-11-20" and working.json["days"] == 10 and working.json["working"] is True
    assert working.json["ends_on"] == "2026-12-07"
    skipped = {s["date"]: s["why"] for s in working.json["skipped"]}
    assert skipped["2026-11-24"] == "Ngày Văn hóa Việt Nam" and skipped["2026-11-21"] == "Thứ Bảy"
    calendar_days = resident.get("/calendar?from=2026-11-25&days=10")  # calendar days by default
    assert calendar_days.json["working"] is False and calendar_days.json["ends_on"] == "2026-12-07"
    assert [s["date"] for s in calendar_days.json["skipped"]] == ["2026-12-05", "2026-12-06"]
    assert client.get("/api/v1/calendar?from=2026-11-20&days=10").status_code == 401


def test_a_bad_query_names_each_field(api):
    bad = api.as_("resident").get("/calendar?from=20/11/2026&days=0&working=maybe")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "validation_failed"
    assert set(bad.json["error"]["fields"]) == {"from", "days", "working"}
    for query in ("days=10", "from=2026-11-20", "from=2026-11-20&days=367", "from=2026-11-20&days=-1",
                  "from=9999-12-31&days=366", "from=2026-02-30&days=1", "from=2026-11-20&days=" + "9" * 30):
        response = api.as_("resident").get("/calendar?" + query)
        assert response.status_code == 422, (query, response.json)


def test_admins_announce_days_and_the_count_follows(api):
    admin = api.as_("admin")
    before = admin.get("/calendar?from=2027-02-03&days=1&working=true").json["ends_on"]
    assert before == "2027-02-11"  # the library alone: Tết from Thursday 04/02 to Wednesday 10/02
    added = admin.post("/calendar/days", json={"date": "2027-02-11", "kind": "day_off",
                                               "name": "Nghỉ Tết Nguyên đán theo thông báo của Chính phủ"})
    assert added.status_code == 201, added.json
    assert added.json["date"] == "2027-02-11" and added.json["kind"] == "day_off"
    worked = admin.post("/calendar/days", json={"date": "2027-02-04", "kind": "working_day",
                                                "name": "Làm việc bình thường theo lịch nghỉ Tết"})
    assert worked.status_code == 201
    assert admin.get("/calendar?from=2027-02-03&days=1&working=true").json["ends_on"] == "2027-02-04"
    after = admin.get("/calendar?from=2027-02-04&days=1&working=true").json
    assert after["ends_on"] == "2027-02-12"
    assert [s["date"] for s in after["skipped"]] == [f"2027-02-{n:02d}" for n in range(5, 12)]
    assert after["skipped"][-1]["why"] == "Nghỉ Tết Nguyên đán theo thông báo của Chính phủ"

    again = admin.post("/calendar/days", json={"date": "2027-02-11", "kind": "working_day", "name": "Làm bù"})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert set(again.json["error"]["fields"]) == {"date"}
    assert api.as_("chairman").post("/calendar/days", json={"date": "2027-02-12", "kind": "day_off",
                                                            "name": "Nghỉ"}).status_code == 403
    bad = admin.post("/calendar/days", json={"date": "12/02/2027", "kind": "holiday", "name": ""})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"date", "kind", "name"}

    assert api.as_("chairman").delete(f"/calendar/days/{added.json['id']}").status_code == 403
    assert admin.delete(f"/calendar/days/{added.json['id']}").status_code == 204
    assert admin.delete(f"/calendar/days/{added.json['id']}").status_code == 404
    assert db.session.scalar(select(CalendarDay).where(CalendarDay.day == date(2027, 2, 11))) is None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.stream == "calendar")
                                .order_by(AuditEvent.seq)).all()
    assert [e.trigger for e in events] == ["calendar_day_added", "calendar_day_added", "calendar_day_removed"]
    assert events[-1].data["date"] == "2027-02-11" and events[-1].actor == "admin"


def campaign_body(world, **over):
    return {"year": 2031, "unit_id": world.units["WARD"].id, "name": "Thi đua 2031",
            "registration_opens": "2031-01-02", "registration_closes": "2031-01-31", "assessment_due": "2031-11-25",
            "inspection_due": "2031-12-10", "decision_due": "2031-12-31", **over}


def test_campaign_dates_out_of_order_are_refused_field_by_field(api, world):
    admin = api.as_("admin")
    bad = admin.post("/campaigns", json=campaign_body(world, assessment_due="2031-01-15", inspection_due="2031-11-20",
                                                      decision_due="2031-11-19"))
    assert bad.status_code == 422 and bad.json["error"]["code"] == "validation_failed"
    assert bad.json["error"]["fields"] == {
        "assessment_due": "không được trước ngày đóng đăng ký (31/01/2031)",
        "decision_due": "không được trước hạn phường kiểm tra (20/11/2031)"}
    tight = admin.post("/campaigns", json=campaign_body(world, inspection_due="2031-12-05"))
    assert tight.status_code == 422
    assert tight.json["error"]["fields"]["inspection_due"].endswith("chọn từ ngày 06/12/2031 trở đi")
    created = admin.post("/campaigns", json=campaign_body(world, settings={"notice_working_days": True,
                                                                         "decision_days": 7}))
    assert created.status_code == 201, created.json
    assert created.json["settings"]["notice_working_days"] is True and created.json["settings"]["decision_days"] == 7
    # A PATCH is checked on the campaign it would make: ten working days from 25/11/2031 end on 09/12/2031.
    patch = admin.patch(f"/campaigns/{created.json['id']}", json={"inspection_due": "2031-12-09"})
    assert patch.status_code == 422 and "đến hết ngày 09/12/2031" in patch.json["error"]["fields"]["inspection_due"]
    patch = admin.patch(f"/campaigns/{created.json['id']}", json={"settings": {"notice_days": 12}})
    assert patch.status_code == 422 and set(patch.json["error"]["fields"]) == {"inspection_due"}
    patch = admin.patch(f"/campaigns/{created.json['id']}", json={"settings": {"notice_working_days": False,
                                                                               "publication_days": 20}})
    assert patch.status_code == 200 and patch.json["settings"]["publication_days"] == 20
    refused = admin.patch(f"/campaigns/{created.json['id']}", json={"settings": {"decision_days": 0}})
    assert refused.status_code == 422 and set(refused.json["error"]["fields"]) == {"settings.decision_days"}


def test_dossiers_carry_their_deadlines(api, world, frozen_clock):
    notice = world.dossier(State.PUBLIC_NOTICE)
    inspecting = world.dossier(State.WARD_INSPECTION, group="G2")
    auditor = api.as_("auditor")
    on_notice = auditor.get(f"/dossiers/{notice.id}").json
    posted_on = local_date(notice.state_changed_at)
    assert on_notice["notice_ends_on"] == count(posted_on, 10, False).ends_on.isoformat()
    assert on_notice["due_on"] == world.campaign.inspection_due.isoformat()
    inspected = auditor.get(f"/dossiers/{inspecting.id}").json
    assert inspected["notice_ends_on"] is None and inspected["due_on"] == world.campaign.inspection_due.isoformat()
    listed = {d["id"]: d for d in auditor.get("/dossiers?limit=50").json["items"]}
    assert listed[notice.id]["notice_ends_on"] == on_notice["notice_ends_on"]
    assert listed[inspecting.id]["due_on"] == inspected["due_on"]
    draft = world.dossier(State.WITHDRAWN)
    assert auditor.get(f"/dossiers/{draft.id}").json["due_on"] is None


def test_the_overdue_filter_counts_the_decision_days(api, world, frozen_clock):
    waiting = world.dossier(State.AWAITING_DECISION)
    frozen_clock.advance(days=20)  # the dossier became complete about a month ago
    world.campaign.decision_due = local_date(frozen_clock.now()) + timedelta(days=30)
    db.session.commit()
    ids = {d["id"] for d in api.as_("chairman").get("/dossiers?overdue=true").json["items"]}
    # Ten working days have passed, though the campaign's deadline has not.
    assert waiting.id in ids
    world.campaign.decision_days = 60
    db.session.commit()
    ids = {d["id"] for d in api.as_("chairman").get("/dossiers?overdue=true").json["items"]}
    assert waiting.id not in ids


def test_the_calendar_answers_match_the_document(api, client):
    from tests.api.test_schemas import Answers

    answers = Answers(client.get("/api/v1/openapi.json").json)
    admin = api.as_("admin")
    answers.check("/calendar", "get", admin.get("/calendar?from=2027-02-03&days=5&working=1"))
    added = answers.check("/calendar/days", "post", admin.post("/calendar/days", json={
        "date": "2026-12-05", "kind": "working_day", "name": "Làm bù cho ngày nghỉ 31/12"}), 201)
    assert admin.get("/calendar?from=2026-12-04&days=1&working=true").json["ends_on"] == "2026-12-05"
    assert admin.delete(f"/calendar/days/{added['id']}").status_code == 204
