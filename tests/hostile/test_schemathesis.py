"""Schemathesis against our own OpenAPI document, in process (the Flask app itself: no server, no network).

One test per database. It builds one world (dossiers in every state, an objection, an attachment), issues bearer
tokens for every role, then takes every operation of the served `GET /api/v1/openapi.json` in turn (a subtest
each) and sends it generated requests: positive and negative data from the document, as each role, without a
token or with a bad one. Path ids are mostly ids of real rows and bodies are often completed with plausible values
(a real trigger, a real campaign id) or hostile ones (NUL, lone surrogates, 10**20), so requests get past the
404s and 422s into the services. The hard rule (API.md): never a 5xx and never an unhandled exception, whatever a
client sends (schemathesis' not_a_server_error, read straight off the status, and any exception the test app
propagates, with its traceback). With STRICT_RESPONSE_CHECKS on, the answers must also match the document:
documented status codes, content types and response schemas.

Why one world for all operations: a world costs more than a hundred requests, and the `app` fixture gives each
test its own database (a SQLite copy, or PostgreSQL emptied afterwards), so nothing leaks to other tests.
Seeded: hypothesis runs derandomized (its seed derives from the test function), with no example database, no
deadline, and no constants mined from our source (see conftest.py); operations are taken in the document's
order; so CI sends the same requests every time, and a failure comes back when this file is run alone.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, Response
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hostile.conftest import HOSTILE_TEXT, ROLE_USERS, build_hostile_world, column_values
from workflow.extensions import db

DOC_PATH = "/api/v1/openapi.json"

# Besides "no server error" (always): a status, content type or body that the document does not describe fails
# too. On since the document is generated from the pydantic schemas (it describes every answer); turn it off only
# while a change of the document is half-way, and say so.
STRICT_RESPONSE_CHECKS = True

# About this many generated requests per database in all, spread evenly over the operations.
TOTAL_CASES = 1500
MIN_CASES_PER_OPERATION = 30

METHODS = ("get", "put", "post", "delete", "patch")
STRICT_CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]

# Who sends a request, in turn: every role's token, no token, a token that is not one, another scheme.
CALLERS = [*ROLE_USERS, None, *ROLE_USERS, "bad-token", *ROLE_USERS, "other-scheme"]

@dataclass
class Failure:
    request: str
    problem: str


@dataclass
class Findings:
    """One operation's failures grouped by a signature (status, or exception and where), a few requests each."""

    by_signature: dict[str, list[Failure]] = field(default_factory=dict)
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, signature: str, failure: Failure) -> None:
        kept = self.by_signature.setdefault(signature, [])
        if len(kept) < 3:
            kept.append(failure)

    def report(self) -> str:
        lines = []
        for signature, failures in self.by_signature.items():
            lines.append(f"== {signature}")
            for failure in failures:
                lines += [failure.request, failure.problem, ""]
        return "\n".join(lines)


