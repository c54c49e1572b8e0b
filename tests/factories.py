"""Builders for test data. Dossiers are moved only through the services (tests/factories never set state)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from models import Campaign, Dossier, RoleAssignment, Unit, User
from states.enums import State, Title, UnitKind
from workflow import clock
from workflow.extensions import db
from workflow.services.criteria import load_criteria_dir
from workflow.services.delegations import LENDABLE
from workflow.services.dossiers import create_dossier
from workflow.services.walkthrough import Cast, Timeline, drive

PASSWORD = "demo12345"
CRITERIA_DIR = Path(__file__).resolve().parent.parent / "data" / "criteria"

UNITS = [
    ("PROV", "Tỉnh Thử", UnitKind.PROVINCE, None),
    ("TOWN", "Thị xã Thử", UnitKind.TOWN, "PROV"),
    ("WARD", "Phường Thử", UnitKind.WARD, "TOWN"),
    ("G1", "Tổ dân phố 1", UnitKind.GROUP, "WARD"),
    ("G2", "Tổ dân phố 2", UnitKind.GROUP, "WARD"),
    ("AG", "Trường Tiểu học", UnitKind.AGENCY, "WARD"),
    ("WARD2", "Phường Bên Cạnh", UnitKind.WARD, "TOWN"),
    ("G9", "Tổ dân phố 9", UnitKind.GROUP, "WARD2"),
]

# username → roles; the role-named users are the ones the matrix uses.
USERS = {
    "applicant": ["applicant@G1", "applicant@AG"],
    "applicant2": ["applicant@G2"],
    "resident": ["applicant@G1"],  # a neighbour in group 1: may object to dossiers on notice there
    "group_committee": ["group_committee@G1", "group_committee@AG"],
    "committee2": ["group_committee@G2"],
    "ward_inspector": ["ward_inspector@WARD"],
    "council1": ["council_member@WARD"], "council2": ["council_member@WARD"], "council3": ["council_member@WARD"],
    "council4": ["council_member@WARD"], "council5": ["council_member@WARD"], "council6": ["council_member@WARD"],
    "council_secretary": ["council_secretary@WARD"],
    "chairman": ["chairman@WARD"],
    "vice_chairman": ["vice_chairman@WARD"],
    "auditor": ["auditor@WARD"],
    "admin": ["admin@WARD"],
    "outsider_committee": ["group_committee@G9"],
    "outsider_chairman": ["chairman@WARD2"],
    "outsider_auditor": ["auditor@WARD2"],
    "applicant9": ["applicant@G9"],
}
COUNCIL = [f"council{n}" for n in range(1, 7)]
ROLE_USERS = {"applicant": "applicant", "group_committee": "group_committee", "ward_inspector": "ward_inspector",
              "council_member": "council1", "council_secretary": "council_secretary", "chairman": "chairman",
              "vice_chairman": "vice_chairman", "auditor": "auditor", "admin": "admin"}


@functools.cache
def _password_hash() -> str:
    # A cheap hash for tests only: the app itself hashes with werkzeug's scrypt default.
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@dataclass
class World:
    units: dict[str, Unit]
    users: dict[str, User]
    campaign: Campaign
    campaign2: Campaign
    timeline: Timeline = field(init=False)

    def __post_init__(self) -> None:
        self.timeline = Timeline(clock.now() - timedelta(days=60))

    def cast(self, group: str = "G1") -> Cast:
        u = self.users
        applicant, committee = ("applicant2", "committee2") if group == "G2" else ("applicant", "group_committee")
        return Cast(u[applicant], u[committee], u["ward_inspector"], [u[n] for n in COUNCIL],
                    u["council_secretary"], u["chairman"])

    def dossier(self, state: State = State.DRAFT, title: Title = Title.MODEL_FAMILY, group: str = "G1",
                subject_ref: str | None = None, approve: bool = True, decision_number: str = "01/QĐ-UBND",
                **fields) -> Dossier:
        """A dossier created by the group's applicant and walked to `state` through the services."""
        cast = self.cast(group)
        # Each dossier walks its own month, ending in the past, so any number of them fit before "now".
        self.timeline = Timeline(clock.now() - timedelta(days=30))
        unit = self.units["AG" if title == Title.MODEL_AGENCY else group]
        number = db.session.query(Dossier).count() + 1
        payload = {"campaign_id": self.campaign.id, "title": title.value, "unit_id": unit.id,
                   "subject_name": f"Hộ ông Nguyễn Văn {number}", "subject_ref": subject_ref or f"HK-{number:05d}",
                   **fields}
        dossier = create_dossier(cast.applicant, payload, now=self.timeline.next())
        # A dossier left on public notice was posted yesterday: its notice is running, as the word says.
        posted = clock.now() - timedelta(days=1) if state == State.PUBLIC_NOTICE else None
        drive(dossier, state, cast, self.timeline, approve=approve, decision_number=decision_number, post_at=posted)
        db.session.commit()
        return dossier


