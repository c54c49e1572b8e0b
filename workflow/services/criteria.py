"""Criteria sets: loading them from data files, finding the current one, and scoring an assessment."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from models import CriteriaSet, Criterion, Disqualifier, Standard
from states.enums import Title
from states.text import T
from states.titles import FACTS
from workflow.extensions import db
from workflow.services.errors import Conflict, ValidationFailed
from workflow.services.validate import has_surrogate

SUBJECT_KINDS = {title: facts.subject_kind for title, facts in FACTS.items()}  # states/titles.py


def current_set(title: Title) -> CriteriaSet | None:
    """The newest version loaded for the title; dossiers keep the set they were created under."""
    return db.session.scalars(
        select(CriteriaSet).where(CriteriaSet.title == title.value).order_by(CriteriaSet.id.desc()).limit(1)
    ).first()


HEADER_LIMITS = {"title": 30, "code": 60, "version": 60, "name": 300, "shape": 20}  # the columns' sizes


def _texts(node: Any):
    """Every string of a JSON document, keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def _check(document: Any) -> list[str]:
    """Every problem of a criteria file, in words an admin can act on."""
    problems: list[str] = []
    if not isinstance(document, dict):
        return [T("tệp phải chứa một đối tượng JSON")]
    if any(has_surrogate(text) or "\x00" in text for text in _texts(document)):
        return [T("tệp có ký tự không hợp lệ (mã \\udXXX hoặc NUL): lưu lại tệp dạng UTF-8")]
    for key in ("title", "code", "version", "name", "shape"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            problems.append(T("thiếu trường “%(key)s”", key=key))
        elif len(document[key]) > HEADER_LIMITS[key]:
            problems.append(T("“%(key)s” dài quá %(n)s ký tự", key=key, n=HEADER_LIMITS[key]))
    pass_points = document.get("pass_points")
    if pass_points is not None and (isinstance(pass_points, bool) or not isinstance(pass_points, int)
                                    or not 1 <= pass_points <= 100):
        problems.append(T("“pass_points” phải là số nguyên từ 1 đến 100"))
    if not isinstance(document.get("title"), str) or document["title"] not in set(Title):
        problems.append(T("“title” phải là một trong: %(titles)s", titles=", ".join(Title)))
    shape = document.get("shape")
    if shape not in ("checklist", "points"):
        problems.append(T("“shape” phải là checklist hoặc points"))
    codes: set[str] = set()

    def check_criterion(item: Any, where: str) -> None:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not item["code"] \
                or not isinstance(item.get("name"), str) or not item["name"]:
            problems.append(T("%(where)s: mỗi tiêu chí cần code và name", where=where))
            return
        if len(item["code"]) > 30 or len(item["name"]) > 300:
            problems.append(T("%(where)s: mã tiêu chí tối đa 30 ký tự, tên tối đa 300 ký tự", where=where))
        if shape == "points" and isinstance(item.get("max_points"), int) and not 0 <= item["max_points"] <= 100:
            problems.append(T("%(where)s: tiêu chí %(code)s có max_points ngoài 0–100", where=where,
                              code=item["code"][:30]))
        if not isinstance(item.get("mandatory", True), bool):
            problems.append(T("%(where)s: “mandatory” của tiêu chí %(code)s phải là true hoặc false", where=where,
                              code=item["code"]))
        if item["code"] in codes:
            problems.append(T("%(where)s: mã tiêu chí %(code)s bị lặp", where=where, code=item["code"]))
        codes.add(item["code"])
        if shape == "points" and not isinstance(item.get("max_points"), int):
            problems.append(T("%(where)s: tiêu chí %(code)s cần max_points là số nguyên", where=where,
                              code=item["code"]))

    if shape == "points":
        standards = document.get("standards")
        if not isinstance(standards, list) or not standards:
            problems.append(T("bộ chấm điểm cần danh sách “standards”"))
        else:
            total = 0
            standard_codes = [s.get("code") for s in standards if isinstance(s, dict)]
            for code in sorted({c for c in standard_codes if isinstance(c, str) and standard_codes.count(c) > 1}):
                problems.append(T("mã tiêu chuẩn %(code)s bị lặp", code=code[:30]))
            for standard in standards:
                if not isinstance(standard, dict) or not isinstance(standard.get("code"), str) \
                        or not standard["code"] or len(standard["code"]) > 30 \
                        or not isinstance(standard.get("name"), str) or len(standard["name"]) > 300 \
                        or not isinstance(standard.get("criteria") or [], list):
                    problems.append(T("mỗi tiêu chuẩn cần code, name, max_points và criteria"))
                    continue
                criteria = standard.get("criteria") or []
                for item in criteria:
                    check_criterion(item, standard["code"])
                points = sum(c.get("max_points", 0) for c in criteria if isinstance(c, dict)
                             and isinstance(c.get("max_points"), int))
                if points != standard.get("max_points"):
                    problems.append(T("tiêu chuẩn %(code)s: các tiêu chí cộng lại %(points)s điểm, không phải %(max)s",
                                      code=standard["code"], points=points, max=standard.get("max_points")))
                total += points
            if total != 100:
                problems.append(T("bộ chấm điểm phải tổng 100 điểm, bộ này %(total)s", total=total))
    elif shape == "checklist":
        criteria = document.get("criteria")
        if not isinstance(criteria, list) or not criteria:
            problems.append(T("bộ đạt / không đạt cần danh sách “criteria”"))
        else:
            for item in criteria:
                check_criterion(item, "criteria")
    disqualifiers = document.get("disqualifiers") or []
    bar_codes: set[str] = set()
    for item in disqualifiers if isinstance(disqualifiers, list) else [None]:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not item["code"] \
                or len(item["code"]) > 30 or not isinstance(item.get("name"), str) or not item["name"]:
            problems.append(T("mỗi trường hợp không xét cần code và name"))
        elif item["code"] in bar_codes:
            problems.append(T("mã trường hợp không xét %(code)s bị lặp", code=item["code"]))
        else:
            bar_codes.add(item["code"])
    return problems


def load_criteria_document(document: Any, source: str = "") -> tuple[CriteriaSet, bool]:
    """Add a criteria set version from its JSON form; (set, False) when that version is already loaded
    with the same content, Conflict when it is loaded with different content."""
    problems = _check(document)
    if problems:
        raise ValidationFailed(T("Tệp bộ tiêu chí không hợp lệ: %(problems)s", problems="; ".join(problems)),
                               {"file": problems[0]})
    existing = db.session.scalars(
        select(CriteriaSet).where(CriteriaSet.title == document["title"],
                                  CriteriaSet.version == document["version"])
    ).first()
    if existing is not None:
        if existing.source == _canonical(document):
            return existing, False
        raise Conflict(T("Phiên bản %(version)s của bộ tiêu chí đã có với nội dung khác; hãy đặt một phiên bản mới.",
                         version=document["version"]), {"version": T("đã tồn tại")})
    criteria_set = CriteriaSet(
        title=document["title"], code=document["code"], version=document["version"], name=document["name"],
        shape=document["shape"], pass_points=document.get("pass_points"), source=_canonical(document),
    )
    position = 0
    if document["shape"] == "points":
        for s_pos, item in enumerate(document["standards"]):
            standard = Standard(code=item["code"], name=item["name"], max_points=item["max_points"],
                                position=s_pos)
            criteria_set.standards.append(standard)
            for c in item["criteria"]:
                position += 1
                criteria_set.criteria.append(Criterion(
                    code=c["code"], name=c["name"], mandatory=c.get("mandatory", True),
                    max_points=c["max_points"], position=position, standard=standard))
    else:
        for c in document["criteria"]:
            position += 1
            criteria_set.criteria.append(Criterion(code=c["code"], name=c["name"],
                                                   mandatory=c.get("mandatory", True), position=position))
    for d_pos, item in enumerate(document.get("disqualifiers") or []):
        criteria_set.disqualifiers.append(Disqualifier(code=item["code"], name=item["name"], position=d_pos))
    db.session.add(criteria_set)
    db.session.flush()
    return criteria_set, True


def _canonical(document: dict) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def load_criteria_file(path: str | Path) -> tuple[CriteriaSet, bool]:
    """A criteria set from a JSON file, or from an Excel one (.xlsx, the layout of criteria_xlsx)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            from workflow.services import criteria_xlsx

            if path.stat().st_size > criteria_xlsx.MAX_BYTES:  # refused before it is read into memory
                raise ValidationFailed(T("Tệp quá lớn (tối đa 5 MB)."), {"file": T("tệp quá lớn")})
            return load_criteria_document(criteria_xlsx.read(path.read_bytes()), source=str(path))
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(T("Không đọc được tệp %(name)s: %(why)s", name=path.name, why=str(exc)),
                               {"file": str(exc)}) from exc
    return load_criteria_document(document, source=str(path))


def load_criteria_dir(folder: str | Path) -> list[tuple[CriteriaSet, bool]]:
    return [load_criteria_file(p) for p in sorted(Path(folder).glob("*.json"))]


@dataclass
class Score:
    shape: str
    total: int = 0
    met: int = 0
    count: int = 0
    passed: bool = False
    reasons: list[str] = field(default_factory=list)
    standards: list[dict] = field(default_factory=list)


def score(criteria_set: CriteriaSet, items: dict[str, Any], pass_points: int) -> Score:
    """Score assessment items (criterion code → object with .met / .points) against the set's rule."""
    result = Score(shape=criteria_set.shape, count=len(criteria_set.criteria))
    if criteria_set.shape == "points":
        for standard in criteria_set.standards:
            got = sum((items[c.code].points or 0) for c in criteria_set.criteria
                      if c.standard_id == standard.id and c.code in items)
            result.total += got
            half = standard.max_points / 2
            result.standards.append({"code": standard.code, "points": got, "max_points": standard.max_points})
            if got < half:
                result.reasons.append(T("tiêu chuẩn %(code)s đạt %(got)s/%(max)s, cần ≥ %(half)s",
                                        code=standard.code, got=got, max=standard.max_points, half=f"{half:g}"))
        if result.total < pass_points:
            result.reasons.append(T("tổng điểm %(total)s/100, cần ≥ %(pass_points)s", total=result.total,
                                    pass_points=pass_points))
    else:
        for criterion in criteria_set.criteria:
            item = items.get(criterion.code)
            if item is not None and item.met:
                result.met += 1
            elif criterion.mandatory:
                result.reasons.append(T("tiêu chí %(code)s chưa đạt", code=criterion.code))
        result.total = result.met
    result.passed = not result.reasons
    return result
