"""The world the hostile-input tests aim at, built on the `app` fixture's fresh database (so it is gone after the
test), with dossiers in the states where every step and every form has something to act on, so that generated
requests reach real rows and not only 404s."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, inspect, select, text

from models import AuditEvent, Dossier
from states.enums import State, Title
from tests.factories import World, build_world
from workflow.extensions import db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# Text that has broken web apps: NUL, lone surrogates, digits that are not ASCII, signs where numbers go, huge
# numbers, long runs, only spaces, markup, formulas, paths.
HOSTILE_TEXT = ["\x00", "a\x00b", "\ud800", "x\udfffy", "²", "--5", "-0", "+7", "1e3", "١٢", "10" + "0" * 19,
                " ", "\t\n", "", "x" * 6000, "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "../../etc/passwd",
                "%s%n", "' OR 1=1 --", "\u202e\u0301", "🙂" * 50, "2026-02-30", "0001-01-01", "9999-12-31",
                "0000-00-00"]

# The users whose tokens and sessions the generated requests use (tests/factories.py names them).
ROLE_USERS = ["applicant", "group_committee", "ward_inspector", "council1", "council_secretary", "chairman",
              "auditor", "admin", "outsider_committee", "applicant2"]

# Dossiers by key: every state a dossier can rest in, a second one awaiting a decision (batch decisions take
# several), one of another group, one on a checklist criteria set.
DOSSIERS = {state.value: (state, {}) for state in State} | {
    "awaiting_decision_2": (State.AWAITING_DECISION, {}),
    "draft_g2": (State.DRAFT, {"group": "G2"}),
    "self_assessment_citizen": (State.SELF_ASSESSMENT, {"title": Title.MODEL_CITIZEN}),
}


@pytest.fixture(autouse=True)
def hypothesis_stays_put(tmp_path_factory, monkeypatch):
    """Hypothesis keeps caches (unicode tables, the constants found in our source files) under .hypothesis in the
    working directory: for these tests they go to pytest's temporary folder, so nothing is left in the tree. And
    it mixes those constants into what it generates, which would make the requests depend on which other modules
    the run happened to import: off, so a failure seen in the whole suite comes back with this folder alone."""
    from hypothesis import configuration
    from hypothesis.internal.conjecture import providers

    previous = getattr(configuration, "__hypothesis_home_directory", None)
    configuration.set_hypothesis_home_dir(tmp_path_factory.getbasetemp() / "hypothesis")
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "CONSTANTS_CACHE"):
        monkeypatch.setattr(providers, "_get_local_constants", providers.Constants)
        providers.CONSTANTS_CACHE.cache.clear()
    yield
    configuration.set_hypothesis_home_dir(previous)


@dataclass
class HostileWorld:
    world: World
    dossiers: dict[str, int] = field(default_factory=dict)  # key of DOSSIERS → dossier id

    @property
    def users(self):
        return self.world.users


def build_hostile_world(client, keys: list[str] | None = None) -> HostileWorld:
    """The factories' world and the dossiers named by `keys` (all of DOSSIERS when None), plus an objection on
    the one in public notice and an attachment on the one in self-assessment when those are built."""
    world = build_world()
    hostile = HostileWorld(world)
    for number, key in enumerate(keys if keys is not None else DOSSIERS, start=1):
        state, options = DOSSIERS[key]
        hostile.dossiers[key] = world.dossier(state, decision_number=f"{number:02d}/QĐ-UBND", **options).id
    _add_objection_and_attachment(client, hostile)
    db.session.expire_all()
    return hostile


def _add_objection_and_attachment(client, hostile: HostileWorld) -> None:
    """Through the API (the contract of API.md), so that objection and attachment ids exist too."""
    from workflow.services.accounts import issue_token

    notice = hostile.dossiers.get(State.PUBLIC_NOTICE.value)
    assessed = hostile.dossiers.get(State.SELF_ASSESSMENT.value)
    if notice:
        inspector, _ = issue_token(hostile.users["ward_inspector"], hours=24)
        db.session.commit()
        response = client.post(f"/api/v1/dossiers/{notice}/objections", json={"text": "Hộ này chưa đạt tiêu chí 2"},
                               headers={"Authorization": f"Bearer {inspector}"})
        assert response.status_code == 201, response.get_data(as_text=True)
    if assessed:
        committee, _ = issue_token(hostile.users["group_committee"], hours=24)
        db.session.commit()
        response = client.post(f"/api/v1/dossiers/{assessed}/attachments",
                               data={"file": (io.BytesIO(PDF), "bien-ban.pdf"), "kind": "meeting_minutes"},
                               content_type="multipart/form-data", headers={"Authorization": f"Bearer {committee}"})
        assert response.status_code == 201, response.get_data(as_text=True)


def row_counts() -> dict[str, int]:
    """What a refused request must leave as it was."""
    db.session.rollback()  # read what is committed, not what a failed request left in the session
    return {"audit_events": db.session.scalar(select(func.count(AuditEvent.id))),
            "dossiers": db.session.scalar(select(func.count(Dossier.id)))}


def column_values(table: str, column: str, limit: int = 200) -> list:
    """The values real rows have in table.column (ids for path parameters, tracking codes...)."""
    inspector = inspect(db.engine)
    if not table or table not in set(inspector.get_table_names()):
        return []
    if column not in {c["name"] for c in inspector.get_columns(table)}:
        return []
    rows = db.session.execute(text(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL '
                                   f'ORDER BY 1 LIMIT {int(limit)}'))
    return [row[0] for row in rows]
