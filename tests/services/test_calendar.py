"""The legal calendar: working days and periods counted as the Civil Code says (Art. 147–148), the notice that
follows it, and campaign dates in order with room for the notice."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from models import CalendarDay
from states.enums import State, Trigger
from workflow.extensions import db
from workflow.services import calendar, campaigns
from workflow.services.calendar import count, library_day_off
from workflow.services.dossiers import apply_transition
from workflow.services.errors import Conflict, Forbidden, GuardRefused, ValidationFailed
from workflow.services.listing import due_date, due_status, soon_until
from workflow.services.walkthrough import full_assessment

D = date


def announce(day: date, kind: str, name: str) -> None:
    db.session.add(CalendarDay(day=day, kind=kind, name=name))
    db.session.flush()


def tet_2027_as_announced() -> None:
    """The government's Tết 2027: off from Friday 05/02 to Thursday 11/02 (the library, by its own rule, has
    Thursday 04/02 to Wednesday 10/02 — the announced days correct it)."""
    announce(D(2027, 2, 4), calendar.WORKING_DAY, "Làm việc bình thường (lịch nghỉ Tết do Chính phủ công bố)")
    announce(D(2027, 2, 11), calendar.DAY_OFF, "Nghỉ Tết Nguyên đán (theo thông báo của Chính phủ)")


def vietnam(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """A moment given in Vietnam's time, as UTC (the clock's zone)."""
    local = datetime.combine(day, time(hour, minute, second), tzinfo=calendar.VIETNAM)
    return local.astimezone(UTC)


# --- what the library knows ------------------------------------------------------------------------------------

def test_the_library_knows_24_november_and_tet_by_its_own_rule(app):
    assert library_day_off(D(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert library_day_off(D(2027, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert library_day_off(D(2027, 2, 6)) == "Tết Nguyên Đán"
    assert library_day_off(D(2027, 2, 4)) == "29 Tết"  # the library's guess; the government chose otherwise
    assert library_day_off(D(2027, 2, 11)) is None
    assert library_day_off(D(2026, 8, 22)) is None  # a make-up Saturday the library lists (for 31/08/2026)
    assert library_day_off(D(2026, 11, 21)) == "Thứ Bảy" and library_day_off(D(2026, 11, 22)) == "Chủ nhật"


# --- counting ----------------------------------------------------------------------------------------------------

def test_working_days_skip_a_weekend(app):
    ends_on, skipped = count(D(2026, 11, 20), 1, working=True)  # a Friday
    assert ends_on == D(2026, 11, 23)
    assert skipped == [(D(2026, 11, 21), "Thứ Bảy"), (D(2026, 11, 22), "Chủ nhật")]


def test_working_days_skip_24_november(app):
    ends_on, skipped = count(D(2026, 11, 23), 1, working=True)
    assert (ends_on, skipped) == (D(2026, 11, 25), [(D(2026, 11, 24), "Ngày Văn hóa Việt Nam")])


def test_working_days_across_tet_2027_as_the_government_announced_it(app):
    tet_2027_as_announced()
    ends_on, skipped = count(D(2027, 2, 3), 3, working=True)  # Wednesday before Tết
    # Thursday 04/02 is worked (announced), Friday 05 to Thursday 11 are off, then Friday 12 and Monday 15.
    assert ends_on == D(2027, 2, 15)
    assert [day for day, _ in skipped] == [D(2027, 2, n) for n in (5, 6, 7, 8, 9, 10, 11, 13, 14)]
    why = dict(skipped)
    assert why[D(2027, 2, 5)] == "Giao thừa Tết Nguyên Đán" and why[D(2027, 2, 6)] == "Tết Nguyên Đán"
    assert why[D(2027, 2, 11)] == "Nghỉ Tết Nguyên đán (theo thông báo của Chính phủ)"
    assert why[D(2027, 2, 13)] == "Thứ Bảy"


def test_without_the_announcement_the_library_alone_counts_tet_2027_one_day_earlier(app):
    assert count(D(2027, 2, 3), 1, working=True).ends_on == D(2027, 2, 11)


def test_an_announced_make_up_saturday_counts_as_a_working_day(app):
    assert count(D(2026, 12, 4), 1, working=True).ends_on == D(2026, 12, 7)
    announce(D(2026, 12, 5), calendar.WORKING_DAY, "Làm bù cho ngày nghỉ 31/12/2026")
    assert count(D(2026, 12, 4), 1, working=True) == (D(2026, 12, 5), [])
    # the library's own make-up Saturday too
    assert count(D(2026, 8, 21), 1, working=True).ends_on == D(2026, 8, 22)


def test_an_announced_day_off_is_skipped(app):
    announce(D(2026, 12, 31), calendar.DAY_OFF, "Nghỉ bù")
    ends_on, skipped = count(D(2026, 12, 30), 1, working=True)
    assert ends_on == D(2027, 1, 4)  # 31/12 announced, 01/01 New Year, then the weekend
    assert [why for _, why in skipped] == ["Nghỉ bù", "Tết Dương lịch", "Thứ Bảy", "Chủ nhật"]


def test_calendar_days_count_every_day_but_end_on_a_working_day(app):
    # Civil Code Art. 147: the first day counted is the day after; Art. 148: a last day off moves to the next
    # working day.
    assert count(D(2026, 11, 20), 10, working=False) == (D(2026, 11, 30), [])
    ends_on, skipped = count(D(2026, 11, 25), 10, working=False)  # the 10th day is Saturday 05/12
    assert ends_on == D(2026, 12, 7)
    assert skipped == [(D(2026, 12, 5), "Thứ Bảy"), (D(2026, 12, 6), "Chủ nhật")]
    ends_on, skipped = count(D(2026, 11, 14), 10, working=False)  # the 10th day is 24/11
    assert (ends_on, skipped) == (D(2026, 11, 25), [(D(2026, 11, 24), "Ngày Văn hóa Việt Nam")])
    tet_2027_as_announced()
    ends_on, skipped = count(D(2027, 1, 28), 10, working=False)  # the 10th day is 07/02, in Tết
    assert ends_on == D(2027, 2, 12) and [d for d, _ in skipped] == [D(2027, 2, n) for n in range(7, 12)]


def test_the_overrides_of_a_long_span_are_read_in_one_query(app):
    from sqlalchemy import event

    statements = []

    def seen(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        count(D(2026, 1, 1), 366, working=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len([s for s in statements if "calendar_days" in s]) == 1


# --- the notice ----------------------------------------------------------------------------------------------------

def notice_world(world, frozen_clock, *, working: bool):
    """A group's dossier ready to be posted on Friday 20/11/2026 at 09:00 in Viet Nam."""
    campaign = world.campaign
    campaign.registration_opens, campaign.registration_closes = D(2026, 1, 1), D(2026, 10, 31)
    campaign.assessment_due, campaign.inspection_due, campaign.decision_due = (D(2026, 11, 25), D(2026, 12, 10),
                                                                               D(2026, 12, 31))
    campaign.notice_working_days = working
    db.session.commit()
    frozen_clock.current = vietnam(D(2026, 11, 20), 9) - timedelta(days=40)
    dossier = world.dossier(State.SELF_ASSESSMENT)
    frozen_clock.current = vietnam(D(2026, 11, 20), 9)
    from workflow.services import records

    committee = world.users["group_committee"]
    records.save_assessment(committee, dossier, full_assessment(dossier, held_on=D(2026, 11, 19)))
    apply_transition(committee, dossier, Trigger.SUBMIT_ASSESSMENT, dossier.version)
    db.session.commit()
    return dossier


