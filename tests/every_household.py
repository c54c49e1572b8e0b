"""A residential group as the records know its households (tests of the titles assessed for every household)."""

from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEvent, Dossier, RoleAssignment, User
from states.enums import State, Title
from tests.factories import World, _password_hash
from workflow.extensions import db
from workflow.services.dossiers import create_dossier

HEAD_A = "038072104518"  # a household head whose family dossier the group has
MEMBER_A = "038175004411"  # a member of that household, with an account
RESIDENT = "038181822076"  # a resident with an account and no household dossier: the head of her own
RESIDENT_MAN = "038066412087"


def resident(world: World, username: str, personal_id: str, group: str = "G1", full_name: str | None = None) -> User:
    """A resident's account: the applicant role in the group, and a personal number."""
    user = User(username=username, full_name=full_name or f"Người dân {username}", password_hash=_password_hash(),
                personal_id=personal_id)
    user.roles.append(RoleAssignment(role="applicant", unit=world.units[group]))
    db.session.add(user)
    db.session.commit()
    world.users[username] = user
    return user


def on_behalf(world: World, title: Title, ref: str, name: str = "", group: str = "G1") -> Dossier:
    """A household's dossier typed in by group 1's committee (born `registered`)."""
    return create_dossier(world.users["group_committee"], {
        "campaign_id": world.campaign.id, "unit_id": world.units[group].id, "title": title.value,
        "subject_name": name or f"Hộ {ref}", "subject_ref": ref, "on_behalf": True})


def known_group(world: World) -> Dossier:
    """Group 1 as the records know it: two household dossiers (one with members, one withdrawn), a citizen's
    dossier (a person, no household), a member of a household with an account, two residents with accounts and no
    household dossier, and a resident of group 2. Lan's household already has this year's “Gia đình văn hóa”
    dossier (returned): it is left out of the one step."""
    world.dossier(State.RECOGNIZED, subject_ref=HEAD_A, subject_name="Hộ ông Nguyễn Văn An",
                  subject_address="Số 12 ngõ 3",
                  members=[{"name": "Nguyễn Văn An", "personal_id": HEAD_A, "relation": "Chủ hộ"},
                           {"name": "Trần Thị Bé", "personal_id": MEMBER_A, "relation": "Vợ"}])
    world.dossier(State.WITHDRAWN, subject_ref="HK-00777", subject_name="Hộ bà Trần Thị Dung")
    world.dossier(State.REGISTERED, title=Title.MODEL_CITIZEN, subject_ref="038079310264",
                  subject_name="Phạm Văn Dũng")
    resident(world, "be", MEMBER_A, full_name="Trần Thị Bé")
    resident(world, "lan", RESIDENT, full_name="Ngô Thị Lan")
    resident(world, "hai", RESIDENT_MAN, full_name="Hoàng Minh Hải")
    resident(world, "neighbour", "038177328093", group="G2", full_name="Lương Thị Yến")
    existing = on_behalf(world, Title.CULTURED_FAMILY, RESIDENT, "Hộ bà Ngô Thị Lan")
    db.session.commit()
    return existing


def counts() -> tuple[int, int]:
    """(dossiers, audit events) in the database."""
    return (db.session.scalar(select(func.count(Dossier.id))), db.session.scalar(select(func.count(AuditEvent.id))))
