"""Hypothesis over every HTML form of the site: hostile field values never give a 5xx, and a refusal writes nothing.

Every POST route outside the JSON API (found by walking `app.url_map`) must have an entry in FORMS, the explicit
map from endpoint to who posts it, where, and a generator per field; a new POST route without one fails
`test_every_form_post_has_a_fuzzer`. The GET forms (the list and audit filters, the tracking lookup, the language
switch) are in GET_FORMS.

Each entry is a test per database with its own small world (the `app` fixture's fresh database): it signs in as a
user who may use the form (cookie session and CSRF token, as a browser), then posts generated values — the
plausible ones (a real version, a trigger, a choice of the form) mixed with NUL, lone surrogates (sent
percent-encoded as the bytes %ED%A0%80, which no browser sends but anyone can), 10**20, "--5", "²", long and
empty and blank strings, repeated keys, unknown keys, a missing CSRF token; every other request puts one of
ATTACKS into one field, in turn. Asserted: never a 5xx (nor an exception: the test app propagates them, so the
report has the traceback), and when the answer is a refusal (4xx, or the form shown again) the audit_events and
dossiers tables have as many rows as before; a GET writes nothing at all.

Seeded: derandomized hypothesis (the seed derives from the test function), no example database, no deadline, no
constants mined from our source (conftest.py): the same requests on every run, alone or in the whole suite.
"""

from __future__ import annotations

import base64
import json
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from states.enums import AttachmentKind, Role, State, Title, Trigger, UnitKind, VoteChoice
from tests.conftest import Auth, csrf_from
from tests.factories import CRITERIA_DIR, PASSWORD
from tests.hostile.conftest import HOSTILE_TEXT, PDF, build_hostile_world, column_values, row_counts
from workflow.extensions import db

EXAMPLES = 16  # per form and signed-in user: the whole file stays near 45 s per database on 2 cores

SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                    print_blob=False)


# --- values -------------------------------------------------------------------------------------------------------

def hostile() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30))


def one_of_or_hostile(*plausible) -> st.SearchStrategy[str]:
    """Mostly a value the form offers, else something hostile."""
    if not plausible:
        return hostile()
    real = st.sampled_from([str(p) for p in plausible])
    return st.one_of(real, real, hostile())


def numbers(*plausible: int) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([str(p) for p in plausible] or ["1"]), st.integers(-5, 120).map(str),
                     st.sampled_from(["10" + "0" * 19, "-" + "9" * 30, "--5", "²", "1.5", " 7 ", "0x10", "1e3", "",
                                      "٣"]), hostile())


def page_keys() -> st.SearchStrategy[str]:
    """An `after` key of a public list: shaped like ours (base64 of JSON), or not at all."""
    shaped = st.sampled_from(['["model_family",4,"A",1,1,2]', '[null,"A",1,2]', '["2026-02-30","A",1,2]', "[]",
                              '["model_family",1e999,"\\ud800",1,1,2]', '"x"', "[" * 200])
    keys = shaped.map(lambda text: base64.urlsafe_b64encode(text.encode()).decode().rstrip("="))
    return st.one_of(keys, hostile())


def dates() -> st.SearchStrategy[str]:
    return st.one_of(st.dates().map(str), st.sampled_from(["2026-02-30", "2026-13-01", "31/12/2026", "--5", "²",
                                                           "", "0001-01-01", "9999-12-31"]), hostile())


def criteria_files() -> st.SearchStrategy[tuple[str, bytes, str]]:
    """(file name, content, what was done): a real criteria file with one field spoilt, or bytes that are no
    JSON at all."""
    documents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(CRITERIA_DIR).glob("*.json"))}
    junk = st.one_of(st.none(), hostile(), st.integers(-(10**30), 10**30), st.floats(allow_nan=False),
                     st.lists(st.integers(), max_size=3), st.just({}), st.just([]))

    @st.composite
    def spoilt(draw) -> tuple[bytes, str]:
        name = draw(st.sampled_from(sorted(documents)))
        document = json.loads(json.dumps(documents[name]))
        document["version"] = draw(st.one_of(hostile(), st.just("fuzz-1")))
        target = draw(st.sampled_from(["top", "criterion", "nothing"]))
        change = f"{name} with version={document['version']!r}"
        if target == "top":
            key, value = draw(st.sampled_from(sorted(document))), draw(junk)
            document[key] = value
            change += f", {key}={value!r}"
        elif target == "criterion" and document.get("criteria"):
            index = draw(st.integers(0, len(document["criteria"]) - 1))
            key, value = draw(st.sampled_from(["code", "name", "mandatory", "max_points"])), draw(junk)
            document["criteria"][index][key] = value
            change += f", criteria[{index}].{key}={value!r}"
        ascii_only = draw(st.booleans())
        return json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"), change

    raw = st.sampled_from([b"", b"{", b"PK\x03\x04 not a workbook",
                           b"null", b"[]", b"\xff\xfe{}", b"\xef\xbb\xbf{}", b"{\"title\": \"\x00\"}",
                           b"[" * 100_000 + b"]" * 100_000, b"{\"a\": 1e999}", b"\xed\xa0\x80",
                           b"{\"title\": \"model_family\", \"criteria\": " + b"[" * 5000 + b"]" * 5000 + b"}"])
    @st.composite
    def workbook(draw) -> tuple[bytes, str]:
        """The Excel form of a set (issue 9) with hostile cells: rows, information and bars."""
        import io as _io

        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        from workflow.services.criteria_xlsx import BARS, INFO, ROWS

        def writable(value):  # the control characters no XLSX cell can hold (openpyxl refuses them)
            return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

        cell = st.one_of(st.none(), hostile(), st.integers(-(10**6), 10**6), st.booleans(),
                         st.sampled_from(["có", "không", "Chấm điểm", "Đạt / không đạt", "Gia đình kiểu mẫu"]))
        book = Workbook()
        rows = book.active
        rows.append(list(ROWS))
        for line in draw(st.lists(st.lists(cell, min_size=7, max_size=7), max_size=4)):
            rows.append([writable(v) for v in line])
        info = book.create_sheet("Thông tin")
        info.append(list(INFO))
        for label in draw(st.lists(st.sampled_from(["Danh hiệu", "Mã bộ tiêu chí", "Phiên bản", "Tên bộ tiêu chí",
                                                    "Cách chấm", "Điểm đạt", "Khác"]), max_size=7)):
            info.append([label, writable(draw(cell))])
        if draw(st.booleans()):
            book.create_sheet("Không xét").append(list(BARS) if draw(st.booleans()) else ["Sai", "tiêu đề"])
        out = _io.BytesIO()
        book.save(out)
        return out.getvalue(), "workbook"

    contents = st.one_of(spoilt(), spoilt(), workbook(), raw.map(lambda content: (content, "raw bytes")))
    names = st.one_of(st.just("tieu-chi.json"), st.just("tieu-chi.xlsx"), hostile())
    return st.tuples(names, contents).map(lambda t: (t[0], *t[1]))


