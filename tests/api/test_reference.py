"""Reference data, campaigns, dossier lists with filters and cursors, audit log, public tracking, OpenAPI."""

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from models import AuditEvent
from states.enums import State, Title
from workflow.extensions import db


def test_units_are_those_in_scope_with_their_ancestors(api, world):
    codes = {u["code"] for u in api.as_("applicant2").get("/units").json["items"]}
    assert codes == {"PROV", "TOWN", "WARD", "G2"}
    codes = {u["code"] for u in api.as_("chairman").get("/units").json["items"]}
    assert codes == {"PROV", "TOWN", "WARD", "G1", "G2", "AG"}


def test_titles_carry_their_criteria_sets(api, world):
    titles = {t["code"]: t for t in api.as_("applicant").get("/titles").json["items"]}
    assert set(titles) == set(Title)
    family = titles["model_family"]
    assert family["name"] == "Gia đình kiểu mẫu" and family["subject_kind"] == "household"
    raw = api.as_("applicant").get("/titles").get_data()
    assert "Gia đình kiểu mẫu".encode() in raw  # UTF-8 as-is, not \u escapes
    assert family["criteria_set"]["pass_points"] == 85
    assert sum(c["max_points"] for c in family["criteria_set"]["criteria"]) == 100
    assert {s["max_points"] for s in family["criteria_set"]["standards"]} == {32, 42, 26}
    citizen = titles["model_citizen"]["criteria_set"]
    assert citizen["shape"] == "checklist" and citizen["pass_points"] is None
    assert all(c["max_points"] is None for c in citizen["criteria"])
    assert all(t["criteria_set"]["disqualifiers"] for t in titles.values())
    # Decree 86/2023's household title is assessed for every household, without registration; the others are
    # volunteered for.
    assert {code: t["registration"] for code, t in titles.items()} == {
        "model_citizen": "volunteer", "model_family": "volunteer", "model_group": "volunteer",
        "model_agency": "volunteer", "cultured_family": "every_household"}
    cultured = titles["cultured_family"]
    assert cultured["name"] == "Gia đình văn hóa" and cultured["subject_kind"] == "household"
    assert cultured["criteria_set"]["version"] == "NĐ 86/2023" and cultured["criteria_set"]["shape"] == "checklist"


def campaign_body(world, year=2031, **over):
    return {"year": year, "unit_id": world.units["WARD"].id, "name": f"Thi đua {year}",
            "registration_opens": f"{year}-01-02", "registration_closes": f"{year}-01-31",
            "assessment_due": f"{year}-11-25", "inspection_due": f"{year}-12-10", "decision_due": f"{year}-12-31",
            "settings": {"pass_points": 90}, **over}


def test_admin_creates_one_campaign_per_ward_and_year(api, world):
    created = api.as_("admin").post("/campaigns", json=campaign_body(world))
    assert created.status_code == 201, created.json
    assert created.json["settings"] == {"group_quorum": 0.6, "group_approval": 0.6, "notice_days": 10,
                                        "council_quorum": 2 / 3, "council_approval": 0.7, "pass_points": 90,
                                        "secret_ballot": False, "notice_working_days": False,
                                        "decision_days": 10, "publication_days": 15,
                                        "decision_working_days": False, "decision_authority": "chairman"}
    again = api.as_("admin").post("/campaigns", json=campaign_body(world))
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert api.as_("chairman").post("/campaigns", json=campaign_body(world, 2032)).status_code == 403
    bad = api.as_("admin").post("/campaigns", json=campaign_body(world, 2033, registration_closes="2033-01-01",
                                                                 settings={"group_quorum": 60}))
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"registration_closes", "settings.group_quorum"}
    listed = [c["year"] for c in api.as_("chairman").get("/campaigns").json["items"]]
    assert 2031 in listed and world.campaign2.year in listed and len(listed) == 2


