"""The public list of those recognized and the posting of a decision's list (issue 8): exactly the dossiers
recognized by a signed decision and still standing, nothing personal; the deadline on the chairman's work list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent, Campaign, Decision, Dossier
from states.enums import EventName, State, Title, Trigger
from tests.services.test_streaks import recognize
from workflow import clock
from workflow.extensions import db
from workflow.services import publication
from workflow.services.calendar import VIETNAM
from workflow.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflow.services.walkthrough import step
from workflow.services.work import my_work

pytestmark = pytest.mark.usefixtures("app")

DECISION = "01/QĐ-UBND"


@dataclass
class Ward:
    """A campaign with dossiers in every ending that matters to the list, each subject with personal numbers."""

    world: object
    recognized: list[Dossier]
    left_out: dict[str, Dossier]
    last_year: Dossier

    @property
    def decision(self) -> Decision:
        return db.session.get(Decision, self.recognized[0].decision_id)

    def personal_numbers(self) -> set[str]:
        every = self.recognized + list(self.left_out.values()) + [self.last_year]
        return ({d.subject_ref for d in every}
                | {m.personal_id for d in every for m in d.members if m.personal_id})


def personal(n: int) -> str:
    return f"0380900{n:05d}"


def household(world, state: State, n: int, name: str, **kw) -> Dossier:
    return world.dossier(state, subject_ref=personal(n), subject_name=name, subject_address=f"Số {n} ngõ Chợ",
                         members=[{"name": f"Con của {name}", "personal_id": personal(n + 500), "relation": "con"}],
                         decision_number=DECISION, **kw)


def build_ward(world) -> Ward:
    recognized = [
        household(world, State.RECOGNIZED, 1, "Hộ ông Trần Văn Bình"),
        household(world, State.RECOGNIZED, 2, "Hộ bà Lê Thị Hoa"),
        household(world, State.RECOGNIZED, 3, "Hộ ông Đỗ Văn Cường", group="G2"),
        world.dossier(State.RECOGNIZED, title=Title.MODEL_GROUP, subject_ref="TDP-G2", subject_name="Tổ dân phố 2",
                      group="G2", decision_number=DECISION),
    ]
    left_out = {
        "refused": household(world, State.NOT_RECOGNIZED, 4, "Hộ ông Phan Văn Khải", approve=False),
        "revoked": household(world, State.REVOKED, 5, "Hộ bà Vũ Thị Lan"),
        "awaiting": household(world, State.AWAITING_DECISION, 6, "Hộ ông Ngô Văn Tâm"),
        "withdrawn": household(world, State.WITHDRAWN, 7, "Hộ bà Hồ Thị Mơ"),
        "in_review": household(world, State.COUNCIL_REVIEW, 8, "Hộ ông Lý Văn Sơn"),
    }
    last_year = recognize(world, world.campaign.year - 1, personal(9), name="Hộ ông Mạc Văn Tùng")
    return Ward(world, recognized, left_out, last_year)


@pytest.fixture
def ward(world) -> Ward:
    return build_ward(world)


def test_the_list_holds_exactly_the_dossiers_recognized_by_a_signed_decision(ward):
    items = publication.recognized_list(ward.world.campaign.id)
    assert {i.subject_name for i in items} == {d.subject_name for d in ward.recognized}
    assert {i.certificate_code for i in items} == {d.certificate_code for d in ward.recognized}
    assert all(i.decision_number == DECISION and i.signed_on == ward.decision.signed_on for i in items)
    # The revoked title was signed too, and is gone; last year's campaign has a list of its own.
    assert ward.left_out["revoked"].decision_id == ward.decision.id
    assert [i.subject_name for i in publication.recognized_list(ward.last_year.campaign_id)] == ["Hộ ông Mạc Văn Tùng"]


def test_the_list_is_by_title_then_group_then_name(ward):
    items = publication.recognized_list(ward.world.campaign.id)
    assert [(i.title, i.unit_name, i.subject_name) for i in items] == [
        ("model_family", "Tổ dân phố 1", "Hộ bà Lê Thị Hoa"),
        ("model_family", "Tổ dân phố 1", "Hộ ông Trần Văn Bình"),
        ("model_family", "Tổ dân phố 2", "Hộ ông Đỗ Văn Cường"),
        ("model_group", "Tổ dân phố 2", "Tổ dân phố 2"),
    ]
    tables = publication.recognized_page(ward.world.campaign.id).tables
    assert [(t.title, t.count, [n for n, _item in t.lines]) for t in tables] == [
        ("model_family", 3, [1, 2, 3]), ("model_group", 1, [1])]


def test_the_list_carries_nothing_personal(ward):
    line = publication.recognized_list(ward.world.campaign.id)[0]
    assert set(line.json()) == {"subject_name", "title", "unit_name", "decision_number", "signed_on",
                                "certificate_code"}
    text = repr(publication.recognized_list(ward.world.campaign.id))
    assert not any(number in text for number in ward.personal_numbers())
    assert "ngõ Chợ" not in text


def test_campaigns_to_choose_are_those_with_someone_recognized(ward, world):
    assert [c.id for c in publication.public_campaigns()] == [world.campaign.id, ward.last_year.campaign_id]
    assert world.campaign2.id not in {c.id for c in publication.public_campaigns()}  # nobody recognized there
    assert publication.find_campaign(world.campaign2.id) == world.campaign2
    assert publication.find_campaign(0) is None and publication.find_campaign(10**20) is None


# --- the deadline and the posting --------------------------------------------------------------------------------

def test_the_deadline_counts_calendar_days_and_leaves_a_day_off():
    campaign = Campaign(publication_days=15)
    wednesday = Decision(outcome="recognize", signed_on=date(2026, 12, 1))
    assert publication.due_on(wednesday, campaign) == date(2026, 12, 16)
    saturday = Decision(outcome="recognize", signed_on=date(2026, 12, 5))
    assert publication.due_on(saturday, campaign) == date(2026, 12, 21)  # 20/12 is a Sunday
    assert publication.due_on(Decision(outcome="refuse", signed_on=date(2026, 12, 1)), campaign) is None


def at_ward(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=VIETNAM).astimezone(UTC)


def test_publishing_records_the_day_and_an_audit_event(ward, world):
    decision = ward.decision
    chairman = world.users["chairman"]
    on = decision.signed_on + timedelta(days=3)
    publication.publish(chairman, decision.id, on, now=at_ward(on + timedelta(days=1)))
    db.session.commit()
    assert decision.published_on == on and decision.published_by_id == chairman.id
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"decision:{decision.id}"))
    assert event.trigger == EventName.LIST_PUBLISHED and event.actor == "chairman" and event.role == "chairman"
    assert event.data["published_on"] == on.isoformat() and event.data["decision_number"] == DECISION
    assert event.unit_id == world.units["WARD"].id
    with pytest.raises(Conflict, match="đã được niêm yết ngày"):
        publication.publish(chairman, decision.id, on, now=at_ward(on + timedelta(days=2)))


def test_the_day_is_neither_in_the_future_nor_before_signing(ward, world):
    decision, chairman = ward.decision, world.users["chairman"]
    today = decision.signed_on + timedelta(days=2)
    for wrong in (today + timedelta(days=1), decision.signed_on - timedelta(days=1), None):
        with pytest.raises(ValidationFailed) as refused:
            publication.publish(chairman, decision.id, wrong, now=at_ward(today))
        assert set(refused.value.fields) == {"published_on"}
    assert decision.published_on is None
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"decision:{decision.id}")).all()


@pytest.mark.parametrize("username", ["council_secretary", "ward_inspector", "auditor", "group_committee"])
def test_only_the_chairman_publishes(ward, world, username):
    with pytest.raises(Forbidden):
        publication.publish(world.users[username], ward.decision.id, ward.decision.signed_on)
    assert ward.decision.published_on is None


def test_a_decision_out_of_scope_is_not_found(ward, world):
    with pytest.raises(NotFound):
        publication.publish(world.users["outsider_chairman"], ward.decision.id, ward.decision.signed_on)
    with pytest.raises(NotFound):
        publication.publish(world.users["chairman"], 10**20, ward.decision.signed_on)


def test_a_refusal_has_no_list_to_post(ward, world):
    dossier = ward.left_out["awaiting"]
    step(world.users["chairman"], dossier, Trigger.REFUSE, clock.now(), "Gia đình chưa hoàn thành cam kết",
         {"decision_number": "02/TB-UBND", "signed_on": clock.now().date().isoformat()})
    refused = db.session.get(Decision, dossier.decision_id)
    assert publication.due_on(refused) is None and publication.posting(world.users["chairman"], refused) is None
    with pytest.raises(Conflict, match="không có danh sách"):
        publication.publish(world.users["chairman"], refused.id, refused.signed_on)


def publications(user) -> list | None:
    return next((s.items for s in my_work(user) if s.key == "publications"), None)


def waiting(user, decision: Decision):
    """The work list's item for `decision`, or None."""
    return next((i for i in publications(user) if i.decision.id == decision.id), None)


