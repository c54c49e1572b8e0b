"""Outbox claims are leases (issue 14, part 6): rows a sender claimed and never finished (a `kill -9`) are taken by
the next sender once the 60-second lease ends — not a moment before — while a live sender renews its lease and keeps
its rows however long its batch takes."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import func, select

from models import Delivery
from tests.services.test_notifications import waiting_email
from workflow import clock
from workflow.extensions import db
from workflow.services import outbox


class Recorder:
    """A channel that takes `seconds` of the frozen clock per message and notes who held what meanwhile."""

    def __init__(self, frozen_clock, seconds: int = 0) -> None:
        self.clock, self.seconds, self.sent, self.exposed = frozen_clock, seconds, [], []

    def send(self, address: str, subject: str, text: str) -> None:
        self.clock.advance(seconds=self.seconds)
        self.sent.append(address)
        # Rows this batch still holds whose lease has run out: another sender could take them now.
        self.exposed.append(db.session.scalar(select(func.count(Delivery.id)).where(
            Delivery.status == "pending", Delivery.claimed_by.is_not(None),
            Delivery.claimed_until <= clock.now())))


def use(monkeypatch, channel) -> None:
    monkeypatch.setattr(outbox, "channels", lambda config: {"email": channel, "sms": channel, "zalo": channel})


def test_a_crashed_senders_claims_are_retaken_after_the_lease_not_before(world, frozen_clock, monkeypatch):
    ids = waiting_email(world, n=3)
    assert len(ids) == 3
    claimed = outbox.claim("killed-sender", clock.now(), limit=200)  # then `kill -9`: nothing sent, no release
    assert claimed == ids
    channel = Recorder(frozen_clock)
    use(monkeypatch, channel)
    assert outbox.send_outbox(now=clock.now(), worker="next").sent == 0  # the lease holds
    frozen_clock.advance(seconds=59)
    assert outbox.send_outbox(now=clock.now(), worker="next").sent == 0
    frozen_clock.advance(seconds=1)  # 60 s after the claim
    report = outbox.send_outbox(now=clock.now(), worker="next")
    assert report.sent == 3 and len(channel.sent) == 3
    db.session.expire_all()
    rows = db.session.scalars(select(Delivery).where(Delivery.id.in_(ids))).all()
    assert all(r.status == "sent" and r.claimed_by is None and r.attempts == 1 for r in rows)


def test_a_live_sender_renews_its_lease_through_a_long_batch(world, frozen_clock, monkeypatch):
    ids = waiting_email(world, n=6)
    channel = Recorder(frozen_clock, seconds=15)  # 6 × 15 s = 90 s, longer than one lease
    use(monkeypatch, channel)
    started = clock.now()
    report = outbox.send_outbox(worker="slow-sender")  # the (frozen, moving) clock: one pass, then nothing due
    assert report.sent == 6 and len(ids) == 6
    assert clock.now() - started >= timedelta(seconds=90)
    assert channel.exposed == [0] * 6  # no row left to another sender while this one worked


def test_a_claim_names_its_host_and_process(world, frozen_clock):
    waiting_email(world, n=1)
    worker = outbox.worker_name()
    outbox.claim(worker, clock.now(), limit=10)
    held = db.session.scalar(select(Delivery.claimed_by))
    assert held == worker and f":{os.getpid()}:" in held and len(held) <= 40
    assert db.session.scalar(select(Delivery.claimed_until)) == clock.now() + outbox.CLAIM_LEASE