def close_notice(world, dossier):
    return apply_transition(world.users["ward_inspector"], dossier, Trigger.CLOSE_NOTICE, dossier.version)


@pytest.mark.parametrize(("working", "last_day"), [(False, D(2026, 11, 30)), (True, D(2026, 12, 7))])
def test_a_notice_posted_on_friday_runs_to_the_end_of_its_last_day_in_vietnam(world, frozen_clock, working,
                                                                               last_day):
    dossier = notice_world(world, frozen_clock, working=working)
    assert dossier.notice_ends_on == last_day
    posted = dossier_events(dossier)[-1]
    assert posted.trigger == "submit_assessment"
    assert posted.data["notice_ends_on"] == last_day.isoformat()
    assert posted.data["notice_working_days"] is working

    # The day before the last day, and the last day's final second (23:59:59 in Viet Nam = 16:59:59 UTC).
    for moment in (vietnam(last_day - timedelta(days=1), 10), vietnam(last_day, 23, 59, 59)):
        frozen_clock.current = moment
        with pytest.raises(GuardRefused, match=f"niêm yết đến hết ngày {last_day:%d/%m/%Y} \\(giờ Việt Nam\\)"):
            close_notice(world, dossier)
        db.session.rollback()
    assert frozen_clock.current.hour == 16  # UTC: still the last day in Viet Nam
    frozen_clock.advance(seconds=1)  # 00:00 the next day in Viet Nam, 17:00 UTC on the last day
    assert frozen_clock.current.date() == last_day
    close_notice(world, dossier)
    assert dossier.state == State.WARD_INSPECTION


