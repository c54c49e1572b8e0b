"""The served OpenAPI document, listing every path of API.md."""

from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, *, body: bool = False, ok: str = "200", public: bool = False,
        params: list[str] | None = None) -> dict:
    op: dict = {"summary": summary, "responses": {ok: {"description": "OK"}}}
    for status in ("400", "401", "403", "404", "409", "422"):
        op["responses"][status] = {"description": "error", "content": {"application/json": {"schema": ERROR}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    if public:
        op["security"] = []
    if params:
        op["parameters"] = [{"name": p, "in": "query", "required": False, "schema": {"type": "string"}}
                            for p in params]
    return op


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def openapi_document() -> dict:
    paths = {
        "/auth/token": {"post": _op("Get a bearer token", body=True, public=True)},
        "/me": {"get": _op("The caller and their roles")},
        "/units": {"get": _op("Units in scope", params=["limit", "cursor"])},
        "/campaigns": {"get": _op("Campaigns in scope", params=["limit", "cursor"]),
                       "post": _op("Create a campaign (admin)", body=True, ok="201")},
        "/campaigns/{id}": {"patch": _op("Change a campaign (admin)", body=True)},
        "/titles": {"get": _op("Titles and their current criteria sets")},
        "/dossiers": {"get": _op("Dossiers in scope", params=["state", "title", "unit_id", "campaign_id", "q",
                                                                "overdue", "limit", "cursor"]),
                      "post": _op("Create a dossier (draft)", body=True, ok="201")},
        "/dossiers/{id}": {"get": _op("A dossier with available_triggers"),
                           "patch": _op("Edit a draft", body=True)},
        "/dossiers/{id}/assessment": {"put": _op("Save the self-assessment and meeting", body=True)},
        "/dossiers/{id}/inspection": {"put": _op("Save the inspection", body=True)},
        "/dossiers/{id}/votes": {"post": _op("Cast a council vote", body=True, ok="201")},
        "/dossiers/{id}/objections": {"post": _op("Record an objection", body=True, ok="201")},
        "/dossiers/{id}/objections/{objection_id}/answer": {"post": _op("Answer an objection", body=True)},
        "/dossiers/{id}/transitions": {"post": _op("Fire a trigger", body=True)},
        "/dossiers/{id}/attachments": {"post": _op("Upload evidence (multipart file, kind)", ok="201")},
        "/dossiers/{id}/attachments/{att_id}": {"get": _op("Download an attachment")},
        "/dossiers/{id}/history": {"get": _op("History with chain_valid")},
        "/decisions": {"post": _op("Batch decision (chairman)", body=True, ok="201")},
        "/decisions/{id}": {"get": _op("Read a decision")},
        "/audit/events": {"get": _op("Audit events in scope", params=["since", "until", "actor", "trigger",
                                                                      "unit_id", "dossier_id", "format",
                                                                      "limit", "cursor"])},
        "/audit/verify": {"get": _op("Verify every hash chain in scope")},
        "/track/{tracking_code}": {"get": _op("Public progress of a dossier", public=True)},
    }
    for path, item in paths.items():
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        if names:
            item["parameters"] = [_path_param(n) for n in names]
    return {
        "openapi": "3.1.0",
        "info": {"title": "kieumau API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message", "fields"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                               "fields": {"type": "object"}}}}}},
        },
    }
