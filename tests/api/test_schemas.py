"""The schema layer: one set of pydantic models parses every body and query and is the served OpenAPI document.
These tests hold the document to the routes (every route declared, valid OpenAPI 3.1, exact request schemas,
answers that match what is served) and the models to their rules (strict integers, clean bounded strings,
Vietnamese reasons keyed like the services key them)."""

from __future__ import annotations

import io
from datetime import date

import jsonschema_rs
import pytest
import schemathesis

from models import Decision, Dossier, DossierMember, User
from models.campaigns import DEFAULT_SETTINGS
from states.enums import State
from tests.api.helpers import assessment_payload, criteria_of, read
from workflow import limits
from workflow.api import schemas
from workflow.api.inputs import field_reasons, validate
from workflow.api.openapi import UndocumentedRoute, build, undocumented_routes
from workflow.services.errors import ValidationFailed

PUBLIC = {("/public/certificates/{certificate_code}", "get"),
          ("/auth/token", "post"), ("/track/{tracking_code}", "get"), ("/openapi.json", "get"),
          ("/public/notices", "get"), ("/public/recognized", "get"), ("/public/verify-pdf", "post")}
CONTRACT_PATHS = {  # API.md, as far as it is built
    "/auth/token", "/auth/logout", "/me", "/units", "/campaigns", "/campaigns/{id}", "/titles", "/dossiers",
    "/dossiers/{id}", "/dossiers/{id}/assessment", "/dossiers/{id}/inspection", "/dossiers/{id}/votes",
    "/dossiers/{id}/objections", "/dossiers/{id}/objections/{objection_id}/answer", "/dossiers/{id}/transitions",
    "/dossiers/{id}/attachments", "/dossiers/{id}/attachments/{att_id}", "/dossiers/{id}/history", "/decisions",
    "/decisions/{id}", "/audit/events", "/audit/verify", "/track/{tracking_code}", "/openapi.json",
    "/dossiers/{id}/disqualifiers", "/delegations", "/delegations/{id}",
    "/units/{unit_id}/meetings/{campaign_id}", "/units/{unit_id}/proposals/{campaign_id}", "/transitions/batch",
    "/public/notices", "/public/recognized",
    "/public/certificates/{certificate_code}", "/public/verify-pdf",
    "/calendar", "/calendar/days", "/calendar/days/{id}",
    "/streaks", "/dossiers/{id}/renew",
    "/me/inbox", "/me/inbox/{id}/read", "/imports/registrations", "/imports/registrations/template", "/stats",
    "/audit/seals", "/auth/tokens", "/auth/tokens/{id}",
}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def doc(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def schema_of(doc, ref_or_schema: dict) -> dict:
    if "$ref" in ref_or_schema:
        return doc["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    return ref_or_schema


# --- the document and the routes ------------------------------------------------------------------------------


def test_every_api_route_declares_an_operation(app):
    assert undocumented_routes(app) == []


def test_a_route_without_a_declaration_is_caught(app):
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: {})
    assert undocumented_routes(app) == ["/api/v1/forgotten"]
    with pytest.raises(UndocumentedRoute):
        build(app)


def test_the_document_is_valid_openapi_31(doc):
    assert doc["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(doc).validate()  # the OpenAPI 3.1 meta-schema
    for schema in doc["components"]["schemas"].values():
        jsonschema_rs.meta.validate(schema)  # JSON Schema 2020-12
        jsonschema_rs.validator_for({**schema, "components": doc["components"]})  # refs resolve, patterns compile
    for path, method, op in operations(doc):
        for parameter in op.get("parameters", []):
            jsonschema_rs.meta.validate(parameter["schema"])
        for status, response in op["responses"].items():
            assert status.isdigit() and ("$ref" in response or "description" in response), (path, method, status)


def test_the_document_lists_the_contracts_paths(doc):
    assert set(doc["paths"]) == CONTRACT_PATHS


def test_path_parameters_are_bounded_ids_or_codes(doc):
    seen = 0
    for path, _, op in operations(doc):
        for parameter in (p for p in op.get("parameters", []) if p["in"] == "path"):
            seen += 1
            assert parameter["required"] is True and "{" + parameter["name"] + "}" in path
            if parameter["name"] == "tracking_code":
                assert parameter["schema"] == {"type": "string", "pattern": "^[A-Za-z0-9]{1,16}$"}
            elif parameter["name"] == "certificate_code":
                assert parameter["schema"] == {"type": "string", "pattern": "^[A-Za-z0-9-]{1,20}$"}
            else:
                assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": limits.ID_MAX}
    assert seen == 29  # one per path parameter of every operation


def test_security_is_declared_per_operation(doc):
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "POST /auth/token gives one"}
    for path, method, op in operations(doc):
        expected = [] if (path, method) in PUBLIC else [{"bearer": []}]
        assert op["security"] == expected, (path, method)
        if (path, method) not in PUBLIC:
            assert "401" in op["responses"] and "403" in op["responses"]


def test_errors_are_documented_with_the_error_schema(doc):
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = schema_of(doc, error["properties"]["error"])
    assert set(detail["required"]) == {"code", "message", "fields"}
    for name, response in doc["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, name
    statuses = {status for _, _, op in operations(doc) for status in op["responses"]}
    assert {"200", "201", "204", "400", "401", "403", "404", "405", "409", "413", "422", "429"} <= statuses
    for path, method, op in operations(doc):
        if "requestBody" in op:
            assert {"400", "413", "422"} <= set(op["responses"]), (path, method)
    assert "429" in doc["paths"]["/auth/token"]["post"]["responses"]
    assert "429" in doc["paths"]["/track/{tracking_code}"]["get"]["responses"]


@pytest.mark.parametrize(("path", "method", "required"), [
    ("/auth/token", "post", {"username", "password"}),
    ("/campaigns", "post", {"year", "unit_id", "name", "registration_opens", "registration_closes",
                            "assessment_due", "inspection_due", "decision_due"}),
    ("/campaigns/{id}", "patch", set()),
    ("/dossiers", "post", {"campaign_id", "title", "unit_id", "subject_name", "subject_ref"}),
    ("/dossiers/{id}", "patch", {"version"}),
    ("/dossiers/{id}/assessment", "put", {"version"}),
    ("/dossiers/{id}/inspection", "put", {"version"}),
    ("/dossiers/{id}/votes", "post", {"vote"}),
    ("/dossiers/{id}/objections", "post", {"text"}),
    ("/dossiers/{id}/objections/{objection_id}/answer", "post", {"answer", "upheld"}),
    ("/dossiers/{id}/transitions", "post", {"trigger", "version"}),
    ("/decisions", "post", {"number", "signed_on", "outcome", "dossier_ids"}),
    ("/calendar/days", "post", {"date", "kind", "name"}),
])
def test_request_bodies_are_exact(doc, path, method, required):
    body = doc["paths"][path][method]["requestBody"]
    assert body["required"] is True and list(body["content"]) == ["application/json"]
    schema = schema_of(doc, body["content"]["application/json"]["schema"])
    assert set(schema.get("required", [])) == required
    for name, prop in schema["properties"].items():
        options = prop.get("anyOf", [prop])
        for option in options:
            if option.get("type") == "string" and "enum" not in option and option.get("format") not in (
                    "date", "binary"):
                assert option["maxLength"] <= 5000 and "pattern" in option, (path, name)
            if option.get("type") == "integer":
                assert "minimum" in option and "maximum" in option, (path, name)


def test_request_body_details(doc):
    components = doc["components"]["schemas"]
    assert components["VoteIn"]["properties"]["vote"] == {"type": "string", "enum": ["approve", "reject", "abstain"]}
    assert components["InspectionIn"]["properties"]["recommendation"]["anyOf"][0]["enum"] == ["pass", "fail"]
    assert components["DecisionIn"]["properties"]["outcome"]["enum"] == ["recognize", "refuse"]
    ids = components["DecisionIn"]["properties"]["dossier_ids"]
    assert (ids["minItems"], ids["maxItems"], ids["uniqueItems"]) == (1, limits.DOSSIER_IDS_MAX, True)
    assert ids["items"] == {"type": "integer", "minimum": 1, "maximum": limits.ID_MAX}
    transition = components["TransitionIn"]["properties"]
    assert "submit" in transition["trigger"]["enum"] and "recognize" in transition["trigger"]["enum"]
    member = components["MemberIn"]
    assert member["required"] == ["name"]
    assert member["properties"]["personal_id"]["anyOf"][0]["pattern"] == "^[0-9]{12}$"
    assert components["DossierIn"]["properties"]["members"]["anyOf"][0]["maxItems"] == limits.MEMBERS_MAX
    assert set(components["AssessmentIn"]["properties"]) == {"version", "items", "meeting", "disqualifiers"}
    assert set(components["MeetingIn"]["required"]) == {"held_on", "invited", "attendees", "votes_for"}
    assert components["MeetingIn"]["properties"]["held_on"] == {"type": "string", "format": "date"}
    assert components["CampaignSettingsIn"]["additionalProperties"] is False
    assert components["TokenIn"]["properties"]["password"]["maxLength"] == limits.PASSWORD


def test_attachments_are_multipart_with_a_binary_file(doc):
    op = doc["paths"]["/dossiers/{id}/attachments"]["post"]
    assert list(op["requestBody"]["content"]) == ["multipart/form-data"]
    form = schema_of(doc, op["requestBody"]["content"]["multipart/form-data"]["schema"])
    assert form["required"] == ["file"]
    assert (form["properties"]["file"]["type"], form["properties"]["file"]["format"]) == ("string", "binary")
    assert "evidence" in form["properties"]["kind"]["enum"]
    download = doc["paths"]["/dossiers/{id}/attachments/{att_id}"]["get"]["responses"]["200"]["content"]
    assert set(download) == {"application/pdf", "image/png", "image/jpeg"}


def test_query_parameters_come_from_the_query_models(doc):
    params = {p["name"]: p for p in doc["paths"]["/dossiers"]["get"]["parameters"] if p["in"] == "query"}
    assert set(params) == {"limit", "cursor", "state", "title", "unit_id", "campaign_id", "q", "overdue", "format"}
    assert params["format"]["schema"]["enum"] == ["json", "csv", "xlsx"]
    assert not any(p["required"] for p in params.values())
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": limits.LIMIT_MAX,
                                         "default": limits.LIMIT_DEFAULT}
    assert params["unit_id"]["schema"] == {"type": "integer", "minimum": 1, "maximum": limits.ID_MAX}
    assert params["q"]["schema"]["maxLength"] == limits.QUERY
    assert "draft" in params["state"]["schema"]["enum"]
    audit = {p["name"]: p for p in doc["paths"]["/audit/events"]["get"]["parameters"]}
    assert set(audit) == {"limit", "cursor", "since", "until", "actor", "trigger", "unit_id", "dossier_id", "format",
                          "tracking_code", "person"}
    assert audit["format"]["schema"]["enum"] == ["json", "csv", "xlsx"]
    answers = doc["paths"]["/audit/events"]["get"]["responses"]["200"]["content"]
    assert set(answers) == {"application/json", "text/csv",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    for path in ("/units", "/campaigns"):
        assert {p["name"] for p in doc["paths"][path]["get"]["parameters"]} == {"limit", "cursor"}


def test_logout_is_documented_as_204(doc):
    op = doc["paths"]["/auth/logout"]["post"]
    assert op["responses"]["204"] == {"description": "Revoke the calling token"} and "requestBody" not in op


# --- what is served matches what is documented -------------------------------------------------------------------


class Answers:
    def __init__(self, doc):
        self.doc = doc

    def check(self, path: str, method: str, response, status: int = 200) -> dict:
        assert response.status_code == status, response.get_data(as_text=True)
        documented = self.doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
        validator = jsonschema_rs.validator_for({**documented["schema"], "components": self.doc["components"]},
                                                validate_formats=True)
        body = response.json
        errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, (path, errors)
        self.all_fields_documented(documented["schema"], body, path)
        return body

    def all_fields_documented(self, schema: dict, value, where: str) -> None:
        schema = schema_of(self.doc, schema)
        if "anyOf" in schema:
            schema = next((schema_of(self.doc, o) for o in schema["anyOf"] if o.get("type") != "null"), schema)
        if isinstance(value, dict) and "properties" in schema:
            assert set(value) <= set(schema["properties"]), (where, set(value) - set(schema["properties"]))
            for key, item in value.items():
                if key != "data":
                    self.all_fields_documented(schema["properties"][key], item, f"{where}.{key}")
        elif isinstance(value, list) and "items" in schema:
            for item in value:
                self.all_fields_documented(schema["items"], item, f"{where}[]")


def test_answers_match_their_documented_schemas(api, world, doc, client, frozen_clock):
    answers = Answers(doc)
    token = client.post("/api/v1/auth/token", json={"username": "chairman", "password": "demo12345"})
    answers.check("/auth/token", "post", token)
    chairman, auditor, committee = api.as_("chairman"), api.as_("auditor"), api.as_("group_committee")
    answers.check("/me", "get", chairman.get("/me"))
    answers.check("/units", "get", chairman.get("/units"))
    answers.check("/campaigns", "get", chairman.get("/campaigns"))
    answers.check("/titles", "get", chairman.get("/titles"))
    created = answers.check("/dossiers", "post", api.as_("applicant").post("/dossiers", json={
        "campaign_id": world.campaign.id, "title": "model_family", "unit_id": world.units["G1"].id,
        "subject_name": "  Hộ bà Tư  ", "subject_ref": "HK-77", "members": [
            {"name": "Bà Tư", "personal_id": "038012345678", "relation": "chủ hộ"}], "unknown": {"ignored": 1}}),
        201)
    assert created["subject_name"] == "Hộ bà Tư"
    members = [(m.name, m.personal_id, m.relation) for m in db_members(created["id"])]
    assert members == [("Bà Tư", "038012345678", "chủ hộ")]
    answers.check("/dossiers/{id}", "patch", api.as_("applicant").patch(
        f"/dossiers/{created['id']}", json={"version": created["version"], "note": "Ghi chú\nhai dòng"}))
    answers.check("/dossiers", "get", auditor.get("/dossiers?limit=1"))
    assessing = world.dossier(State.SELF_ASSESSMENT)
    criteria = criteria_of(committee, "model_family")
    answers.check("/dossiers/{id}/assessment", "put", committee.put(
        f"/dossiers/{assessing.id}/assessment", json=assessment_payload(criteria, read(committee, assessing.id)[
            "version"], held_on=frozen_clock.now().date().isoformat())))
    answers.check("/dossiers/{id}", "get", committee.get(f"/dossiers/{assessing.id}"))
    answers.check("/dossiers/{id}/attachments", "post", committee.post(
        f"/dossiers/{assessing.id}/attachments", data={"file": (io.BytesIO(PDF), "bb.pdf"), "kind": "evidence"},
        content_type="multipart/form-data"), 201)
    answers.check("/dossiers/{id}/history", "get", auditor.get(f"/dossiers/{assessing.id}/history"))
    answers.check("/audit/events", "get", auditor.get("/audit/events?limit=3"))
    answers.check("/audit/verify", "get", auditor.get("/audit/verify"))
    review = world.dossier(State.COUNCIL_REVIEW)
    answers.check("/dossiers/{id}/votes", "post", api.as_("council1").post(
        f"/dossiers/{review.id}/votes", json={"vote": "approve", "comment": "  Nhất trí "}), 201)
    registered = world.dossier(State.REGISTERED)
    answers.check("/dossiers/{id}/transitions", "post", committee.post(
        f"/dossiers/{registered.id}/transitions", json={"trigger": "accept", "version": registered.version,
                                                        "comment": " Đủ hồ sơ ", "data": {}}))
    awaiting = world.dossier(State.AWAITING_DECISION)
    decision = answers.check("/decisions", "post", chairman.post("/decisions", json={
        "number": "7/QĐ-UBND", "signed_on": frozen_clock.now().date().isoformat(), "outcome": "recognize",
        "dossier_ids": [awaiting.id]}), 201)
    answers.check("/decisions/{id}", "get", chairman.get(f"/decisions/{decision['id']}"))
    answers.check("/track/{tracking_code}", "get", client.get(f"/api/v1/track/{awaiting.tracking_code}"))
    notice = world.dossier(State.PUBLIC_NOTICE)
    inspector = api.as_("ward_inspector")
    objection = answers.check("/dossiers/{id}/objections", "post", inspector.post(
        f"/dossiers/{notice.id}/objections", json={"text": "Hàng xóm phản ánh"}), 201)
    answers.check("/dossiers/{id}/objections/{objection_id}/answer", "post", inspector.post(
        f"/dossiers/{notice.id}/objections/{objection['id']}/answer", json={"answer": "Đã xác minh",
                                                                            "upheld": False}))
    assert isinstance(db_decision(decision["id"]).signed_on, date)


def db_members(dossier_id: int) -> list[DossierMember]:
    from workflow.extensions import db

    return list(db.session.get(Dossier, dossier_id).members)


def db_decision(decision_id: int) -> Decision:
    from workflow.extensions import db

    return db.session.get(Decision, decision_id)


# --- the models' rules ------------------------------------------------------------------------------------------


def reasons(model, data, **context) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        validate(model, data, context=context or None)
    assert refused.value.status == 422 and refused.value.code == "validation_failed"
    return refused.value.fields


def test_field_names_and_reasons_are_the_services(app):
    fields = reasons(schemas.AssessmentIn, {
        "version": 3, "items": [{"criterion": "1.1", "points": "5"}, {"criterion": "1.2", "met": "yes"}],
        "meeting": {"held_on": "05/01/2026", "invited": "20", "attendees": -1}})
    assert fields == {"items[0].points": "phải là số nguyên", "items[1].met": "phải là true hoặc false",
                      "meeting.held_on": "ngày không hợp lệ, dùng dạng YYYY-MM-DD",
                      "meeting.invited": "phải là số nguyên", "meeting.attendees": "phải ≥ 0",
                      "meeting.votes_for": "bắt buộc"}
    fields = reasons(schemas.AssessmentIn, {"version": 3, "meeting": {"held_on": "2026-01-05", "invited": 10,
                                                                      "attendees": 12, "votes_for": 13}})
    assert set(fields) == {"meeting.attendees", "meeting.votes_for"}
    assert reasons(schemas.DossierIn, {"title": "x"})["title"].startswith("danh hiệu không hợp lệ: model_citizen")
    assert reasons(schemas.VoteIn, {"vote": ["approve"]}) == {"vote": "phải là approve, reject hoặc abstain"}
    assert reasons(schemas.AssessmentIn, {"version": 1, "items": "x"}) == {"items": "phải là danh sách"}
    assert reasons(schemas.AssessmentIn, {"version": 1, "meeting": [1]}) == {"meeting": "phải là đối tượng JSON"}
    assert reasons(schemas.DecisionIn, {"number": "", "signed_on": "31/12/2026", "outcome": "refuse",
                                        "dossier_ids": [1, 1]}) == {
        "number": "bắt buộc", "signed_on": "ngày không hợp lệ, dùng dạng YYYY-MM-DD",
        "dossier_ids": "mã hồ sơ bị lặp", "comment": "bắt buộc ghi rõ lý do không công nhận"}
    assert reasons(schemas.DecisionIn, {"dossier_ids": []})["dossier_ids"] == "ít nhất 1 phần tử"


def test_the_scoresheet_is_checked_against_the_dossiers_criteria(api, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    codes = [c.code for c in dossier.criteria_set.criteria]
    top = dossier.criteria_set.criteria[0].max_points
    fields = reasons(schemas.AssessmentIn, {"version": 1, "items": [
        {"criterion": "9.9"}, {"criterion": codes[0], "points": top + 1}, {"criterion": codes[1]},
        {"criterion": codes[1]}], "disqualifiers": ["NOPE"]}, dossier=dossier)
    assert set(fields) == {"items[0].criterion", "items[1].points", "disqualifiers"}
    fields = reasons(schemas.AssessmentIn, {"version": 1, "items": [{"criterion": codes[1]}, {"criterion": codes[1]}]},
                     dossier=dossier)
    assert fields == {"items[1].criterion": f"tiêu chí {codes[1]} lặp lại"}


@pytest.mark.parametrize(("value", "why"), [
    (True, "phải là số nguyên"), (1.0, "phải là số nguyên"), ("1", "phải là số nguyên"), (None, "bắt buộc"),
    (0, "phải ≥ 1"), (limits.ID_MAX + 1, f"phải ≤ {limits.ID_MAX}"), (2**70, f"phải ≤ {limits.ID_MAX}"),
])
def test_body_integers_are_strict_and_bounded(app, value, why):
    assert reasons(schemas.TransitionIn, {"trigger": "submit", "version": value}) == {"version": why}


@pytest.mark.parametrize(("value", "why"), [
    ("-1", "phải là số nguyên"), ("--5", "phải là số nguyên"), ("²", "phải là số nguyên"), ("١٢", "phải là số nguyên"),
    ("1.5", "phải là số nguyên"), ("0", "phải ≥ 1"), ("501", "phải ≤ 500"), ("9" * 40, "phải ≤ 500"),
])
def test_query_integers_are_ascii_digits(app, value, why):
    assert reasons(schemas.PageQuery, {"limit": value}) == {"limit": why}
    assert validate(schemas.PageQuery, {"limit": "7", "cursor": ""}).limit == 7
    assert validate(schemas.PageQuery, {}).limit == limits.LIMIT_DEFAULT


def test_strings_are_stripped_bounded_and_clean(app):
    parsed = validate(schemas.DossierPatchIn, {"version": 1, "subject_name": "  Hộ ông Ba  ", "note": " a\nb\tc\n"})
    assert parsed.payload() == {"version": 1, "subject_name": "Hộ ông Ba", "note": "a\nb\tc"}
    assert reasons(schemas.DossierPatchIn, {"version": 1, "subject_name": "   "}) == {"subject_name": "bắt buộc"}
    assert reasons(schemas.DossierPatchIn, {"version": 1, "subject_name": "x" * (limits.NAME + 1)}) == {
        "subject_name": f"dài quá {limits.NAME} ký tự"}
    bad = "chứa ký tự không hợp lệ (ký tự điều khiển hoặc mã UTF-16 lẻ)"
    for text in ("a\x00b", "\ud800", "x\udfff", "line\nbreak", "\x1b[31m", "\x85"):
        assert reasons(schemas.DossierPatchIn, {"version": 1, "subject_name": text}) == {"subject_name": bad}
    assert reasons(schemas.DossierPatchIn, {"version": 1, "note": "a\x00"}) == {"note": bad}
    assert reasons(schemas.DossierPatchIn, {"version": 1, "note": ["x"]}) == {"note": "phải là chuỗi ký tự"}
    assert validate(schemas.TokenIn, {"username": " an ", "password": " p w "}).payload() == {
        "username": "an", "password": " p w "}  # a password is taken as typed


def test_unknown_top_level_fields_are_ignored_but_settings_are_not(app):
    assert validate(schemas.VoteIn, {"vote": "approve", "extra": {"deep": [1]}}).payload() == {"vote": "approve"}
    assert reasons(schemas.CampaignPatchIn, {"settings": {"notice_dayz": 3}}) == {
        "settings.notice_dayz": "không có tham số này"}


def test_a_patch_passes_on_only_what_was_sent(app):
    assert validate(schemas.CampaignPatchIn, {"settings": {"notice_days": 7}}).payload() == {
        "settings": {"notice_days": 7}}
    assert validate(schemas.DossierPatchIn, {"version": 2, "note": None}).payload() == {"version": 2, "note": None}


def test_the_audit_filter_keeps_the_listings_formats(app):
    for moment in ("2026-01-05", "2026-01-05T03:15:00Z", "2026-01-05T10:15:00+07:00", "2026-01-05T03:15"):
        assert validate(schemas.AuditQuery, {"since": moment}).filters() == {"since": moment}
    for moment in ("05/01/2026", "2026-13-01", "yesterday", "0001-01-01"):
        assert set(reasons(schemas.AuditQuery, {"since": moment})) == {"since"}


def test_cursors_round_trip(app):
    assert validate(schemas.PageQuery, {"cursor": schemas.encode_cursor(1234)}).cursor == 1234
    for cursor in ("%%%", "LTE", schemas.encode_cursor(limits.ID_MAX + 1), "AAAAAAAAAAAAAAAAAAAA"):
        assert reasons(schemas.PageQuery, {"cursor": cursor}) == {"cursor": "cursor không hợp lệ"}


def test_every_reason_is_vietnamese(app):
    fields = field_reasons(_error(schemas.DossierIn, {"campaign_id": [], "unit_id": {}, "members": "x",
                                                       "on_behalf": "yes", "subject_ref": 5}))
    assert all(not reason.startswith(("Input", "Field", "Value")) for reason in fields.values()), fields


def _error(model, data):
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return caught.value


# --- one place for limits ------------------------------------------------------------------------------------


def test_limits_fit_the_columns():
    def length(column) -> int:
        return column.property.columns[0].type.length

    for limit, column in [(limits.NAME, Dossier.subject_name), (limits.REF, Dossier.subject_ref),
                          (limits.ADDRESS, Dossier.subject_address), (limits.DECISION_NUMBER, Decision.number),
                          (limits.USERNAME, User.username), (limits.NAME, User.full_name),
                          (limits.NAME, DossierMember.name), (limits.RELATION, DossierMember.relation),
                          (limits.PERSONAL_ID_DIGITS, User.personal_id),
                          (limits.PERSONAL_ID_DIGITS, DossierMember.personal_id),
                          (limits.TRACKING_CODE, Dossier.tracking_code)]:
        assert length(column) >= limit, column


def test_the_schemas_read_the_limits(doc):
    components = doc["components"]["schemas"]

    def max_length(model: str, name: str) -> int:
        prop = components[model]["properties"][name]
        return prop.get("maxLength") or prop["anyOf"][0]["maxLength"]

    assert max_length("DossierIn", "subject_name") == limits.NAME
    assert max_length("DossierIn", "subject_ref") == limits.REF
    assert max_length("DossierIn", "subject_address") == limits.ADDRESS
    assert max_length("DossierIn", "note") == limits.NOTE
    assert max_length("TransitionIn", "comment") == limits.COMMENT
    assert max_length("VoteIn", "comment") == limits.COMMENT
    assert max_length("ObjectionIn", "text") == limits.OBJECTION
    assert max_length("AnswerIn", "answer") == limits.ANSWER
    assert max_length("DecisionIn", "number") == limits.DECISION_NUMBER
    assert max_length("TokenIn", "username") == limits.USERNAME
    assert max_length("AssessmentItemIn", "criterion") == limits.CODE


def test_campaign_settings_are_the_models():
    assert set(schemas.CampaignSettingsIn.model_fields) == set(DEFAULT_SETTINGS)
    assert set(schemas.CampaignSettingsOut.model_fields) == set(DEFAULT_SETTINGS)
