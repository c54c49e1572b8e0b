"""The demo ward: Thị xã Nghi Sơn › Phường Tân Dân › TDP-1…TDP-5, its people, this year's campaign and ~30
dossiers in every state, each reached by real steps."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from models import Campaign, Unit, User
from states.enums import State, Title, UnitKind
from workflow import clock
from workflow.extensions import db
from workflow.services.accounts import create_user
from workflow.services.campaigns import create_campaign
from workflow.services.criteria import load_criteria_dir
from workflow.services.dossiers import create_dossier
from workflow.services.walkthrough import Cast, Timeline, drive

DEMO_PASSWORD = "demo12345"

UNITS = [
    ("T-THANHHOA", "Tỉnh Thanh Hóa", UnitKind.PROVINCE, None),
    ("TX-NGHISON", "Thị xã Nghi Sơn", UnitKind.TOWN, "T-THANHHOA"),
    ("P-TANDAN", "Phường Tân Dân", UnitKind.WARD, "TX-NGHISON"),
    *[(f"TDP-{n}", f"Tổ dân phố {n}", UnitKind.GROUP, "P-TANDAN") for n in range(1, 6)],
    ("CQ-THTANDAN", "Trường Tiểu học Tân Dân", UnitKind.AGENCY, "P-TANDAN"),
]

USERS = [
    ("admin", "Quản trị hệ thống", ["admin@P-TANDAN"]),
    ("applicant1", "Lê Văn Hùng", ["applicant@TDP-1", "applicant@CQ-THTANDAN"]),
    ("applicant2", "Nguyễn Thị Lan", ["applicant@TDP-2"]),
    ("committee1", "Trần Văn Minh (Tổ trưởng TDP 1)", ["group_committee@TDP-1", "group_committee@CQ-THTANDAN"]),
    ("committee2", "Phạm Thị Hoa (Tổ trưởng TDP 2)", ["group_committee@TDP-2"]),
    ("inspector", "Hoàng Văn Nam (Ban chỉ đạo)", ["ward_inspector@P-TANDAN"]),
    *[(f"council{n}", name, ["council_member@P-TANDAN"]) for n, name in enumerate(
        ["Mai Văn Sơn", "Đỗ Thị Thu", "Vũ Văn Bình", "Lê Thị Mai", "Ngô Văn Tuấn"], start=1)],
    ("secretary", "Bùi Thị Hằng (Thư ký Hội đồng)", ["council_secretary@P-TANDAN"]),
    ("chairman", "Nguyễn Văn Thành (Chủ tịch UBND phường)", ["chairman@P-TANDAN"]),
    ("vice_chairman", "Lê Văn Đức (Phó Chủ tịch UBND phường)", ["vice_chairman@P-TANDAN"]),
    ("auditor", "Đặng Văn Khoa (Thanh tra)", ["auditor@P-TANDAN"]),
]

GIVEN = ["Lê Thị", "Nguyễn Văn", "Trần Thị", "Phạm Văn", "Hoàng Thị", "Vũ Văn", "Đỗ Thị", "Bùi Văn"]
NAMES = ["An", "Bình", "Cường", "Dung", "Giang", "Hải", "Khánh", "Linh", "Nga", "Phúc", "Quang", "Sen"]

# Residents' personal numbers (số định danh cá nhân): how the system knows who is the subject of a dossier.
PERSONAL_IDS = {"applicant1": "038085001111", "applicant2": "038190002222"}

# (state, how many family dossiers, how many citizen dossiers)
SPREAD = [
    (State.DRAFT, 2, 1), (State.REGISTERED, 2, 1), (State.REGISTRATION_REJECTED, 1, 1),
    (State.SELF_ASSESSMENT, 2, 1), (State.PUBLIC_NOTICE, 2, 1), (State.WARD_INSPECTION, 2, 1),
    (State.COUNCIL_REVIEW, 2, 1), (State.AWAITING_DECISION, 2, 1), (State.RECOGNIZED, 2, 1),
    (State.NOT_RECOGNIZED, 1, 1), (State.REVOKED, 1, 0), (State.WITHDRAWN, 1, 1),
]


def _unit(code: str) -> Unit:
    return db.session.scalars(select(Unit).where(Unit.code == code)).one()


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def create_units() -> None:
    for code, name, kind, parent_code in UNITS:
        parent = _unit(parent_code) if parent_code else None
        unit = Unit(code=code, name=name, kind=kind.value, parent=parent)
        db.session.add(unit)
        db.session.flush()
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    db.session.flush()


def demo_campaign(year: int, today: date, start: date) -> Campaign:
    """This year's campaign of the demo ward, created by its admin (so the creation is audited)."""
    return create_campaign(_user("admin"), {
        "year": year, "unit_id": _unit("P-TANDAN").id, "name": f"Phong trào xây dựng danh hiệu kiểu mẫu năm {year}",
        "registration_opens": min(date(year, 1, 1), start), "registration_closes": max(date(year, 12, 31), today),
        "assessment_due": date(year, 11, 25), "inspection_due": date(year, 11, 30),
        "decision_due": date(year, 12, 31),
    }, now=clock.now() - timedelta(days=60))