def evidence_files() -> st.SearchStrategy[tuple[str, bytes, str]]:
    contents = st.one_of(st.sampled_from([PDF, b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, b"\xff\xd8\xff\xe0" + b"0" * 32,
                                          b"", b"MZ\x90\x00", b"%PDF"]), st.binary(max_size=64))
    names = st.one_of(st.sampled_from(["bien-ban.pdf", "anh.png", "", ".pdf", "a" * 300 + ".pdf"]), hostile())
    return st.tuples(names, contents, st.just(""))


# --- the map of forms ---------------------------------------------------------------------------------------------

@dataclass
class Context:
    """Ids of the world's rows that a form's URL and fields refer to."""

    hostile: object
    dossier_id: int | None = None

    @property
    def dossiers(self) -> dict[str, int]:
        return self.hostile.dossiers

    def user_id(self, username: str) -> int:
        return self.hostile.users[username].id

    def assignment_id(self, username: str) -> int:
        return self.hostile.users[username].roles[0].id

    def unit_ids(self) -> list[int]:
        return column_values("units", "id")

    def campaign_ids(self) -> list[int]:
        return column_values("campaigns", "id")

    def objection_id(self) -> int:
        return (column_values("objections", "id") or [1])[0]

    def delegation_id(self) -> int:
        return (column_values("delegations", "id") or [1])[0]

    def message_id(self) -> int:
        return (column_values("notifications", "id") or [1])[0]

    def today(self) -> str:
        from workflow.services.calendar import local_today

        return local_today().isoformat()

    def version(self) -> int:
        from models import Dossier

        return db.session.get(Dossier, self.dossier_id).version if self.dossier_id else 1

    def criteria(self) -> tuple[list[str], list[str]]:
        """The codes of the dossier's criteria and disqualifiers."""
        from models import Dossier

        if not self.dossier_id:
            return [], []
        criteria_set = db.session.get(Dossier, self.dossier_id).criteria_set
        return ([c.code for c in criteria_set.criteria],
                [d.code for d in getattr(criteria_set, "disqualifiers", [])])


Fields = Callable[[Context], dict[str, st.SearchStrategy]]


@dataclass
class FormSpec:
    """Who posts the form (username or None for nobody, and which dossier of the world), where, with what."""

    actors: list[tuple[str | None, str | None]]
    url: Callable[[Context], str]
    fields: Fields
    files: Callable[[Context], dict[str, st.SearchStrategy]] = lambda ctx: {}
    query: Fields = lambda ctx: {}
    headers: Fields = lambda ctx: {}
    examples: int = EXAMPLES
    dossiers: list[str] = field(default_factory=list)  # more of the world's dossiers it needs


def household_digest(ctx: Context) -> str:
    """The fingerprint the page's preview of group 1's households carries (a confirmation that matches it)."""
    from models import Campaign, Unit
    from workflow.services import households

    unit = db.session.scalars(select(Unit).where(Unit.code == "G1")).one()
    campaign = db.session.scalars(select(Campaign).where(Campaign.unit_id == unit.parent_id)).first()
    return households.plan(ctx.hostile.users["group_committee"], campaign.id, unit.id, "cultured_family").digest


def dossier_url(suffix: str = "") -> Callable[[Context], str]:
    return lambda ctx: f"/dossiers/{ctx.dossier_id}{suffix}"


def dossier_fields(ctx: Context) -> dict[str, st.SearchStrategy]:
    return {"subject_name": one_of_or_hostile("Hộ ông Nguyễn Văn A"), "subject_ref": one_of_or_hostile("HK-7"),
            "subject_address": one_of_or_hostile("Số 3 ngõ Hoa"), "note": one_of_or_hostile("ghi chú")}


def new_dossier_fields(ctx: Context) -> dict[str, st.SearchStrategy]:
    return {**dossier_fields(ctx), "campaign_id": numbers(*ctx.campaign_ids()), "unit_id": numbers(*ctx.unit_ids()),
            "title": one_of_or_hostile(*[t.value for t in Title]), "on_behalf": one_of_or_hostile("y", "")}


def transition_fields(ctx: Context) -> dict[str, st.SearchStrategy]:
    return {"trigger": one_of_or_hostile(*[t.value for t in Trigger]), "version": numbers(ctx.version()),
            "comment": one_of_or_hostile("Đồng ý", ""), "decision_number": one_of_or_hostile("12/QĐ-UBND", ""),
            "signed_on": dates()}