def dossier_events(dossier):
    from sqlalchemy import select

    from models import AuditEvent

    return db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                              .order_by(AuditEvent.seq)).all()


def test_a_notice_posted_at_night_utc_counts_from_vietnams_date(world, frozen_clock):
    """Posted on Thursday 19/11 at 18:00 UTC — already Friday 20/11 01:00 in Viet Nam."""
    campaign = world.campaign
    campaign.registration_opens, campaign.registration_closes = D(2026, 1, 1), D(2026, 10, 31)
    db.session.commit()
    frozen_clock.current = datetime(2026, 10, 10, 3, tzinfo=UTC)
    dossier = world.dossier(State.SELF_ASSESSMENT)
    frozen_clock.current = datetime(2026, 11, 19, 18, tzinfo=UTC)
    from workflow.services import records

    committee = world.users["group_committee"]
    records.save_assessment(committee, dossier, full_assessment(dossier, held_on=D(2026, 11, 19)))
    apply_transition(committee, dossier, Trigger.SUBMIT_ASSESSMENT, dossier.version)
    assert dossier.notice_ends_on == D(2026, 11, 30)


def test_a_notice_posted_before_the_column_existed_is_counted_from_when_it_was_posted(world, frozen_clock):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    posted_on = calendar.local_date(dossier.state_changed_at)
    dossier.notice_ends_on = None  # as a dossier posted before the upgrade
    db.session.commit()
    expected = count(posted_on, 10, False).ends_on
    frozen_clock.current = vietnam(expected, 12)
    with pytest.raises(GuardRefused, match=f"đến hết ngày {expected:%d/%m/%Y}"):
        close_notice(world, dossier)
    db.session.rollback()
    frozen_clock.current = vietnam(expected + timedelta(days=1), 0)
    close_notice(world, dossier)
    assert dossier.state == State.WARD_INSPECTION


# --- due dates ------------------------------------------------------------------------------------------------------

def test_awaiting_decision_is_due_within_the_decision_days_or_the_campaigns_deadline(world, frozen_clock):
    world.campaign.decision_due = D(2099, 1, 1)
    dossier = world.dossier(State.AWAITING_DECISION)
    complete_on = calendar.local_date(dossier.state_changed_at)
    # Decree 86/2023: the chairman's 10 days are calendar days (a last day off moves to the next working day).
    assert due_date(dossier) == count(complete_on, 10, False).ends_on
    world.campaign.decision_working_days = True  # a campaign may count them in working days
    db.session.flush()
    expected = count(complete_on, 10, True).ends_on
    assert expected > count(complete_on, 10, False).ends_on and due_date(dossier) == expected
    world.campaign.decision_due = complete_on + timedelta(days=200)
    db.session.flush()
    assert due_date(dossier) == min(expected, world.campaign.decision_due)
    world.campaign.decision_due = complete_on + timedelta(days=3)
    db.session.flush()  # stored with the campaign: its open dossiers' deadlines follow in the same transaction
    assert due_date(dossier) == complete_on + timedelta(days=3)
    world.campaign.decision_due = complete_on + timedelta(days=100)
    world.campaign.decision_days = 2
    db.session.flush()
    assert due_date(dossier) == count(complete_on, 2, True).ends_on


def test_due_status_in_vietnams_days(world, frozen_clock):
    dossier = world.dossier(State.WARD_INSPECTION)
    campaign = world.campaign
    campaign.inspection_due = D(2026, 11, 27)  # a Friday
    db.session.flush()
    assert due_status(dossier, D(2026, 11, 28)) == "overdue"
    assert due_status(dossier, D(2026, 11, 27)) == "today"
    assert due_status(dossier, D(2026, 11, 23)) == "soon"  # 3 working days on (24/11 is a holiday)
    assert due_status(dossier, D(2026, 11, 20)) is None  # Mon 23, Wed 25, Thu 26 are the 3 working days
    assert soon_until(D(2026, 11, 20)) == D(2026, 11, 26)
    assert due_status(dossier, D(2026, 11, 23), soon=soon_until(D(2026, 11, 23))) == "soon"
    campaign.inspection_due = D(2026, 11, 26)
    db.session.flush()
    assert due_status(dossier, D(2026, 11, 20)) == "soon"
    frozen_clock.current = datetime(2026, 11, 26, 17, 30, tzinfo=UTC)  # 00:30 on 27/11 in Viet Nam
    assert due_status(dossier) == "overdue"
    assert due_status(world.dossier(State.WITHDRAWN)) is None  # an ended dossier is due nowhere