def test_the_deadline_waits_on_the_chairmans_work_list_until_posted(ward, world, frozen_clock):
    decision, chairman = ward.decision, world.users["chairman"]
    due = publication.due_on(decision)
    frozen_clock.current = at_ward(decision.signed_on + timedelta(days=1))
    item = waiting(chairman, decision)
    assert item.due.on == due and item.due.status is None
    frozen_clock.current = at_ward(due)
    assert waiting(chairman, decision).due.status == "today"
    frozen_clock.current = at_ward(due + timedelta(days=1))
    item = waiting(chairman, decision)
    assert item.due.status == "overdue" and item.due.days == -1
    publication.publish(chairman, decision.id, due + timedelta(days=1))
    db.session.commit()
    assert waiting(chairman, decision) is None
    assert [i.decision.id for i in publications(chairman)] == [ward.last_year.decision_id]  # still waits
    assert publications(world.users["council_secretary"]) is None  # no such section for who may not post
    assert publications(world.users["outsider_chairman"]) == []  # another ward's chairman: not his decision


def test_a_revoked_title_leaves_the_list(ward, world):
    dossier = ward.recognized[0]
    step(world.users["chairman"], dossier, Trigger.REVOKE, clock.now(), "Vi phạm cam kết",
         {"decision_number": "90/QĐ-UBND", "signed_on": clock.now().date().isoformat()})
    db.session.commit()
    names = {i.subject_name for i in publication.recognized_list(world.campaign.id)}
    assert dossier.subject_name not in names and len(names) == len(ward.recognized) - 1


def test_the_vice_chairman_posts_under_the_chairmans_delegation(ward, world):
    from workflow.services import delegations

    chairman, vice, decision = world.users["chairman"], world.users["vice_chairman"], ward.decision
    today = clock.now().date()
    with pytest.raises(Forbidden):
        publication.publish(vice, decision.id, today)
    delegations.grant(chairman, {"to_username": "vice_chairman", "role": "chairman", "unit_code": "WARD",
                                 "starts_on": today, "ends_on": today + timedelta(days=6),
                                 "reason": "Chủ tịch đi công tác tỉnh"})
    db.session.commit()
    assert publication.may_publish(vice, decision)
    publication.publish(vice, decision.id, today)
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.stream == f"decision:{decision.id}")).one()
    assert (event.actor, event.role, event.data["on_behalf_of"]) == ("vice_chairman", "chairman", "chairman")
    assert decision.published_by_id == vice.id
