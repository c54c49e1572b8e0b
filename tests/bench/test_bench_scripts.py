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


# --- the scale benches (queries.py, steps.py, batch.py) on a loaded province: they answer correctly -------------

def _province(app, tmp_path) -> dict:
    summary = _load("generate").generate(N, app.config["SQLALCHEMY_DATABASE_URI"],
                                         migration_url=app.config.get("MIGRATION_DATABASE_URL") or None,
                                         results_dir=tmp_path, progress=False)
    db.session.expire_all()
    return summary


def _quiet(*_args) -> None:
    pass


def test_queries_answers_every_request_of_every_role(app, tmp_path):
    _province(app, tmp_path)
    queries = _load("queries")

    figures = queries.measure(app, rounds=1, warm_up=False, results_dir=tmp_path, out=_quiet)

    assert figures["failures"] == [] and figures["all_ok"]
    assert figures["n"] == N and (tmp_path / f"queries-{N}.json").exists()
    asked = {(r["who"], r["label"]) for r in figures["requests"]}
    assert {who for who, _ in asked} == {*queries.ROLES, "public"}
    for who in queries.ROLES:
        assert {(who, label) for label in ("home", "dossiers page", "api list", "api state=", "api q=name",
                                           "api q=code", "api cursor page", "api unit_id=", "api campaign_id=",
                                           "api overdue=true", "dossier page")} <= asked, who
    for who in ("chairman", "ward_auditor", "province_admin", "province_auditor"):
        assert {(who, "audit page"), (who, "stats page"), (who, "api stats")} <= asked, who
    assert {("public", "progress page"), ("public", "recognized page, last year")} <= asked
    for line in figures["requests"]:
        assert line["statuses"] == {"200": 1}, line
        assert line["ms"]["n"] == 1 and line["ms"]["p50"] > 0 and line["bytes"] > 0, line
        assert line["statements"]["p50"] >= 1, line


def test_steps_compares_the_real_cycle_with_a_bare_write(app, tmp_path):
    from models import AuditEvent, Notification
    from workflow.services import seals

    _province(app, tmp_path)

    figures = _load("steps").measure(app, rounds=2, steps=6, dossiers=2, results_dir=tmp_path, out=_quiet)

    assert figures["failures"] == [] and figures["all_ok"]
    assert (tmp_path / f"steps-{N}.json").exists()
    real, bare = figures["real"], figures["bare"]
    assert real["ms_per_request"] > 0 and bare["ms_per_request"] > 0
    assert figures["ratio_bare_over_real"] == round(bare["ms_per_request"] / real["ms_per_request"], 3) > 0
    assert figures["cpu_ratio_bare_over_real"] > 0
    for name, timing in real["by_request"].items():
        assert timing["ms"]["n"] == 2 and timing["statements"]["p50"] > 2, name
    assert bare["ms"]["n"] == 6 and bare["statements"]["p50"] == 2  # the UPDATE and the INSERT
    memory = figures["memory"]
    assert memory["steps"] == 6 and memory["rss_before_mb"] > 0 and memory["rss_after_mb"] > 0

    # Every cycle went round: the dossiers are back on public notice, with valid chains; the bare writes are there.
    db.session.expire_all()
    for dossier_id in figures["dossiers_cycled"]:
        assert db.session.get(Dossier, dossier_id).state == State.PUBLIC_NOTICE
    returns = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.dossier_id.in_(figures["dossiers_cycled"]), AuditEvent.trigger == "return_to_group"))
    assert returns == 1 + 2 + 2  # the warm-up, the rounds, the memory run's six steps
    assert db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.text == "bench/steps.py: bare write")) == 3 + 6
    assert seals.verify_all().valid


def test_batch_decides_and_moves_every_dossier_asked(app, tmp_path, monkeypatch):
    from models import Decision
    from workflow import limits

    _province(app, tmp_path)
    monkeypatch.setattr(limits, "DOSSIER_IDS_MAX", 40)  # below the decision's size: the cap is read, not assumed

    figures = _load("batch").measure(app, size=100, results_dir=tmp_path, out=_quiet)

    assert figures["all_ok"], figures
    assert (tmp_path / f"batch-{N}.json").exists()
    decision, step = figures["decision"], figures["batch_step"]
    assert decision["asked"] == decision["size"] == 100 and decision["cap"] == 40
    assert decision["decided"] == 100 and decision["ms"] > 0
    if not decision["done_in_one"]:  # the app kept its cap: refused whole, then decided in parts of the cap
        assert decision["one_request"]["status"] == 422
        assert decision["requests"] == 3 == len(decision["chunks"])
    assert 0 < step["size"] <= 100 and step["moved"] == step["size"] and step["ms"] > 0
    assert step["trigger"] in ("accept", "submit_assessment", "close_notice", "close_review")

    db.session.expire_all()
    decided = db.session.scalars(select(Dossier).where(Dossier.decision_id.is_not(None),
                                                       Dossier.state == State.RECOGNIZED,
                                                       Dossier.decision.has(Decision.number.contains("-B")))).all()
    assert len(decided) == decision["size"] and all(d.certificate_code for d in decided)


def test_papers_downloads_a_wards_certificates_as_one_pdf(app, tmp_path, monkeypatch):
    from workflow.services import certificates

    _province(app, tmp_path)
    whole = certificates.certificates_of

    def first_three(decision):  # three sheets stand for hundreds: the script's path is under test, not WeasyPrint
        found, revoked = whole(decision)
        return found[:3], revoked

    monkeypatch.setattr(certificates, "certificates_of", first_three)

    figures = _load("papers").measure(app, results_dir=tmp_path, out=_quiet)

    assert figures["all_ok"], figures
    assert figures["content_type"] == "application/pdf" and figures["bytes"] > 1000
    assert figures["sheets"] > 3 and figures["seconds"] > 0 and (tmp_path / f"papers-{N}.json").exists()