def test_patch_changes_only_what_is_sent_and_is_audited(api, world):
    inspection_due = (world.campaign.assessment_due + timedelta(days=14)).isoformat()
    response = api.as_("admin").patch(f"/campaigns/{world.campaign.id}",
                                      json={"settings": {"notice_days": 7}, "inspection_due": inspection_due})
    assert response.status_code == 200, response.json
    assert response.json["settings"]["notice_days"] == 7
    assert response.json["settings"]["group_quorum"] == 0.6
    assert response.json["inspection_due"] == inspection_due
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.trigger == "campaign_updated")).one()
    assert event.data["changes"]["notice_days"] == {"from": 10, "to": 7}
    assert event.actor == "admin"
    assert api.as_("admin").patch(f"/campaigns/{world.campaign2.id}", json={"name": "x"}).status_code == 404
    assert api.as_("auditor").patch(f"/campaigns/{world.campaign.id}", json={"name": "x"}).status_code == 403


def test_lists_show_only_the_callers_scope(api, world):
    mine = world.dossier(State.REGISTERED)
    theirs = world.dossier(State.REGISTERED, group="G2")

    def ids(name, query=""):
        return {d["id"] for d in api.as_(name).get(f"/dossiers{query}").json["items"]}

    assert ids("applicant") == {mine.id}
    assert ids("applicant2") == {theirs.id}
    assert ids("group_committee") == {mine.id}
    assert ids("chairman") == {mine.id, theirs.id}
    assert ids("outsider_committee") == set()
    assert ids("chairman", f"?unit_id={world.units['G2'].id}") == {theirs.id}


def test_list_filters_and_cursor(api, world):
    drafts = [world.dossier(State.DRAFT, subject_name=f"Hộ bà Lý Thị {n}") for n in range(5)]
    citizen = world.dossier(State.REGISTERED, title=Title.MODEL_CITIZEN, subject_name="Ông Đinh Văn Tí")
    auditor = api.as_("auditor")
    assert {d["id"] for d in auditor.get("/dossiers?state=draft").json["items"]} == {d.id for d in drafts}
    assert [d["id"] for d in auditor.get("/dossiers?title=model_citizen").json["items"]] == [citizen.id]
    assert [d["id"] for d in auditor.get("/dossiers?q=đinh văn").json["items"]] == [citizen.id]
    assert [d["id"] for d in auditor.get("/dossiers?q=DINH VAN ti").json["items"]] == [citizen.id]
    assert auditor.get("/dossiers?q=%25").json["items"] == []
    assert [d["id"] for d in auditor.get(f"/dossiers?q={citizen.tracking_code.lower()}").json["items"]] == [citizen.id]
    seen, cursor, pages = [], None, 0
    while True:
        page = auditor.get("/dossiers?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [d["id"] for d in page["items"]]
        assert (page["total"], page["total_exact"]) == (6, True)  # the whole filtered list, on every page
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == sorted(d.id for d in [*drafts, citizen])
    assert (lambda p: (p["total"], p["total_exact"]))(auditor.get("/dossiers?state=draft&limit=1").json) == (5, True)


def test_the_list_counts_up_to_its_limit_and_says_when_it_stopped(api, world, monkeypatch):
    from workflow.services import paging

    for _ in range(4):
        world.dossier(State.DRAFT)
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)
    auditor = api.as_("auditor")
    page = auditor.get("/dossiers?limit=1").json
    assert (page["total"], page["total_exact"], len(page["items"])) == (4, False, 1)  # counted 3 + 1: "more than 3"
    monkeypatch.setattr(paging, "COUNT_LIMIT", 4)
    assert (lambda p: (p["total"], p["total_exact"]))(auditor.get("/dossiers").json) == (4, True)
    assert (lambda p: (p["total"], p["total_exact"]))(auditor.get("/dossiers?q=khong ai").json) == (0, True)


def test_overdue_lists_dossiers_past_their_stage_deadline(api, world, frozen_clock):
    late = world.dossier(State.WARD_INSPECTION)
    world.dossier(State.REGISTERED)
    assert api.as_("auditor").get("/dossiers?overdue=true").json["items"] == []
    world.campaign.inspection_due = frozen_clock.now().date() - timedelta(days=1)
    db.session.commit()
    assert [d["id"] for d in api.as_("auditor").get("/dossiers?overdue=true").json["items"]] == [late.id]
    assert api.as_("auditor").get(f"/dossiers/{late.id}").json["due_at"].endswith("Z")