def criteria_fields(points: bool, meeting: bool) -> Fields:
    def fields(ctx: Context) -> dict[str, st.SearchStrategy]:
        codes, disqualifiers = ctx.criteria()
        result = {"version": numbers(ctx.version()), "disqualifier": one_of_or_hostile(*disqualifiers, "KX1")}
        for code in codes:
            result[f"met-{code}"] = one_of_or_hostile("yes", "no", "")
            result[f"note-{code}"] = one_of_or_hostile("Đạt", "")
            if points:
                result[f"points-{code}"] = numbers(0, 5, 8, 10)
        if meeting:
            result |= {"held_on": dates(), "invited": numbers(10, 40), "attendees": numbers(8, 32),
                       "votes_for": numbers(6, 30)}
        else:
            result |= {"recommendation": one_of_or_hostile("pass", "fail", ""),
                       "team-head": one_of_or_hostile("Hoàng Văn Đức", ""),
                       "team-members": one_of_or_hostile("Vũ Thị Én\nNgô Văn Phúc", "", "\n\n" + "A" * 300),
                       "started_at": one_of_or_hostile("08:00", "8h30", "25:99", ""),
                       "ended_at": one_of_or_hostile("09:30", "07:00", "")}
        return result

    return fields


def campaign_fields(new: bool) -> Fields:
    def fields(ctx: Context) -> dict[str, st.SearchStrategy]:
        result = {"name": one_of_or_hostile("Thi đua 2031"), "registration_opens": dates(),
                  "registration_closes": dates(), "assessment_due": dates(), "inspection_due": dates(),
                  "decision_due": dates(), "group_quorum": numbers(60), "group_approval": numbers(60),
                  "council_quorum": numbers(66.67), "council_approval": numbers(70), "notice_days": numbers(10),
                  "pass_points": numbers(85), "notice_working_days": one_of_or_hostile("y", ""),
                  "secret_ballot": one_of_or_hostile("y", ""), "decision_days": numbers(5),
                  "publication_days": numbers(5),
                  "grounds": one_of_or_hostile("Căn cứ Luật Thi đua, khen thưởng năm 2022;\nXét đề nghị …", "")}
        if new:
            result |= {"year": numbers(2031, 2030), "unit_id": numbers(*ctx.unit_ids())}
        return result

    return fields


def role_fields(ctx: Context) -> dict[str, st.SearchStrategy]:
    return {"role": one_of_or_hostile(*[r.value for r in Role]), "unit_id": numbers(*ctx.unit_ids())}


def blank_layout_fields(ctx: Context) -> dict[str, st.SearchStrategy]:
    """Where the ward's certificate blanks want each text: a page size, and per piece a flag and four numbers."""
    from workflow.services.blanks import PAGES, PIECES

    result = {"page": one_of_or_hostile(*PAGES), "reset": one_of_or_hostile("", "1")}
    for piece in PIECES:
        result |= {f"{piece.key}_shown": one_of_or_hostile("y", ""), f"{piece.key}_x": numbers(20, 150),
                   f"{piece.key}_y": numbers(42, 68), f"{piece.key}_width": one_of_or_hostile("", "120", "42,5", "1e3"),
                   f"{piece.key}_size": numbers(13, 22)}
    return result


def _dossier(ctx: Context):
    from models import Dossier

    return db.session.get(Dossier, ctx.dossier_id)


def meeting_url(ctx: Context) -> str:
    """The meeting page of the dossier's group and campaign."""
    dossier = _dossier(ctx)
    return f"/meetings/{dossier.unit_id}/{dossier.campaign_id}"


BATCH_STEPS = {"registered": "accept", "self_assessment": "submit_assessment", "public_notice": "close_notice",
               "council_review": "close_review"}


def batch_url(ctx: Context) -> str:
    """The batch page of the step that moves the dossier on."""
    return f"/review/batch/{BATCH_STEPS[_dossier(ctx).state]}"


TRANSITION_ACTORS = [("applicant", "draft"), ("group_committee", "registered"), ("group_committee", "self_assessment"),
                     ("ward_inspector", "public_notice"), ("ward_inspector", "ward_inspection"),
                     ("council_secretary", "council_review"), ("chairman", "awaiting_decision"),
                     ("chairman", "recognized")]

