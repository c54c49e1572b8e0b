"""The bench scripts at a small N (issue 15): they run and what they load is right. Never their timings."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from models import AuditEvent, Dossier, User
from states.enums import State
from workflow.extensions import db

BENCH = Path(__file__).resolve().parent.parent.parent / "bench"
N = 2_000


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generate_loads_a_province_that_passes_the_apps_own_checks(app, client, tmp_path):
    from workflow.services import seals
    from workflow.services.accounts import issue_token
    from workflow.services.replay import replay

    generate = _load("generate")
    summary = generate.generate(N, app.config["SQLALCHEMY_DATABASE_URI"],
                                migration_url=app.config.get("MIGRATION_DATABASE_URL") or None,
                                results_dir=tmp_path, progress=False)
    db.session.expire_all()

    assert summary["dossiers"] == N == db.session.scalar(select(func.count(Dossier.id)))
    assert (tmp_path / f"generate-{N}.json").exists()
    states = Counter(db.session.scalars(select(Dossier.state)))
    assert set(states) == {s.value for s in State}, states
    assert db.session.scalar(select(func.count(AuditEvent.id))) == summary["events"] > 2 * N

    report = seals.verify_all()
    assert report.valid, report.broken[:5]
    assert report.dossiers_checked == N and report.events_checked == summary["events"]
    assert replay() == []

    auditor = db.session.scalars(select(User).where(User.username == summary["users_sample"]["ward_auditor"])).one()
    token, _ = issue_token(auditor, hours=1)
    db.session.commit()
    page = client.get("/api/v1/dossiers?state=recognized", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    listed = page.json
    items = listed.get("items", listed.get("dossiers", listed)) if isinstance(listed, dict) else listed
    assert items and all(d["state"] == "recognized" for d in items)