def load_demo(criteria_dir: str) -> bool:
    """Create the demo ward and its dossiers; False (and nothing done) when it is already there."""
    load_criteria_dir(criteria_dir)
    if db.session.scalars(select(Unit).where(Unit.code == "P-TANDAN")).first() is not None:
        return False
    create_units()
    for username, full_name, roles in USERS:
        create_user(username, DEMO_PASSWORD, full_name, roles, personal_id=PERSONAL_IDS.get(username))
    now = clock.now()
    start = now - timedelta(days=45)
    campaign = demo_campaign(now.year, now.date(), start.date())

    cast_for = {
        "TDP-1": Cast(_user("applicant1"), _user("committee1"), _user("inspector"),
                      [_user(f"council{n}") for n in range(1, 6)], _user("secretary"), _user("chairman")),
        "TDP-2": Cast(_user("applicant2"), _user("committee2"), _user("inspector"),
                      [_user(f"council{n}") for n in range(1, 6)], _user("secretary"), _user("chairman")),
    }
    number = 0
    for state, families, citizens in SPREAD:
        for title, count in ((Title.MODEL_FAMILY, families), (Title.MODEL_CITIZEN, citizens)):
            for _ in range(count):
                group = "TDP-1" if number % 2 == 0 else "TDP-2"
                _demo_dossier(campaign, group, title, number, state, cast_for[group], start)
                number += 1
    # One residential group and one agency dossier, well along.
    _demo_dossier(campaign, "TDP-1", Title.MODEL_GROUP, number, State.COUNCIL_REVIEW, cast_for["TDP-1"], start)
    _demo_dossier(campaign, "CQ-THTANDAN", Title.MODEL_AGENCY, number + 1, State.AWAITING_DECISION,
                  cast_for["TDP-1"], start)
    return True


def _demo_dossier(campaign: Campaign, unit_code: str, title: Title, number: int, state: State, cast: Cast,
                  start) -> None:
    unit = _unit(unit_code)
    if title == Title.MODEL_GROUP or title == Title.MODEL_AGENCY:
        name, ref = unit.name, unit.code
    else:
        name = f"{GIVEN[number % len(GIVEN)]} {NAMES[number % len(NAMES)]}"
        prefix = "HK" if title == Title.MODEL_FAMILY else "0380"
        ref = f"{prefix}{90000000 + number * 7919:08d}"
        if title == Title.MODEL_FAMILY:
            name = "Hộ gia đình ông/bà " + name
    timeline = Timeline(start + timedelta(minutes=37 * number))
    when = timeline.next()
    dossier = create_dossier(cast.applicant, {
        "campaign_id": campaign.id, "title": title.value, "unit_id": unit.id, "subject_name": name,
        "subject_ref": ref, "subject_address": f"Số {number + 3}, {unit.name}, Phường Tân Dân",
    }, now=when)
    approve = state != State.NOT_RECOGNIZED
    drive(dossier, state, cast, timeline, approve=approve, decision_number=f"{number + 100}/QĐ-UBND")
