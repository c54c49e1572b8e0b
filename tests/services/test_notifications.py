"""People are told (issue 9): messages are written with the step that causes them — none for a step that rolled
back, exactly the expected ones for a committed step — and `send-outbox` delivers them by email to a real local
SMTP server (aiosmtpd), retries a refused delivery later, and never sends one twice when two workers run at once."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from models import Delivery, Dossier, Notification, User
from states.enums import State, Trigger
from workflow import clock
from workflow.extensions import db
from workflow.services import batch, outbox, records
from workflow.services.dossiers import apply_transition
from workflow.services.errors import ServiceError
from workflow.services.reminders import send_reminders
from workflow.services.walkthrough import full_inspection


def inbox(user: User) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- written with the step ---------------------------------------------------------------------------------------

def test_a_committed_step_tells_the_applicant_what_happened_and_what_comes_next(world):
    dossier = world.dossier(State.REGISTERED)
    applicant, committee = world.users["applicant"], world.users["group_committee"]
    before = len(inbox(applicant))
    apply_transition(committee, dossier, Trigger.ACCEPT, dossier.version)
    db.session.commit()
    told = inbox(applicant)[before:]
    assert len(told) == 1
    assert told[0].kind == "step" and told[0].dossier_id == dossier.id and told[0].link == f"/dossiers/{dossier.id}"
    assert dossier.tracking_code in told[0].text and "Tự đánh giá tại tổ" in told[0].text
    assert "tự đánh giá các tiêu chí và họp bình xét" in told[0].text  # what comes next
    assert told[0].read_at is None
    assert not [n for n in inbox(committee) if n.dossier_id == dossier.id and n.created_at == told[0].created_at
                and n.kind == "step"]  # the one who acted is not told of his own step


def test_a_step_that_rolls_back_leaves_no_message(world):
    dossier = world.dossier(State.REGISTERED)
    messages, deliveries = count(Notification), count(Delivery)
    world.users["applicant"].email = "chi.lan@example.vn"
    db.session.commit()
    apply_transition(world.users["group_committee"], dossier, Trigger.ACCEPT, dossier.version)
    db.session.flush()  # the step and its audit event were written …
    db.session.rollback()  # … and the request failed afterwards
    assert (count(Notification), count(Delivery)) == (messages, deliveries)
    with pytest.raises(ServiceError):  # a step refused by its guards
        apply_transition(world.users["group_committee"], dossier, Trigger.REJECT_REGISTRATION, dossier.version, "")
    db.session.rollback()
    assert (count(Notification), count(Delivery)) == (messages, deliveries)


def test_a_returned_dossier_tells_the_group_the_reason_and_the_applicant_too(world):
    dossier = world.dossier(State.WARD_INSPECTION)
    apply_transition(world.users["ward_inspector"], dossier, Trigger.RETURN_TO_GROUP, dossier.version,
                     "Thiếu biên bản họp tổ")
    db.session.commit()
    group = [n for n in inbox(world.users["group_committee"]) if n.kind == "returned"]
    assert len(group) == 1 and "Thiếu biên bản họp tổ" in group[0].text and dossier.tracking_code in group[0].text
    mine = inbox(world.users["applicant"])[-1]
    assert "trả lại" in mine.text and "Thiếu biên bản họp tổ" in mine.text
    assert not [n for n in inbox(world.users["committee2"]) if n.dossier_id == dossier.id]  # another group: no


def test_council_members_hear_once_of_a_batch_waiting_for_their_vote(world):
    dossiers = [world.dossier(State.WARD_INSPECTION) for _ in range(3)]
    before = {name: len(inbox(world.users[name])) for name in ("council1", "council6", "chairman")}
    for d in dossiers:  # one request: the inspector records three inspections and completes them
        records.save_inspection(world.users["ward_inspector"], d, full_inspection(d))
        apply_transition(world.users["ward_inspector"], d, Trigger.COMPLETE_INSPECTION, d.version)
    db.session.commit()
    for name in ("council1", "council6"):
        new = inbox(world.users[name])[before[name]:]
        assert len(new) == 1, name  # one message for the three, not three
        assert "Có 3 hồ sơ mới đang chờ bạn xét và bỏ phiếu" in new[0].text and new[0].kind == "work"
    assert len(inbox(world.users["chairman"])) == before["chairman"]  # not his step yet


def test_messages_go_to_the_channels_a_person_chose(world):
    applicant = world.users["applicant"]
    applicant.email, applicant.phone, applicant.channels = "chi.lan@example.vn", "0912345678", ["email", "zalo"]
    dossier = world.dossier(State.REGISTERED)
    apply_transition(world.users["group_committee"], dossier, Trigger.ACCEPT, dossier.version)
    db.session.commit()
    latest = inbox(applicant)[-1]
    assert sorted((d.channel, d.address) for d in latest.deliveries) == [("email", "chi.lan@example.vn"),
                                                                         ("zalo", "0912345678")]
    applicant.channels = []  # only the inbox
    db.session.commit()
    other = world.dossier(State.REGISTERED)
    apply_transition(world.users["group_committee"], other, Trigger.ACCEPT, other.version)
    db.session.commit()
    assert inbox(applicant)[-1].deliveries == []


def test_a_batch_that_is_refused_writes_no_message(world):
    good = world.dossier(State.REGISTERED)
    bad = world.dossier(State.SELF_ASSESSMENT)  # not awaiting acceptance
    messages = count(Notification)
    with pytest.raises(ServiceError):
        batch.apply_batch(world.users["group_committee"], Trigger.ACCEPT,
                          [{"dossier_id": good.id, "version": good.version},
                           {"dossier_id": bad.id, "version": bad.version}])
    db.session.rollback()
    assert count(Notification) == messages
    assert db.session.get(Dossier, good.id).state == State.REGISTERED


# --- sending: a real SMTP server on localhost --------------------------------------------------------------------

class Sink:
    """An SMTP server that refuses the first `refuse` messages (550) and keeps the rest."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse, self.received, self.lock = refuse, [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "550 mailbox unavailable"
            self.received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp(app):
    sink = Sink()
    with socket.socket() as probe:  # a free port (aiosmtpd checks its server by connecting to the given one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield sink
    controller.stop()


