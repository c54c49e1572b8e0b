"""The served OpenAPI 3.1 document, generated from the routes' `@operation` declarations and Flask's url_map:
request bodies, query and path parameters, answers and errors come from the same pydantic models that parse
the requests, so the document cannot drift from what the API enforces."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from workflow.api import schemas
from workflow.api.operations import Operation, operation_of

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
CONVERTER_PATTERN = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")

ERRORS = {
    400: ("BadRequest", "bad_request: the body is not a JSON object (or not multipart/form-data)"),
    401: ("Unauthenticated", "unauthenticated (no or expired token) or invalid_credentials"),
    403: ("Forbidden", "forbidden: the caller's role or scope does not allow it"),
    404: ("NotFound", "not_found: no such path or id, or outside the caller's scope"),
    405: ("MethodNotAllowed", "method_not_allowed (the Allow header lists the methods)"),
    409: ("Conflict", "invalid_transition, version_conflict or conflict"),
    413: ("TooLarge", "too_large: the body is over the size limit"),
    422: ("Unprocessable", "validation_failed (fields names each bad field) or guard_failed"),
    429: ("TooManyAttempts", "too_many_attempts: wait and retry"),
}


class Schemas(GenerateJsonSchema):
    """pydantic's JSON Schema without a title on every property (the name says it)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


class UndocumentedRoute(RuntimeError):
    """An API route without an `@operation` declaration."""


def api_rules(app: Flask) -> list:
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX + "/")), key=lambda r: r.rule)


def undocumented_routes(app: Flask) -> list[str]:
    return [rule.rule for rule in api_rules(app) if operation_of(app.view_functions[rule.endpoint]) is None]


def _path_parameters(app: Flask, rule) -> tuple[str, list[dict]]:
    parameters = []

    def to_openapi(match: re.Match) -> str:
        converter = app.url_map.converters[match["converter"] or "default"]
        schema = dict(getattr(converter, "json_schema", {"type": "string"}))
        parameters.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
        return "{" + match["name"] + "}"

    return CONVERTER_PATTERN.sub(to_openapi, rule.rule.removeprefix(PREFIX)), parameters


def _unwrap_nullable(schema: dict) -> dict:
    options = schema.get("anyOf")
    if options and any(o.get("type") == "null" for o in options):
        rest = [o for o in options if o.get("type") != "null"]
        if len(rest) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            return {**rest[0], **merged}
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF, schema_generator=Schemas)
    if "$defs" in schema:
        raise UndocumentedRoute(f"{model.__name__}: a query cannot hold nested objects")
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema["properties"].items():
        prop = _unwrap_nullable(prop)
        if prop.get("default") is None:
            prop.pop("default", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop["description"]
        out.append(parameter)
    return out


def _error_statuses(op: Operation) -> list[int]:
    statuses = {404, 405, *op.errors}
    if op.body is not None or op.form is not None:
        statuses |= {400, 413, 422}
    if op.query is not None:
        statuses.add(422)
    if not op.public:
        statuses |= {401, 403, 409, 422}
    return sorted(statuses)


def _operation(app: Flask, rule, op: Operation, refs: dict, path_parameters: list[dict]) -> dict:
    out: dict[str, Any] = {"operationId": rule.endpoint.split(".")[-1], "summary": op.summary,
                           "tags": [rule.rule.removeprefix(PREFIX).split("/")[1]]}
    if op.description:
        out["description"] = op.description
    parameters = list(path_parameters)
    if op.query is not None:
        parameters += _query_parameters(op.query)
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": refs[op.body]}}}
    if op.form is not None:
        out["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": refs[op.form]}}}
    content: dict[str, Any] = {}
    if op.response is not None:
        content["application/json"] = {"schema": refs[op.response]}
    content.update(op.media)
    success: dict[str, Any] = {"description": op.summary}
    if content:
        success["content"] = content
    out["responses"] = {str(op.status): success}
    for status in _error_statuses(op):
        out["responses"][str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    out["security"] = [] if op.public else [{"bearer": []}]
    return out


def openapi_document(app: Flask) -> dict:
    cached = app.extensions.get("kieumau_openapi")
    if cached is None:
        cached = app.extensions["kieumau_openapi"] = build(app)
    return cached


def build(app: Flask) -> dict:
    missing = undocumented_routes(app)
    if missing:
        raise UndocumentedRoute("API routes without @operation: " + ", ".join(missing))
    found = []
    for rule in api_rules(app):
        op = operation_of(app.view_functions[rule.endpoint])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule, method.lower(), op))
    models: dict[tuple[type[BaseModel], str], None] = {(schemas.Error, "serialization"): None}
    for _, _, op in found:
        for model in (op.body, op.form):
            if model is not None:
                models[(model, "validation")] = None
        if op.response is not None:
            models[(op.response, "serialization")] = None
    keys, definitions = models_json_schema(list(models), ref_template=REF, schema_generator=Schemas)
    refs = {model: ref for (model, _), ref in keys.items()}
    paths: dict[str, dict] = {}
    for rule, method, op in found:
        path, path_parameters = _path_parameters(app, rule)
        paths.setdefault(path, {})[method] = _operation(app, rule, op, refs, path_parameters)
    error_ref = refs[schemas.Error]
    return {
        "openapi": "3.1.0",
        "info": {"title": "kieumau API", "version": "1",
                 "description": "Hồ sơ danh hiệu kiểu mẫu — the JSON API v1 (API.md). Errors are "
                                "{\"error\": {\"code\", \"message\", \"fields\"}}; messages are Vietnamese."},
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "POST /auth/token gives one"}},
            "schemas": definitions.get("$defs", {}),
            "responses": {name: {"description": text, "content": {"application/json": {"schema": error_ref}}}
                          for name, text in ERRORS.values()},
        },
    }