def test_audit_log_in_scope_with_filters_and_csv(api, world, frozen_clock):
    ours = world.dossier(State.SELF_ASSESSMENT)
    world.dossier(State.REGISTERED, group="G2")
    auditor = api.as_("auditor")
    accepts = auditor.get("/audit/events?trigger=accept").json["items"]
    assert len(accepts) == 1 and accepts[0]["dossier_id"] == ours.id and accepts[0]["actor"] == "group_committee"
    assert {e["dossier_id"] for e in auditor.get(f"/audit/events?dossier_id={ours.id}").json["items"]} == {ours.id}
    assert {e["trigger"] for e in auditor.get("/audit/events?actor=applicant2").json["items"]} == {"created", "submit"}
    by_unit = auditor.get(f"/audit/events?unit_id={world.units['G2'].id}").json["items"]
    assert by_unit and all(e["dossier_id"] != ours.id for e in by_unit)
    future = (frozen_clock.now() + timedelta(days=1)).date().isoformat()
    assert auditor.get(f"/audit/events?since={future}").json["items"] == []
    assert api.as_("outsider_auditor").get("/audit/events").json["items"] == []
    assert api.as_("applicant").get("/audit/events").status_code == 403
    exported = auditor.get(f"/audit/events?format=csv&dossier_id={ours.id}")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    from workflow.filters import event_label

    assert [r["Sự kiện"] for r in rows] == [event_label(t) for t in ("created", "submit", "accept")]


def test_public_tracking_shows_stages_and_dates_only(client, world):
    dossier = world.dossier(State.SELF_ASSESSMENT, subject_name="Hộ ông Bí Mật")
    response = client.get(f"/api/v1/track/{dossier.tracking_code.lower()}")
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"tracking_code", "title", "state", "state_label", "steps"}
    assert body["state"] == "self_assessment" and body["state_label"] == "Tự đánh giá tại tổ"
    assert [s["state"] for s in body["steps"]] == ["draft", "registered", "self_assessment"]
    text = response.get_data(as_text=True)
    assert "Bí Mật" not in text and dossier.subject_ref not in text and "committee" not in text
    assert client.get("/api/v1/track/KMNOSUCH00").status_code == 404


def test_public_tracking_is_rate_limited(client, world, app):
    app.config["TRACK_REQUESTS_PER_MINUTE"] = 3
    statuses = [client.get("/api/v1/track/KMNOSUCH00").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert client.get("/api/v1/track/KMNOSUCH00").json["error"]["code"] == "too_many_attempts"


def test_openapi_lists_every_path_of_the_contract(client):
    paths = set(client.get("/api/v1/openapi.json").json["paths"])
    assert {"/auth/token", "/me", "/units", "/campaigns", "/campaigns/{id}", "/titles", "/dossiers",
            "/dossiers/{id}", "/dossiers/{id}/assessment", "/dossiers/{id}/inspection", "/dossiers/{id}/votes",
            "/dossiers/{id}/transitions", "/dossiers/{id}/history", "/decisions", "/decisions/{id}",
            "/audit/events", "/audit/verify", "/track/{tracking_code}"} <= paths


def test_history_hides_who_voted_from_the_applicant_but_not_from_the_auditor(api, world):
    from workflow.services import records

    dossier = world.dossier(State.COUNCIL_REVIEW)
    records.cast_vote(world.users["council3"], dossier, "reject", "Lý do riêng của thành viên")
    db.session.commit()
    mine = api.as_("applicant").get(f"/dossiers/{dossier.id}/history").json
    vote = [e for e in mine["events"] if e["trigger"] == "vote_cast"][0]
    assert (vote["actor"], vote["comment"], vote["data"]) == (None, "", {}) and mine["chain_valid"]
    audited = api.as_("auditor").get(f"/dossiers/{dossier.id}/history").json
    vote = [e for e in audited["events"] if e["trigger"] == "vote_cast"][0]
    assert (vote["actor"], vote["data"]["vote"]) == ("council3", "reject")
