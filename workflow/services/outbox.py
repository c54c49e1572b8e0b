"""Sending the outbox (`flask send-outbox`): each pending delivery through its channel, with retries and back-off.

A worker first claims a batch of due rows in a short transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`, then a
conditional update that only takes rows nobody holds; SQLite: its single writer does the same), commits, then sends
each claimed row and records the outcome row by row. Two workers running at once never hold the same row, so a
message is sent once. A claim is a 60-second lease the worker renews while it sends (every 20 seconds), so the rows
of a sender killed mid-batch are free for the next one within a minute, never before the lease ends.
A refused delivery is tried again later (1, 2, 4 … minutes, at most 6 hours apart) until OUTBOX_MAX_ATTEMPTS, then
marked failed with its last error.

Channels share one small interface, `send(address, subject, text)`, raising DeliveryError: email by SMTP (when
MAIL_SERVER is set), and for SMS and Zalo an adapter — "file" writes each message to a file for development,
"http" posts it as JSON to a provider's endpoint with a bearer token.
"""

from __future__ import annotations

import json
import os
import smtplib
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib import request as urlrequest

from flask import current_app
from sqlalchemy import or_, select, update

from models import Delivery
from workflow import clock
from workflow.extensions import db

CLAIM_LEASE = timedelta(seconds=60)
RENEW_EVERY = timedelta(seconds=20)  # well inside the lease, even when one send waits for its 15 s timeout
BACKOFF_CAP = timedelta(hours=6)


class DeliveryError(Exception):
    """The channel refused or could not take the message; it will be tried again."""


class Channel(Protocol):
    def send(self, address: str, subject: str, text: str) -> None: ...


class SmtpChannel:
    def __init__(self, config) -> None:
        self.config = config

    def send(self, address: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.config["MAIL_SENDER"], address, subject
        message.set_content(text)
        try:
            with smtplib.SMTP(self.config["MAIL_SERVER"], self.config["MAIL_PORT"], timeout=15) as smtp:
                if self.config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if self.config.get("MAIL_USERNAME"):
                    smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP: {error}") from error


class FileChannel:
    """Development: each message is one JSON line in OUTBOX_FOLDER/<channel>.jsonl."""

    def __init__(self, folder: str, name: str) -> None:
        self.path = Path(folder) / f"{name}.jsonl"

    def send(self, address: str, subject: str, text: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"to": address, "subject": subject, "text": text}, ensure_ascii=False) + "\n")
        except OSError as error:
            raise DeliveryError(f"file: {error}") from error


class HttpChannel:
    """A provider's HTTP endpoint (an SMS gateway, a Zalo Official Account bridge): POST {"to", "text"}."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def send(self, address: str, subject: str, text: str) -> None:
        body = json.dumps({"to": address, "text": text}, ensure_ascii=False).encode("utf-8")
        req = urlrequest.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"})
        try:
            with urlrequest.urlopen(req, timeout=15) as response:  # noqa: S310 (the configured provider)
                if response.status >= 300:
                    raise DeliveryError(f"HTTP {response.status}")
        except OSError as error:
            raise DeliveryError(f"HTTP: {error}") from error


def channels(config) -> dict[str, Channel]:
    folder = config["OUTBOX_FOLDER"]
    out: dict[str, Channel] = {
        "email": SmtpChannel(config) if config.get("MAIL_SERVER") else FileChannel(folder, "email")}
    for name in ("sms", "zalo"):
        prefix = name.upper()
        if config.get(f"{prefix}_ADAPTER") == "http" and config.get(f"{prefix}_HTTP_URL"):
            out[name] = HttpChannel(config[f"{prefix}_HTTP_URL"], config.get(f"{prefix}_HTTP_TOKEN", ""))
        else:
            out[name] = FileChannel(folder, name)
    return out


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def claim(worker: str, now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due rows for this worker, and commit; rows another worker holds are skipped."""
    free = or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now)  # a lease ends at its time
    due = (select(Delivery.id).where(Delivery.status == "pending", Delivery.next_attempt_at <= now, free)
           .order_by(Delivery.id).limit(limit).with_for_update(skip_locked=True))
    ids = list(db.session.scalars(due))
    if ids:
        db.session.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.status == "pending", free)
                           .values(claimed_by=worker, claimed_until=now + CLAIM_LEASE))
    db.session.commit()
    return list(db.session.scalars(select(Delivery.id).where(Delivery.claimed_by == worker,
                                                             Delivery.status == "pending").order_by(Delivery.id)))


def renew(worker: str, now: datetime) -> int:
    """Extend this worker's lease on the rows it still holds, and commit; the number of rows renewed."""
    renewed = db.session.execute(update(Delivery).where(Delivery.claimed_by == worker, Delivery.status == "pending")
                                 .values(claimed_until=now + CLAIM_LEASE)).rowcount
    db.session.commit()
    return renewed


def worker_name() -> str:
    """Host, process and a random part: who holds a claim, for whoever looks at the table."""
    return f"{socket.gethostname()[:16]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _subject(text: str) -> str:
    first = text.split(". ")[0]
    return "[Kiểu mẫu] " + (first if len(first) <= 70 else first[:69] + "…")


def send_outbox(limit: int = 200, now: datetime | None = None, worker: str | None = None) -> Report:
    """Deliver what is due; commits after each message so a crash loses nothing already sent."""
    config = current_app.config
    worker = worker or worker_name()
    report = Report()
    ways = channels(config)
    while True:
        now_ = now or clock.now()
        mine = claim(worker, now_, limit)
        if not mine:
            return report
        renewed_at = now_
        for delivery_id in mine:
            if (now or clock.now()) - renewed_at >= RENEW_EVERY:
                renewed_at = now or clock.now()
                renew(worker, renewed_at)
            row = db.session.get(Delivery, delivery_id)
            if row is None or row.claimed_by != worker or row.status != "pending":
                continue
            note = row.notification
            link = f"{config['SITE_URL'].rstrip('/')}{note.link}" if note.link else ""
            text = note.text + (f"\n\nXem: {link}" if link else "")
            row.attempts += 1
            try:
                ways[row.channel].send(row.address, _subject(note.text), text)
            except (DeliveryError, KeyError) as error:
                row.last_error = str(error)[:500] or "không gửi được"
                if row.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
                    row.status = "failed"
                    report.failed += 1
                else:
                    row.next_attempt_at = now_ + backoff(row.attempts)
                    report.retried += 1
                report.errors.append(f"#{row.id} {row.channel} {row.address}: {row.last_error}")
            else:
                row.status, row.sent_at, row.last_error = "sent", clock.now(), ""
                report.sent += 1
            row.claimed_by, row.claimed_until = None, None
            db.session.commit()
        if now is not None:  # a fixed clock (tests): one pass
            return report
