"""`@operation`: what an API route takes and answers, declared once. The decorator authenticates the caller,
parses the query, JSON body or multipart form with the declared schemas, hands the parsed models to the view
and turns its dict into JSON with the declared status; openapi.py generates the served document from the same
declarations (every API route must have one — a test checks).

    @bp.post("/dossiers/<int:id>/votes")
    @operation(summary="Cast a council vote", body=schemas.VoteIn, response=schemas.VoteOut, status=201,
               load=data_step("vote"))
    def post_vote(id: int, dossier: Dossier, body: schemas.VoteIn) -> dict:
        ...

Order of refusals: 401 (no valid token) → `load` (404 outside scope, 403 not the caller's step) → 400 (body
not a JSON object) → 422 (a field refused by the schema) → whatever the service refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from pydantic import BaseModel

from workflow.api.inputs import form_fields, json_body, query_args, validate
from workflow.services import accounts
from workflow.services.errors import BadRequest, Unauthenticated


@dataclass(frozen=True)
class Operation:
    summary: str
    body: type[BaseModel] | None = None  # application/json request body
    form: type[BaseModel] | None = None  # multipart/form-data request body
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None  # the JSON answer's shape (None: `media` only, or no content)
    status: int = 200
    public: bool = False  # no bearer token (the token itself, public tracking, this document)
    media: dict[str, dict] = field(default_factory=dict)  # other answer types: {"text/csv": {schema}}
    load: Callable[..., dict[str, Any]] | None = None
    description: str | None = None
    errors: tuple[int, ...] = ()  # statuses beyond those openapi.py infers (401 and 429 of the public routes)


def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Cần đăng nhập: gửi Authorization: Bearer <token>.")
    user = accounts.user_for_token(token.strip())
    if user is None:
        raise Unauthenticated("Token không hợp lệ hoặc đã hết hạn.")
    if user.must_change_password and request.endpoint not in OPEN_WHILE_TEMPORARY:
        raise accounts.PasswordChangeRequired(PASSWORD_CHANGE_REQUIRED)
    return user


# A token of an account whose password is a temporary one an admin set opens only these (403
# password_change_required elsewhere): signing out and its own tokens.
OPEN_WHILE_TEMPORARY = frozenset({"api.auth_logout", "api.list_tokens", "api.delete_token"})
PASSWORD_CHANGE_REQUIRED = ("Tài khoản đang dùng mật khẩu tạm do quản trị đặt: hãy đăng nhập trang web và đổi mật "
                            "khẩu trước khi dùng API.")


def bearer_token() -> str:
    return request.headers.get("Authorization", "").partition(" ")[2].strip()


def _multipart() -> dict[str, Any]:
    if request.mimetype != "multipart/form-data":
        raise BadRequest("Nội dung yêu cầu phải là multipart/form-data.")
    return {**form_fields(), **request.files.to_dict()}


def operation(*, summary: str, body: type[BaseModel] | None = None, form: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, response: type[BaseModel] | None = None, status: int = 200,
              public: bool = False, media: dict[str, dict] | None = None,
              load: Callable[..., dict[str, Any]] | None = None, description: str | None = None,
              errors: tuple[int, ...] = ()):
    """Declare a route's inputs and answer (see the module's docstring).

    `load(**path_arguments)` runs after authentication and before the body is read: it loads what the route
    works on (refusing with 404 / 403 as the services do) and returns it as extra keyword arguments for the
    view; the same dict is the body schema's validation context (a scoresheet checks criterion codes against
    `context["dossier"]`). The view receives the path arguments, the loaded objects, and `query=`, `body=` or
    `form=` (parsed models); it returns a dict (→ JSON with `status`), None (→ empty `status`, e.g. 204) or a
    Response of its own (files, CSV).
    """
    op = Operation(summary=summary, body=body, form=form, query=query, response=response, status=status,
                   public=public, media=media or {}, load=load, description=description, errors=errors)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**path: Any):
            if not op.public:
                g.api_user = authenticate()
            loaded = op.load(**path) if op.load else {}
            kwargs = {**path, **loaded}
            if op.query is not None:
                kwargs["query"] = validate(op.query, query_args())
            if op.body is not None:
                kwargs["body"] = validate(op.body, json_body(), context=dict(loaded))
            if op.form is not None:
                kwargs["form"] = validate(op.form, _multipart(), context=dict(loaded))
            result = view(**kwargs)
            if result is None:
                return Response(status=op.status)
            if isinstance(result, dict):
                return jsonify(result), op.status
            return result

        wrapper.operation = op
        return wrapper

    return decorate


def operation_of(view: Callable) -> Operation | None:
    return getattr(view, "operation", None)