# --- campaign dates in order --------------------------------------------------------------------------------------

def campaign_payload(world, **over):
    return {"year": 2031, "unit_id": world.units["WARD"].id, "name": "Thi đua 2031",
            "registration_opens": "2031-01-02", "registration_closes": "2031-01-31", "assessment_due": "2031-11-25",
            "inspection_due": "2031-12-10", "decision_due": "2031-12-31", **over}


def test_campaign_dates_must_follow_one_another_with_room_for_the_notice(world):
    admin = world.users["admin"]
    with pytest.raises(ValidationFailed) as error:
        campaigns.create_campaign(admin, campaign_payload(
            world, registration_opens="2031-09-15", registration_closes="2031-09-10", assessment_due="2031-09-05",
            inspection_due="2031-09-10", decision_due="2031-09-09"))
    fields = error.value.fields
    assert set(fields) == {"registration_closes", "assessment_due", "inspection_due", "decision_due"}
    assert fields["registration_closes"] == "không được trước ngày mở đăng ký (15/09/2031)"
    assert fields["assessment_due"] == "không được trước ngày đóng đăng ký (10/09/2031)"
    assert fields["decision_due"] == "không được trước hạn phường kiểm tra (10/09/2031)"
    # Posted on Friday 05/09/2031, ten days on is Monday 15/09/2031: the inspection must come after it.
    assert fields["inspection_due"] == ("phải sau ngày hết niêm yết: danh sách gửi lên phường ngày 05/09/2031 "
                                        "niêm yết 10 ngày, đến hết ngày 15/09/2031; chọn từ ngày 16/09/2031 trở đi")
    with pytest.raises(ValidationFailed) as error:
        campaigns.create_campaign(admin, campaign_payload(world, inspection_due="2031-12-05"))
    assert set(error.value.fields) == {"inspection_due"}  # 25/11 + 10 days ends on Friday 05/12/2031
    created = campaigns.create_campaign(admin, campaign_payload(world, inspection_due="2031-12-06"))
    assert created.inspection_due == D(2031, 12, 6)


def test_a_change_is_checked_on_the_merged_campaign(world):
    admin = world.users["admin"]
    campaign = campaigns.create_campaign(admin, campaign_payload(world, inspection_due="2031-12-07"))
    # Counting the notice in working days pushes its end past the inspection deadline.
    with pytest.raises(ValidationFailed) as error:
        campaigns.update_campaign(admin, campaign, {"settings": {"notice_working_days": True}})
    assert "đến hết ngày 09/12/2031" in error.value.fields["inspection_due"]
    with pytest.raises(ValidationFailed) as error:
        campaigns.update_campaign(admin, campaign, {"decision_due": "2031-12-06"})
    assert set(error.value.fields) == {"decision_due"}
    campaigns.update_campaign(admin, campaign, {"inspection_due": "2031-12-15",
                                                "settings": {"notice_working_days": True, "decision_days": 7}})
    assert (campaign.notice_working_days, campaign.decision_days) == (True, 7)


# --- the admin's table --------------------------------------------------------------------------------------------

def test_admins_record_announced_days_once_and_remove_a_wrong_one(world):
    admin = world.users["admin"]
    row = calendar.add_day(admin, {"date": "2027-02-11", "kind": "day_off", "name": "Nghỉ Tết"})
    with pytest.raises(Conflict) as error:
        calendar.add_day(admin, {"date": "2027-02-11", "kind": "working_day", "name": "Làm bù"})
    assert error.value.fields == {"date": "đã có: Nghỉ Tết"}
    with pytest.raises(ValidationFailed) as error:
        calendar.add_day(admin, {"date": "2026-11-22", "kind": "day_off", "name": "Nghỉ"})
    assert error.value.fields["date"] == "ngày 22/11/2026 vốn đã là ngày nghỉ (Chủ nhật)"
    with pytest.raises(ValidationFailed) as error:
        calendar.add_day(admin, {"date": "2026-11-23", "kind": "working_day", "name": "Làm bù"})
    assert error.value.fields["date"] == "ngày 23/11/2026 vốn đã là ngày làm việc"
    with pytest.raises(Forbidden):
        calendar.add_day(world.users["chairman"], {"date": "2027-02-12", "kind": "day_off", "name": "Nghỉ"})
    calendar.remove_day(admin, row.id)
    assert db.session.get(CalendarDay, row.id) is None