def waiting_email(world, n: int = 1) -> list[int]:
    """`n` dossiers accepted, each telling the applicant (who gets email) once."""
    world.users["applicant"].email, world.users["applicant"].channels = "chi.lan@example.vn", ["email"]
    db.session.commit()
    for _ in range(n):
        d = world.dossier(State.REGISTERED)
        apply_transition(world.users["group_committee"], d, Trigger.ACCEPT, d.version)
        db.session.commit()
    return list(db.session.scalars(select(Delivery.id).where(Delivery.status == "pending")))


def test_send_outbox_delivers_by_email_and_marks_sent(world, smtp, runner):
    ids = waiting_email(world)
    assert len(ids) == 1
    result = runner.invoke(args=["send-outbox"])
    assert result.exit_code == 0 and "Đã gửi 1 tin" in result.output
    assert len(smtp.received) == 1
    to, content = smtp.received[0]
    assert to == ["chi.lan@example.vn"]
    assert "Tự đánh giá tại tổ" in content or "=?utf-8?" in content  # the Vietnamese text (maybe encoded)
    db.session.expire_all()
    row = db.session.get(Delivery, ids[0])
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert runner.invoke(args=["send-outbox"]).output.startswith("Đã gửi 0 tin")  # never twice
    assert len(smtp.received) == 1


def test_a_refused_delivery_is_tried_again_later(world, smtp, frozen_clock):
    ids = waiting_email(world)
    smtp.refuse = 1
    first = outbox.send_outbox(now=clock.now())
    assert (first.sent, first.retried) == (0, 1) and "550" in first.errors[0]
    db.session.expire_all()
    row = db.session.get(Delivery, ids[0])
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > clock.now()
    assert outbox.send_outbox(now=clock.now()).sent == 0  # not yet due: backing off
    frozen_clock.advance(minutes=2)
    assert outbox.send_outbox(now=clock.now()).sent == 1
    assert len(smtp.received) == 1


def test_a_delivery_refused_every_time_is_marked_failed_with_its_error(world, smtp, frozen_clock, app):
    ids = waiting_email(world)
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    smtp.refuse = 10
    for _ in range(3):
        outbox.send_outbox(now=clock.now())
        frozen_clock.advance(hours=7)
    db.session.expire_all()
    row = db.session.get(Delivery, ids[0])
    assert row.status == "failed" and row.attempts == 3 and "550" in row.last_error
    assert smtp.received == []


def test_two_workers_at_once_send_each_message_once(app, world, smtp):
    """PostgreSQL: row locks skipped by the other worker; SQLite: its single writer. Either way, once each."""
    ids = waiting_email(world, n=6)
    assert len(ids) == 6
    db.session.remove()
    start, reports, errors = threading.Barrier(2), [], []

    def work(name: str) -> None:
        with app.app_context():
            try:
                start.wait()
                reports.append(outbox.send_outbox(limit=2, worker=name))
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("worker-a", "worker-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in reports) == 6
    assert len(smtp.received) == 6  # each once
    assert db.session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent")) == 6


def test_without_a_mail_server_messages_are_written_to_files(world, app, tmp_path, runner):
    app.config.update(MAIL_SERVER="", OUTBOX_FOLDER=str(tmp_path / "outbox"))
    waiting_email(world)
    assert "Đã gửi 1 tin" in runner.invoke(args=["send-outbox"]).output
    written = (tmp_path / "outbox" / "email.jsonl").read_text(encoding="utf-8")
    assert "chi.lan@example.vn" in written and "Tự đánh giá tại tổ" in written


# --- reminders ---------------------------------------------------------------------------------------------------

def test_reminders_tell_reviewers_of_overdue_work_once_a_day(world, frozen_clock, runner):
    dossier = world.dossier(State.WARD_INSPECTION)
    dossier.campaign.inspection_due = clock.now().date() - timedelta(days=2)  # the ward's deadline has passed
    db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0
    told = [n for n in inbox(world.users["ward_inspector"]) if n.kind == "reminder"]
    assert len(told) == 1 and "1 hồ sơ đã quá hạn" in told[0].text
    runner.invoke(args=["send-reminders"])
    assert len([n for n in inbox(world.users["ward_inspector"]) if n.kind == "reminder"]) == 1  # once a day
    assert not [n for n in inbox(world.users["chairman"]) if n.kind == "reminder"]  # nothing due for him
    frozen_clock.advance(days=1)
    assert send_reminders() >= 1  # the next day, again