def build_world() -> World:
    load_criteria_dir(CRITERIA_DIR)
    units: dict[str, Unit] = {}
    for code, name, kind, parent in UNITS:
        unit = Unit(code=code, name=name, kind=kind.value, parent=units.get(parent))
        db.session.add(unit)
        db.session.flush()
        unit.path = (units[parent].path if parent else "/") + f"{unit.id}/"
        units[code] = unit
    users: dict[str, User] = {}
    for username, roles in USERS.items():
        user = User(username=username, full_name=f"Người dùng {username}", password_hash=_password_hash())
        for spec in roles:
            role, _, unit_code = spec.partition("@")
            user.roles.append(RoleAssignment(role=role, unit=units[unit_code]))
        db.session.add(user)
        users[username] = user
    today = clock.now().date()
    campaign = make_campaign(units["WARD"], today)
    campaign2 = make_campaign(units["WARD2"], today)
    db.session.add_all([campaign, campaign2])
    db.session.commit()
    return World(units, users, campaign, campaign2)


def make_campaign(ward: Unit, today: date) -> Campaign:
    return Campaign(
        year=today.year, unit_id=ward.id, name=f"Thi đua kiểu mẫu {today.year}",
        registration_opens=today - timedelta(days=200), registration_closes=today + timedelta(days=30),
        # Room for the 10-day notice between the group's deadline and the ward's (a valid campaign).
        assessment_due=today + timedelta(days=40), inspection_due=today + timedelta(days=55),
        decision_due=today + timedelta(days=60), group_quorum=0.6, group_approval=0.6, notice_days=10,
        council_quorum=2 / 3, council_approval=0.7, pass_points=85,
    )


# --- extra people for the authorization matrix (tests/states/test_policy_matrix.py) ---------------------------
# Added to a world only by the tests that ask for them (`add_users`), so the shared world above, its council
# size and its user lists stay as other tests know them.

HOUSEHOLD_HEAD_ID = "038090001234"  # the personal number a matrix dossier names as its subject
HOUSEHOLD_MEMBER_ID = "038095005678"  # a listed member of that household
LENDABLE_ROLES = sorted(role.value for role in LENDABLE)  # the reviewer roles a holder may lend
MATRIX_USERS: dict[str, list[str]] = {
    # The same roles in another ward (those USERS has not got already).
    "outsider_inspector": ["ward_inspector@WARD2"],
    "outsider_council": ["council_member@WARD2"],
    "outsider_secretary": ["council_secretary@WARD2"],
    "outsider_vice": ["vice_chairman@WARD2"],
    "outsider_admin": ["admin@WARD2"],
    # The dossier's own people, who hold no role until a test lends them one.
    "household_head": [], "household_member": [],
    # Stand-ins holding no role of their own: each gets one role by a running delegation.
    **{f"stand_in_{role}": [] for role in LENDABLE_ROLES},
    # Stand-ins whose delegation has run out; they read the ward (auditor), so a refusal is a 403, not a 404.
    **{f"lapsed_{role}": ["auditor@WARD"] for role in LENDABLE_ROLES},
}
MATRIX_PERSONAL_IDS = {"household_head": HOUSEHOLD_HEAD_ID, "household_member": HOUSEHOLD_MEMBER_ID}


def add_users(world: World, users: dict[str, list[str]], personal_ids: dict[str, str] | None = None) -> None:
    """Add users (`username → ["role@UNIT", ...]`) to a built world, as build_world makes its own."""
    personal_ids = personal_ids or {}
    for username, roles in users.items():
        user = User(username=username, full_name=f"Người dùng {username}", password_hash=_password_hash(),
                    personal_id=personal_ids.get(username))
        for spec in roles:
            role, _, unit_code = spec.partition("@")
            user.roles.append(RoleAssignment(role=role, unit=world.units[unit_code]))
        db.session.add(user)
        world.users[username] = user
    db.session.commit()


def add_role(username: str, spec: str) -> None:
    """Give a user one more role (`role@UNIT`), flushed in the caller's transaction."""
    role, _, unit_code = spec.partition("@")
    user = db.session.scalars(select(User).where(User.username == username)).one()
    unit = db.session.scalars(select(Unit).where(Unit.code == unit_code)).one()
    user.roles.append(RoleAssignment(role=role, unit=unit))
    db.session.flush()