# Every POST route of the pages, by endpoint.
FORMS: dict[str, FormSpec] = {
    "auth.login": FormSpec(
        [(None, None)], lambda ctx: "/login",
        lambda ctx: {"username": one_of_or_hostile("chairman", "admin", "nobody"),
                     "password": one_of_or_hostile(PASSWORD, "sai")},
        query=lambda ctx: {"next": one_of_or_hostile("/dossiers", "//evil.example", "http://[::1", "http://[",
                                                     "/\\evil", "javascript:alert(1)")}),
    "auth.logout": FormSpec([("applicant", None)], lambda ctx: "/logout", lambda ctx: {}, examples=6),
    "auth.delegations": FormSpec(
        [("chairman", None)], lambda ctx: "/delegations",
        lambda ctx: {"held": one_of_or_hostile("chairman@WARD", "admin@WARD", "chairman@G1"),
                     "to_username": one_of_or_hostile("council1", "chairman", "applicant9", "nobody"),
                     "starts_on": dates(), "ends_on": dates(), "reason": one_of_or_hostile("Đi công tác")}),
    "auth.end_delegation": FormSpec([("chairman", None)], lambda ctx: f"/delegations/{ctx.delegation_id()}/end",
                                    lambda ctx: {}, examples=8),
    "auth.account": FormSpec(
        [("applicant", None)], lambda ctx: "/account",
        lambda ctx: {"current": one_of_or_hostile(PASSWORD, "sai-mat-khau"),
                     "new": one_of_or_hostile("ngựa vằn gặm cỏ non 7", "12345678", "applicant"),
                     "confirm": one_of_or_hostile("ngựa vằn gặm cỏ non 7", "12345678")}),
    "auth.revoke_token": FormSpec([("applicant", None)],
                                  lambda ctx: f"/account/tokens/{(column_values('api_tokens', 'id') or [1])[0]}/revoke",
                                  lambda ctx: {}, examples=6),
    "dossiers.new": FormSpec([("applicant", None), ("group_committee", None)], lambda ctx: "/dossiers/new",
                             new_dossier_fields),
    "dossiers.edit": FormSpec([("applicant", "draft")], dossier_url("/edit"),
                              lambda ctx: {**dossier_fields(ctx), "version": numbers(ctx.version())}),
    "dossiers.transition": FormSpec(TRANSITION_ACTORS, dossier_url("/transitions"), transition_fields,
                                    examples=max(EXAMPLES // 3, 5)),
    "dossiers.withdraw": FormSpec([("applicant", "draft")], dossier_url("/withdraw"),
                                  lambda ctx: {"version": numbers(ctx.version()), "confirm": one_of_or_hostile("y", ""),
                                               "comment": one_of_or_hostile("Gia đình chuyển đi nơi khác", "")}),
    "dossiers.renew_one": FormSpec([("applicant", "recognized"), ("group_committee", "not_recognized")],
                                   dossier_url("/renew"),
                                   lambda ctx: {"campaign_id": numbers(*ctx.campaign_ids())}),
    "dossiers.renew_group": FormSpec(
        [("group_committee", "recognized")], lambda ctx: "/dossiers/renew-group",
        lambda ctx: {"dossier_ids": numbers(ctx.dossier_id, 1), "campaign_id": numbers(*ctx.campaign_ids()),
                     "confirmed": one_of_or_hostile("yes", "")},
        query=lambda ctx: {"unit_id": numbers(*ctx.unit_ids()), "campaign_id": numbers(*ctx.campaign_ids())},
        dossiers=["not_recognized"]),
    "dossiers.every_household": FormSpec(
        [("group_committee", "recognized"), ("applicant", "recognized")], lambda ctx: "/dossiers/every-household",
        lambda ctx: {"unit_id": numbers(*ctx.unit_ids()), "campaign_id": numbers(*ctx.campaign_ids()),
                     "title": one_of_or_hostile(*[t.value for t in Title]),
                     "seen": one_of_or_hostile(household_digest(ctx), "")}),
    "dossiers.assessment": FormSpec([("group_committee", "self_assessment"),
                                     ("group_committee", "self_assessment_citizen")],
                                    dossier_url("/assessment"), criteria_fields(points=True, meeting=True)),
    "dossiers.inspection": FormSpec([("ward_inspector", "ward_inspection")], dossier_url("/inspection"),
                                    criteria_fields(points=True, meeting=False)),
    "dossiers.vote": FormSpec([("council1", "council_review")], dossier_url("/votes"),
                              lambda ctx: {"vote": one_of_or_hostile(*[v.value for v in VoteChoice]),
                                           "comment": one_of_or_hostile("Đồng ý", "")}),
    "dossiers.objection": FormSpec([("ward_inspector", "public_notice"), ("applicant", "public_notice"),
                                    ("group_committee", "public_notice")],
                                   dossier_url("/objections"),
                                   lambda ctx: {"text": one_of_or_hostile("Phản ánh"),
                                                "resident_name": one_of_or_hostile("Bà Trần Thị Lan", "")}),
    "dossiers.answer": FormSpec(
        [("ward_inspector", "public_notice"), ("group_committee", "public_notice")],
        lambda ctx: f"/dossiers/{ctx.dossier_id}/objections/{ctx.objection_id()}/answer",
        lambda ctx: {"answer": one_of_or_hostile("Đã xác minh"), "upheld": one_of_or_hostile("yes", "no"),
                     "disqualifier": one_of_or_hostile(*ctx.criteria()[1], "")}),
    "dossiers.disqualifier": FormSpec(
        [("group_committee", "self_assessment"), ("ward_inspector", "ward_inspection")], dossier_url("/disqualifiers"),
        lambda ctx: {"version": numbers(ctx.version()), "code": one_of_or_hostile(*ctx.criteria()[1], "KX1"),
                     "standing": one_of_or_hostile("yes", "no"), "reason": one_of_or_hostile("Vi phạm", "")}),
    "dossiers.attach": FormSpec([("applicant", "draft"), ("group_committee", "self_assessment")],
                                dossier_url("/attachments"),
                                lambda ctx: {"kind": one_of_or_hostile(*[k.value for k in AttachmentKind])},
                                files=lambda ctx: {"file": evidence_files()}),
    "dossiers.import_registrations": FormSpec(
        [("group_committee", None)], lambda ctx: "/imports/registrations",
        lambda ctx: {"unit_id": numbers(*ctx.unit_ids()), "campaign_id": numbers(*ctx.campaign_ids())},
        files=lambda ctx: {"file": evidence_files()}),
    "dossiers.import_confirm": FormSpec(
        [("group_committee", None)], lambda ctx: "/imports/registrations/confirm",
        lambda ctx: {"unit_id": numbers(*ctx.unit_ids()), "campaign_id": numbers(*ctx.campaign_ids()),
                     "payload": one_of_or_hostile("UEsDBA==", "")}),
    "review.batch": FormSpec(
        [("chairman", "awaiting_decision")], lambda ctx: "/review/decisions/new",
        lambda ctx: {"number": one_of_or_hostile("12/QĐ-UBND"), "signed_on": dates(),
                     "outcome": one_of_or_hostile("recognize", "refuse"), "comment": one_of_or_hostile("", "Lý do"),
                     "confirmed": one_of_or_hostile("yes", ""),
                     "dossier_ids": numbers(ctx.dossiers["awaiting_decision"], ctx.dossiers["awaiting_decision_2"])},
        query=lambda ctx: {"title": one_of_or_hostile(*[t.value for t in Title]), "q": hostile()},
        dossiers=["awaiting_decision_2"]),
    "meetings.meeting": FormSpec(
        [("group_committee", "self_assessment"), ("group_committee", "public_notice")], meeting_url,
        lambda ctx: {"held_on": dates(), "invited": numbers(40, 10), "attendees": numbers(30, 8),
                     "chaired_by": one_of_or_hostile("Nguyễn Văn Hùng", ""), "note": one_of_or_hostile("Họp tổ", ""),
                     f"votes-{ctx.dossier_id}": numbers(20, 5), f"version-{ctx.dossier_id}": numbers(ctx.version()),
                     "votes-1": numbers(3), "started_at": one_of_or_hostile("19:30", "7h", "24:00", ""),
                     "ended_at": one_of_or_hostile("21:00", "19:00", ""), "place": one_of_or_hostile("Nhà văn hóa", ""),
                     "secretary": one_of_or_hostile("Phạm Thu Hà", ""),
                     "participants": one_of_or_hostile("Nguyễn Văn An - Bí thư chi bộ\nLê Thị Bình", " - \n,",
                                                       "x" * 300 + " - y", ""),
                     "vote_method": one_of_or_hostile("show_of_hands", "secret_ballot", "raise"),
                     "opinions": one_of_or_hostile("Không có ý kiến khác", "")}),
    "review.batch_step": FormSpec(
        [("group_committee", "registered"), ("group_committee", "self_assessment"),
         ("ward_inspector", "public_notice"), ("council_secretary", "council_review")], batch_url,
        lambda ctx: {"dossier_ids": numbers(ctx.dossier_id, 1), f"version-{ctx.dossier_id}": numbers(ctx.version()),
                     "comment": one_of_or_hostile("", "Đồng ý"), "meeting_date": dates(),
                     "minutes": one_of_or_hostile("", "Biên bản"), "confirmed": one_of_or_hostile("yes", "")},
        query=lambda ctx: {"unit_id": numbers(*ctx.unit_ids()), "campaign_id": numbers(*ctx.campaign_ids())}),
    "review.publish": FormSpec(
        [("chairman", "recognized"), ("council_secretary", "recognized")],
        lambda ctx: f"/review/decisions/{_dossier(ctx).decision_id}/publish",
        lambda ctx: {"published_on": st.one_of(dates(), one_of_or_hostile(ctx.today()))}),
    "dossiers.decision_certificates_again": FormSpec(
        [("chairman", "recognized"), ("applicant", "recognized")],
        lambda ctx: f"/decisions/{_dossier(ctx).decision_id}/certificates/again", lambda ctx: {}, examples=6),
    "admin.units": FormSpec(
        [("admin", None)], lambda ctx: "/admin/units",
        lambda ctx: {"code": one_of_or_hostile("TDP-X", "G1"), "name": one_of_or_hostile("Tổ mới"),
                     "kind": one_of_or_hostile(*[k.value for k in UnitKind]), "parent_id": numbers(*ctx.unit_ids())}),
    "admin.merge_unit": FormSpec(
        [("admin", None)], lambda ctx: "/admin/units/merge",
        lambda ctx: {"unit_id": numbers(*ctx.unit_ids()), "into_id": numbers(*ctx.unit_ids()),
                     "effective_on": dates()}),
    "admin.blank_layout": FormSpec(
        [("admin", None)], lambda ctx: f"/admin/units/{ctx.hostile.world.units['WARD'].id}/blank-layout",
        blank_layout_fields),
    "admin.users": FormSpec(
        [("admin", None)], lambda ctx: "/admin/users",
        lambda ctx: {"username": one_of_or_hostile("newbie", "chairman"), "full_name": one_of_or_hostile("Người mới"),
                     "password": one_of_or_hostile("mat-khau-dai", "short"),
                     "personal_id": one_of_or_hostile("038012345678", "12"),
                     "email": one_of_or_hostile("a@example.org", "@"), **role_fields(ctx)}),
    "admin.user": FormSpec([("admin", None)], lambda ctx: f"/admin/users/{ctx.user_id('council2')}", role_fields),
    "admin.remove_role": FormSpec(
        [("admin", None)],
        lambda ctx: f"/admin/users/{ctx.user_id('council3')}/roles/{ctx.assignment_id('council3')}/remove",
        lambda ctx: {}, examples=6),
    "admin.reset_password": FormSpec([("admin", None)],
                                     lambda ctx: f"/admin/users/{ctx.user_id('council2')}/reset-password",
                                     lambda ctx: {}, examples=6),
    "admin.deactivate_user": FormSpec([("admin", None)],
                                      lambda ctx: f"/admin/users/{ctx.user_id('council3')}/deactivate",
                                      lambda ctx: {}, examples=6),
    "admin.reactivate_user": FormSpec([("admin", None)],
                                      lambda ctx: f"/admin/users/{ctx.user_id('council3')}/reactivate",
                                      lambda ctx: {}, examples=6),
    "admin.revoke_user_token": FormSpec(
        [("admin", None)],
        lambda ctx: f"/admin/users/{ctx.user_id('council2')}/tokens/{(column_values('api_tokens', 'id') or [1])[0]}"
                    "/revoke",
        lambda ctx: {}, examples=6),
    "inbox.settings": FormSpec([("applicant", None)], lambda ctx: "/inbox/settings", lambda ctx: {
        "email_on": one_of_or_hostile("y", ""), "sms_on": one_of_or_hostile("y", ""),
        "zalo_on": one_of_or_hostile("y", ""), "email": one_of_or_hostile("chi.lan@example.vn", ""),
        "phone": one_of_or_hostile("0912345678", "091 234 5678", "")}),
    "inbox.read_all": FormSpec([("applicant", None)], lambda ctx: "/inbox/read-all", lambda ctx: {}, examples=6),
    "inbox.open_message": FormSpec([("applicant", None)], lambda ctx: f"/inbox/{ctx.message_id()}/open",
                                   lambda ctx: {}, examples=6),
    "admin.campaigns": FormSpec([("admin", None)], lambda ctx: "/admin/campaigns", campaign_fields(new=True)),
    "admin.campaign": FormSpec([("admin", None)], lambda ctx: f"/admin/campaigns/{ctx.campaign_ids()[0]}",
                               campaign_fields(new=False)),
    "public.object_on_board": FormSpec(
        [("resident", "public_notice"), ("applicant2", "public_notice")],
        lambda ctx: f"/public/notices/G1/dossiers/{ctx.dossier_id}/objection",
        lambda ctx: {"text": one_of_or_hostile("Hộ này chưa giữ vệ sinh chung", "")}),
    "admin.calendar": FormSpec(
        [("admin", None)], lambda ctx: "/admin/calendar",
        lambda ctx: {"date": dates(), "kind": one_of_or_hostile("day_off", "working_day"),
                     "name": one_of_or_hostile("Nghỉ Tết Nguyên đán theo thông báo", "")},
        query=lambda ctx: {"year": numbers(2026, 2027)}),
    "admin.remove_calendar_day": FormSpec(
        [("admin", None)], lambda ctx: f"/admin/calendar/{(column_values('calendar_days', 'id') or [1])[0]}/remove",
        lambda ctx: {}, examples=6),
    "admin.criteria": FormSpec([("admin", None)], lambda ctx: "/admin/criteria", lambda ctx: {},
                               files=lambda ctx: {"file": criteria_files()}),
    "public.verify_pdf": FormSpec([(None, None), ("applicant", None)], lambda ctx: "/public/verify-pdf",
                                  lambda ctx: {}, files=lambda ctx: {"file": evidence_files()}),
}

# The forms that filter or look up with GET (query or path), by endpoint.
GET_FORMS: dict[str, FormSpec] = {
    "dossiers.index": FormSpec(
        [("chairman", None), ("applicant", None)], lambda ctx: "/dossiers",
        lambda ctx: {"state": one_of_or_hostile(*[s.value for s in State]),
                     "title": one_of_or_hostile(*[t.value for t in Title]), "unit_id": numbers(*ctx.unit_ids()),
                     "campaign_id": numbers(*ctx.campaign_ids()), "q": hostile(),
                     "overdue": one_of_or_hostile("true", "1", ""), "sort": one_of_or_hostile("updated", "subject"),
                     "page": numbers(1, 2), "format": one_of_or_hostile("csv", "xlsx", "pdf")}),
    "review.certificates_register": FormSpec(
        [("chairman", "recognized"), ("applicant", "recognized")], lambda ctx: "/review/certificates-register",
        lambda ctx: {"year": one_of_or_hostile("2026", "0", "99999"), "after": one_of_or_hostile("1-1", "x-", "9-")},
        examples=10),
    "stats.index": FormSpec(
        [("chairman", None), ("auditor", None)], lambda ctx: "/stats",
        lambda ctx: {"campaign_id": numbers(*ctx.campaign_ids()), "unit_id": numbers(*ctx.unit_ids()),
                     "title": one_of_or_hostile(*[t.value for t in Title])}, examples=12),
    "audit.events": FormSpec(
        [("auditor", None)], lambda ctx: "/audit/events",
        lambda ctx: {"since": dates(), "until": dates(), "actor": one_of_or_hostile("chairman", "applicant"),
                     "trigger": one_of_or_hostile(*[t.value for t in Trigger]), "unit_id": numbers(*ctx.unit_ids()),
                     "dossier_id": numbers(1, 2), "page": numbers(1, 2),
                     "tracking_code": one_of_or_hostile(*column_values("dossiers", "tracking_code"), "km"),
                     "person": one_of_or_hostile("nguyen van", "Người dùng chairman", "")}),
    "audit.export": FormSpec(
        [("auditor", None)], lambda ctx: "/audit/events.csv",
        lambda ctx: {"since": dates(), "until": dates(), "actor": one_of_or_hostile("chairman"),
                     "unit_id": numbers(*ctx.unit_ids()), "dossier_id": numbers(1, 2)}, examples=12),
    "public.track": FormSpec([(None, None)], lambda ctx: "/track",
                             lambda ctx: {"code": one_of_or_hostile(*column_values("dossiers", "tracking_code"))},
                             dossiers=["public_notice", "recognized"]),
    "public.language": FormSpec(
        [(None, None)], lambda ctx: "/lang/{code}", lambda ctx: {"code": one_of_or_hostile("vi", "en", "fr")},
        headers=lambda ctx: {"Referer": one_of_or_hostile("http://localhost/dossiers", "http://[::1", "http://[",
                                                          "//evil.example/x", "http://evil.example/", "")}),
    "public.notices": FormSpec(
        [(None, None)], lambda ctx: "/public/notices",
        lambda ctx: {"ward": one_of_or_hostile("WARD", "ward2", "G1", "AG", "KHONG-CO")}, examples=12,
        dossiers=["public_notice"]),
    "public.notice_board_page": FormSpec(
        [(None, None), ("resident", None)], lambda ctx: "/public/notices/{code}",
        lambda ctx: {"code": one_of_or_hostile("G1", "g2", "WARD", "AG", "KHONG-CO"), "after": page_keys()},
        dossiers=["public_notice"]),
    "public.certificate": FormSpec(
        [(None, None)], lambda ctx: "/public/certificates/{code}",
        lambda ctx: {"code": one_of_or_hostile(*column_values("dossiers", "certificate_code"), "2026-abcd efgh",
                                               "https://x.example/public/certificates/2026-ABCDEFGH")},
        dossiers=["recognized", "revoked"]),
    "public.recognized": FormSpec(
        [(None, None)], lambda ctx: "/public/recognized",
        lambda ctx: {"campaign": numbers(*ctx.campaign_ids()), "unit": numbers(*ctx.unit_ids()),
                     "q": one_of_or_hostile("nguyen", "Nguyễn Văn", "hk-"), "after": page_keys()},
        examples=16, dossiers=["recognized", "revoked"]),
    "public.progress": FormSpec(
        [(None, None)], lambda ctx: "/public/progress",
        lambda ctx: {"campaign": numbers(*ctx.campaign_ids())}, examples=8,
        dossiers=["public_notice", "ward_inspection", "recognized"]),
    "public.recognized_csv": FormSpec(
        [(None, None)], lambda ctx: "/public/recognized.csv",
        lambda ctx: {"campaign": numbers(*ctx.campaign_ids())}, examples=8, dossiers=["recognized"]),
    "public.verify_pdf": FormSpec([(None, None)], lambda ctx: "/public/verify-pdf", lambda ctx: {}, examples=4),
    "public.diagram": FormSpec([(None, None)], lambda ctx: "/workflow",
                               lambda ctx: {"state": one_of_or_hostile(*[s.value for s in State])}, examples=12),
    "groups.proposal": FormSpec(
        [("group_committee", "public_notice"), ("committee2", "public_notice"), ("chairman", "public_notice")],
        lambda ctx: f"/units/{_dossier(ctx).unit_id}/proposals/{_dossier(ctx).campaign_id}",
        lambda ctx: {"format": one_of_or_hostile("html", "", "docx", "pdf")}, examples=8),
    "review.batch": FORMS["review.batch"],
    "review.batch_step": FORMS["review.batch_step"],
    "dossiers.renew_group": FORMS["dossiers.renew_group"],
    "dossiers.every_household": FormSpec(
        [("group_committee", "recognized")], lambda ctx: "/dossiers/every-household",
        lambda ctx: {"unit_id": numbers(*ctx.unit_ids()), "campaign_id": numbers(*ctx.campaign_ids()),
                     "title": one_of_or_hostile(*[t.value for t in Title])}, examples=12),
    "admin.calendar": FormSpec([("admin", None)], lambda ctx: "/admin/calendar",
                               lambda ctx: {"year": numbers(2026, 2027, 2100)}, examples=12),
    "admin.blank_layout_test": FormSpec(
        [("admin", None)], lambda ctx: f"/admin/units/{ctx.hostile.world.units['WARD'].id}/blank-layout/test",
        lambda ctx: {"format": one_of_or_hostile("html", "", "pdf", "docx")}, examples=6),
    "dossiers.decision_certificates": FormSpec(
        [("chairman", "recognized"), ("applicant", "recognized")],
        lambda ctx: f"/decisions/{_dossier(ctx).decision_id}/certificates",
        lambda ctx: {"blank": one_of_or_hostile("1", "0", "true", ""), "format": one_of_or_hostile("html", "pdf")},
        examples=6),
    "review.streaks": FormSpec([("chairman", None)], lambda ctx: "/review/streaks",
                               lambda ctx: {"unit_id": numbers(*ctx.unit_ids())}, examples=12,
                               dossiers=["recognized"]),
    "review.streaks_print": FormSpec([("auditor", None)], lambda ctx: "/review/streaks/print",
                                     lambda ctx: {"unit_id": numbers(*ctx.unit_ids())}, examples=12,
                                     dossiers=["recognized"]),
}


# --- coverage of the map ------------------------------------------------------------------------------------------

def _page_post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.endpoint.startswith("api.")}


def test_every_form_post_has_a_fuzzer(app):
    endpoints = _page_post_endpoints(app)
    assert endpoints - set(FORMS) == set(), "POST routes without an entry in FORMS (add one: who, where, fields)"
    assert set(FORMS) - endpoints == set(), "FORMS entries for routes that no longer take a POST"


def test_every_get_form_still_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert set(GET_FORMS) - endpoints == set(), "GET_FORMS entries for routes that are gone"


# --- the tests ----------------------------------------------------------------------------------------------------

def test_every_path_id_beyond_64_bits_is_no_server_error(app, client, world):
    """Every route with an <int:...> in its path (pages and API), with 10**20 there: a 404, never a 500."""
    from workflow.services.accounts import issue_token

    token = issue_token(world.users["admin"], hours=1)[0]
    db.session.commit()
    auth, failures = Auth(client), []
    for username in ("admin", "chairman"):  # the admin pages, then the rest as the one who sees every dossier
        auth.login(username)
        csrf = csrf_from(client.get("/").get_data(as_text=True))
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "<int:" not in rule.rule or rule.rule.startswith("/admin") != (username == "admin"):
                continue
            url = re.sub(r"<int:\w+>", "1" + "0" * 20, rule.rule)
            url = re.sub(r"<(\w+:)?\w+>", "x", url)
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
            try:
                response = client.open(url, method=method, headers=headers,
                                       data=None if method == "GET" else {"csrf_token": csrf})
                status = response.status_code
                response.close()
            except Exception as exc:
                db.session.rollback()
                failures.append(f"as {username}: {method} {url}: {type(exc).__name__}: {exc}")
                continue
            if status >= 500:
                failures.append(f"as {username}: {method} {url}: status {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_form_post_survives_hostile_input(app, client, endpoint):
    if endpoint not in _page_post_endpoints(app):
        pytest.fail(f"{endpoint} takes no POST any more: remove it from FORMS")
    _fuzz(app, client, endpoint, FORMS[endpoint], "POST")


@pytest.mark.parametrize("endpoint", sorted(GET_FORMS))
def test_get_form_survives_hostile_input(app, client, endpoint):
    _fuzz(app, client, endpoint, GET_FORMS[endpoint], "GET")


@dataclass
class Problem:
    request: str
    what: str


@dataclass
class Session:
    """The browser: who is signed in, the CSRF token of its session, what went wrong."""

    client: object
    auth: Auth
    username: str | None
    token: str = ""
    sent: int = 0
    problems: dict[str, list[Problem]] = field(default_factory=dict)

    def sign_in(self) -> None:
        """Sign in as `username` (or out, for None) and keep the session's CSRF token."""
        if self.username is None:
            page = self.client.get("/login")
            if page.status_code == 302:
                self.auth.logout()
                page = self.client.get("/login")
        else:
            response = self.auth.login(self.username)
            assert response.status_code == 302, f"{self.username} could not sign in"
            page = self.client.get("/")
        self.token = csrf_from(page.get_data(as_text=True))

    def note(self, signature: str, problem: Problem) -> None:
        kept = self.problems.setdefault(signature, [])
        if len(kept) < 3:
            kept.append(problem)


def _fuzz(app, client, endpoint: str, spec: FormSpec, method: str) -> None:
    # Sign-in failures and lookups reach the code instead of the throttles (these have their own tests).
    app.config.update(TRACK_REQUESTS_PER_MINUTE=10**9, LOGIN_MAX_FAILURES_PER_ADDRESS=10**9)
    keys = sorted({key for _, key in spec.actors if key} | set(spec.dossiers))
    world = build_hostile_world(client, keys)
    auth = Auth(client)
    problems: dict[str, list[Problem]] = {}
    sent = 0
    for username, key in spec.actors:
        session = Session(client, auth, username, sent=sent)
        session.sign_in()
        _fuzz_as(session, spec, method, Context(world, world.dossiers.get(key) if key else None))
        sent = session.sent
        for signature, kept in session.problems.items():
            problems.setdefault(signature, []).extend(kept)
    if problems:
        report = [f"{method} {endpoint}: {len(problems)} kind(s) of failure in {sent} requests"]
        for signature, kept in problems.items():
            report.append(f"== {signature}")
            for problem in kept:
                report += [problem.request, problem.what, ""]
        pytest.fail("\n".join(report), pytrace=False)


def _fuzz_as(session: Session, spec: FormSpec, method: str, ctx: Context) -> None:
    client = session.client
    fields, files, query, headers = spec.fields(ctx), spec.files(ctx), spec.query(ctx), spec.headers(ctx)
    form_url = spec.url(ctx)  # before any post: one may remove the very row the URL names

    @settings(SETTINGS, max_examples=spec.examples)
    @given(data=st.data())
    def run(data):
        pairs = _attack(_draw_pairs(data, fields), sorted(fields), session.sent)
        if method == "POST" and data.draw(st.integers(0, 9), label="leave out the CSRF token?") < 9:
            where = data.draw(st.integers(0, 63), label="where") % (len(pairs) + 1)  # same draws whatever the pairs
            pairs.insert(where, ("csrf_token", session.token))
        uploads = [(name, *data.draw(strategy, label=name)) for name, strategy in files.items()
                   if data.draw(st.integers(0, 5), label=f"leave out {name}?") < 5]
        url = form_url
        if "{code}" in url:  # a path parameter: the generated "code" goes into the path
            code = dict(pairs).get("code", "vi")
            pairs = [(k, v) for k, v in pairs if k != "code"]
            url = url.replace("{code}", _quote(code))
        query_pairs = _draw_pairs(data, query)
        if method == "GET":
            query_pairs += pairs
        target = url + ("?" + _encode(query_pairs) if query_pairs else "")
        sent_headers = {name: value for name, strategy in headers.items()
                        if (value := data.draw(strategy, label=name))
                        and not any("\ud800" <= c <= "\udfff" for c in value)}
        request = (f"as {session.username or 'nobody'}: {method} {target} headers={sent_headers!r} form={pairs!r} "
                   f"files={[(n, f, c[:80], len(c), note) for n, f, c, note in uploads]!r}")
        before = row_counts()
        session.sent += 1
        try:
            if method == "GET":
                response = client.get(target, headers=sent_headers)
            elif uploads:
                body, content_type = _multipart(pairs, uploads)
                response = client.post(target, data=body, content_type=content_type, headers=sent_headers)
            else:
                response = client.post(target, data=_encode(pairs).encode("ascii"), headers=sent_headers,
                                       content_type="application/x-www-form-urlencoded")
        except Exception as exc:  # the app raised: in production, a 500
            db.session.rollback()
            where = traceback.extract_tb(exc.__traceback__)[-1]
            session.note(f"{type(exc).__name__} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}",
                         Problem(request, "".join(traceback.format_exception(exc))[-5000:]))
            session.sign_in()
            return
        status, location = response.status_code, response.location or ""
        page = response.get_data(as_text=True) if "text/html" in (response.content_type or "") else ""
        response.close()
        if status >= 500:
            session.note(f"status {status}", Problem(request, page[:2000]))
        elif not 300 <= status < 400:  # a refusal, or (GET) a page: nothing may have been written
            after = row_counts()
            if after != before and (method == "GET" or status >= 400 or "<form" in page):
                session.note(f"status {status} but rows changed", Problem(request, f"before {before}, after {after}"))
        if session.username is None or urlsplit(location).path == "/login":
            session.sign_in()  # the form signed us in or out: back as we were

    run()


# The classic breakers, one field at a time (in turn, every other request), the others left as drawn.
ATTACKS = ["1" + "0" * 20, "\ud800", "a\x00b", "²", "--5", "x" * 6000, "-1", " "]


def _attack(pairs: list[tuple[str, str]], names: list[str], count: int) -> list[tuple[str, str]]:
    if not names or count % 2:
        return pairs
    turn = count // 2
    name, value = names[turn % len(names)], ATTACKS[(turn // len(names)) % len(ATTACKS)]
    return [(k, v) for k, v in pairs if k != name] + [(name, value)]


def _draw_pairs(data, fields: dict[str, st.SearchStrategy]) -> list[tuple[str, str]]:
    """Form pairs: each field once (hypothesis' favourite "0"), left out, or repeated; sometimes an unknown key."""
    pairs = []
    for name, strategy in fields.items():
        how = data.draw(st.integers(0, 5), label=f"how {name}")
        if how < 4:
            pairs.append((name, data.draw(strategy, label=name)))
        elif how == 5:
            pairs += [(name, value) for value in data.draw(st.lists(strategy, min_size=2, max_size=3), label=name)]
    if fields and data.draw(st.integers(0, 7), label="unknown key?") == 7:
        pairs.append((data.draw(hostile(), label="unknown key"), data.draw(hostile(), label="its value")))
    return pairs


def _encode(pairs) -> str:
    """application/x-www-form-urlencoded, lone surrogates as the bytes a browser never sends (%ED%A0%80)."""
    return urlencode(pairs, errors="surrogatepass")


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="", errors="surrogatepass")


def _multipart(pairs, uploads) -> tuple[bytes, str]:
    boundary = "kieumau-hostile-boundary"
    chunks = []
    for name, value in pairs:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    for name, filename, content, _note in uploads:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n")
        chunks.append(head.encode("utf-8", "surrogatepass") + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n")
    body = b"".join(c if isinstance(c, bytes) else c.encode("utf-8", "surrogatepass") for c in chunks)
    return body, f"multipart/form-data; boundary={boundary}"