def test_every_operation_survives_generated_requests(app, client, subtests):
    from workflow.services.accounts import issue_token

    hostile_world = build_hostile_world(client)

    # Generated sign-ins and lookups reach the code instead of the throttles (these have their own tests).
    app.config.update(TRACK_REQUESTS_PER_MINUTE=10**9, LOGIN_MAX_FAILURES_PER_ADDRESS=10**9,
                      LOGIN_MAX_FAILURES_PER_USER=10**9)
    schema = schemathesis.openapi.from_wsgi(DOC_PATH, app)
    document = client.get(DOC_PATH).get_json()
    operations = [(method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method in METHODS]
    assert operations, "the document lists no operation"
    tokens = {name: issue_token(hostile_world.users[name], hours=24 * 365)[0] for name in ROLE_USERS}
    db.session.commit()
    per_operation = max(MIN_CASES_PER_OPERATION, TOTAL_CASES // len(operations))
    hints = _body_hints(hostile_world)
    summary = []
    for method, path in operations:
        with subtests.test(msg=f"{method} {path}"):
            findings = _fuzz(client, schema[path][method], method, path, per_operation, hostile_world, tokens, hints)
            if "/auth/tokens/" in path:  # it may have revoked the callers' own tokens: new ones for what follows
                tokens.update({name: issue_token(hostile_world.users[name], hours=24 * 365)[0] for name in ROLE_USERS})
                db.session.commit()
            summary.append(f"{method} {path}: {dict(sorted(findings.statuses.items()))}")
            assert findings.cases, "no request generated"  # (an operation without inputs may have only a few)
            if findings.by_signature:
                pytest.fail(f"{method} {path}: {len(findings.by_signature)} kind(s) of failure in {findings.cases} "
                            f"requests (statuses {dict(sorted(findings.statuses.items()))})\n{findings.report()}",
                            pytrace=False)
    print("\n".join(summary))  # shown with -s, or when the test fails


def _fuzz(client, operation, method: str, path: str, examples: int, hostile, tokens: dict,
          hints: dict) -> Findings:
    from workflow.services.accounts import issue_token

    cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                      operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    names = [parameter.name for parameter in operation.path_parameters]
    real = {name: _real_values(name, path) for name in names}
    fields = sorted(_documented_properties(operation))
    revokes_token = path.endswith("/logout")
    query_names = [parameter.name for parameter in operation.query]
    query_hints = _query_hints(hints)
    findings = Findings()

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
    @given(data=st.data())
    def run(data):
        case = data.draw(cases, label="case")
        # Hypothesis favours a strategy's first values, so "0" picks a real id or keeps a field; the running
        # count spreads the picks over every row and every caller.
        for name in names:
            if real[name] and data.draw(st.integers(0, 4), label=f"generated {name}?") < 4:
                pick = data.draw(st.integers(0, len(real[name]) - 1), label=name)
                case.path_parameters[name] = real[name][(pick + findings.cases) % len(real[name])]
        if isinstance(case.body, dict) and fields and data.draw(st.integers(0, 2), label="plausible body?") < 2:
            for key in fields:
                if data.draw(st.integers(0, 4), label=f"leave out {key}?") < 4:
                    case.body[key] = data.draw(hints.get(key, hints["*"]), label=key)
        if query_names and data.draw(st.integers(0, 2), label="plausible query?") < 2:
            query = dict(case.query or {})
            for key in query_names:
                choice = data.draw(st.integers(0, 3), label=f"query {key}")
                if choice == 0:
                    query[key] = data.draw(query_hints.get(key, query_hints["*"]), label=key)
                elif choice == 1:  # repeated keys
                    query[key] = data.draw(st.lists(query_hints.get(key, query_hints["*"]), min_size=2,
                                                    max_size=3), label=key)
            case.query = query
        user = CALLERS[(data.draw(st.integers(0, 3), label="who") + findings.cases) % len(CALLERS)]
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if user == "bad-token":
            headers["Authorization"] = "Bearer not-a-token"
        elif user == "other-scheme":
            headers["Authorization"] = "Basic Zm9vOmJhcg=="
        elif user is not None:
            token = tokens[user]
            if revokes_token:  # a logout revokes the token it is sent with: give it a fresh one
                token = issue_token(hostile.users[user], hours=24)[0]
                db.session.commit()
            headers["Authorization"] = f"Bearer {token}"
        case.headers = headers
        findings.cases += 1
        try:
            response = _send(client, case)
        except Exception as exc:  # the app raised: in production, a 500
            db.session.rollback()
            where = traceback.extract_tb(exc.__traceback__)[-1]
            findings.add(f"{type(exc).__name__} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}",
                         Failure(_describe(case, user), "".join(traceback.format_exception(exc))[-5000:]))
            return
        findings.statuses[response.status_code] = findings.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            db.session.rollback()
            findings.add(f"status {response.status_code}", Failure(_describe(case, user), response.text[:3000]))
        elif STRICT_RESPONSE_CHECKS and not _has_surrogate([case.body, case.query, case.path_parameters]):
            # (schemathesis re-encodes the request to check it, which a lone surrogate makes impossible)
            try:
                case.validate_response(response, checks=STRICT_CHECKS)
            except FailureGroup as exc:
                titles = "; ".join(sorted({failure.title for failure in exc.exceptions}))
                findings.add(f"{response.status_code}: {titles}",
                             Failure(_describe(case, user), f"{response.text[:1500]}\n{exc}"[:5000]))

    run()
    return findings


def _send(client, case) -> Response:
    """The request as schemathesis serializes it, through the Flask test client (which also closes a streamed
    file, where schemathesis' own WSGI call leaves it open), as schemathesis' Response for its checks."""
    kwargs = case.as_transport_kwargs()
    query = kwargs.get("query_string")
    if isinstance(query, dict) and _has_surrogate(query):  # percent-encoded as the bytes a browser can't send
        pairs = [(k, item) for k, v in query.items() for item in (v if isinstance(v, list) else [v])]
        kwargs["query_string"] = urlencode(pairs, errors="surrogatepass")
    if "json" in kwargs:  # \u-escaped, so that a lone surrogate travels as valid JSON and reaches the app
        kwargs["data"] = json.dumps(kwargs.pop("json"))
        kwargs.setdefault("content_type", "application/json")
    raw = client.open(**kwargs)
    try:
        raw.get_data()
        return Response.from_wsgi(raw)
    finally:
        raw.close()


def _has_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _describe(case, user: str | None) -> str:
    """The exact request: who sent it (whose token), method, path, query, other headers, body."""
    headers = {k: v for k, v in (case.headers or {}).items() if k != "Authorization"}
    body = "" if case.body is NOT_SET else f" body={case.body!r}"
    media = f" media_type={case.media_type}" if case.media_type else ""
    return (f"as {user or 'nobody'}: {case.method.upper()} /api/v1{case.formatted_path} query={case.query!r} "
            f"headers={headers!r}{media}{body}")


# --- real and plausible values ----------------------------------------------------------------------------------

def _real_values(name: str, path: str) -> list:
    """A path parameter's values in real rows: `campaign_id` → campaigns.id, `{id}` after /dossiers →
    dossiers.id, `{att_id}` after /attachments → attachments.id, `tracking_code` → any table's such column."""
    from models import Base

    segments = [s for s in path.split("/") if s]
    before = segments[segments.index("{" + name + "}") - 1] if "{" + name + "}" in segments else ""
    if name == "id":
        return column_values(before, "id")
    if name.endswith("_id"):
        return column_values(name.removesuffix("_id") + "s", "id") or column_values(before, "id")
    for table in Base.metadata.tables:
        values = column_values(table, name)
        if values:
            return values
    return []


def _documented_properties(operation) -> set[str]:
    """The body's fields as the document lists them (schemathesis hands the schema over with $refs resolved)."""
    properties: set[str] = set()
    for body in operation.body:
        schema = getattr(body, "raw_schema", None) or body.definition.get("schema") or {}
        properties |= set(schema.get("properties", {}))
    return properties


def _body_hints(hostile) -> dict[str, st.SearchStrategy]:
    """Values the services take, real where they can be (a real trigger, a real campaign id), else junk."""
    from states.enums import Outcome, Recommendation, Role, Title, Trigger, VoteChoice

    dossier_ids = sorted(hostile.dossiers.values())
    texts = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_TEXT))
    junk = st.one_of(st.none(), texts, st.integers(-3, 10**20), st.floats(allow_nan=False, allow_infinity=False),
                     st.booleans(), st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
    dates = st.one_of(st.dates().map(str), st.sampled_from(["2026-02-30", "--5", "2026-13-01", "²", "", "0"]))
    counts = st.one_of(st.integers(0, 50), st.integers(-1, 10**20))
    assessed = st.fixed_dictionaries({"criterion": st.sampled_from(["1", "1.1", "1.2", "2.3", "x"])}, optional={
        "met": st.one_of(st.booleans(), junk), "points": st.one_of(counts, junk), "note": texts})
    moved = st.fixed_dictionaries({"dossier_id": st.sampled_from(dossier_ids), "version": counts})
    hints = {
        "version": st.integers(0, 12), "trigger": st.sampled_from([t.value for t in Trigger]),
        "vote": st.sampled_from([v.value for v in VoteChoice]),
        "recommendation": st.sampled_from([r.value for r in Recommendation]),
        "outcome": st.sampled_from([o.value for o in Outcome]), "title": st.sampled_from([t.value for t in Title]),
        "campaign_id": st.sampled_from(column_values("campaigns", "id")),
        "unit_id": st.sampled_from(column_values("units", "id")),
        "unit_code": st.sampled_from(column_values("units", "code")),
        "dossier_ids": st.lists(st.sampled_from(dossier_ids), max_size=4), "upheld": st.booleans(),
        "subject_name": texts, "subject_ref": texts, "number": texts, "comment": texts, "text": texts,
        "answer": texts, "name": texts, "note": texts, "reason": texts,
        "signed_on": dates, "registration_opens": dates, "registration_closes": dates, "assessment_due": dates,
        "inspection_due": dates, "decision_due": dates, "starts_on": dates, "ends_on": dates, "date": dates,
        "held_on": dates, "year": st.integers(1990, 2110), "invited": counts, "attendees": counts,
        "data": st.fixed_dictionaries({}, optional={"decision_number": texts, "signed_on": dates}),
        "items": st.lists(st.one_of(assessed, moved), max_size=4),
        "meeting": st.fixed_dictionaries({}, optional={"held_on": dates, "invited": counts, "attendees": counts,
                                                       "votes_for": counts}),
        "settings": st.fixed_dictionaries({}, optional={
            "group_quorum": st.floats(-1, 2), "group_approval": st.floats(-1, 2), "council_quorum": st.floats(-1, 2),
            "council_approval": st.floats(-1, 2), "notice_days": counts, "pass_points": counts}),
        "members": st.lists(st.fixed_dictionaries({"name": texts, "personal_id": st.from_regex(r"\A[0-9]{12}\Z"),
                                                   "relation": texts}), max_size=3),
        "username": st.sampled_from(ROLE_USERS), "password": st.sampled_from(["demo12345", "sai"]),
        "to_username": st.sampled_from(ROLE_USERS), "role": st.sampled_from([r.value for r in Role]),
    }
    return {key: st.one_of(value, value, value, junk) for key, value in hints.items()} | {"*": junk}


def _query_hints(hints: dict[str, st.SearchStrategy]) -> dict[str, st.SearchStrategy]:
    """Query values are text: the body hints as strings, and what list filters take."""
    from states.enums import State

    as_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20))
    numbers = st.one_of(st.integers(-2, 60).map(str), st.sampled_from(["10" + "0" * 19, "²", "--5", "1.5", " 7"]))
    return {
        "limit": numbers, "cursor": st.one_of(st.sampled_from(["MQ", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "!!", "=="]),
                                              as_text),
        "state": st.one_of(st.sampled_from([s.value for s in State]), as_text),
        "title": hints["title"].map(str), "q": as_text, "actor": hints["username"].map(str),
        "trigger": hints["trigger"].map(str), "format": st.sampled_from(["json", "csv", "xlsx", "pdf", ""]),
        "overdue": st.sampled_from(["true", "false", "1", "yes", ""]),
        "since": st.one_of(st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()), as_text),
        "until": st.one_of(st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()), as_text),
        "unit_id": st.one_of(hints["unit_id"].map(str), numbers), "campaign_id": st.one_of(hints["campaign_id"]
                                                                                           .map(str), numbers),
        "dossier_id": numbers, "*": st.one_of(as_text, numbers),
    }
