"""The day's deadline reminders (`flask send-reminders`, daily): each reviewer with dossiers overdue or due within
3 working days in her work list gets one short message, once a day however often it runs — and however many hosts
run it at once: on PostgreSQL runs take turns on an advisory lock, so a later one finds the reviewers told."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from models import Delegation, Notification, RoleAssignment, User
from states.enums import Role
from workflow import clock
from workflow.extensions import db
from workflow.services import notify
from workflow.services.listing import local_today
from workflow.services.work import my_work

REMINDER_LOCK = 0x6B6D_524D  # PostgreSQL advisory lock ("kmRM"), held by a run until its transaction ends


def reviewers(today: date) -> list[User]:
    """Active users who hold a reviewer role, themselves or as a stand-in today."""
    ids = set(db.session.scalars(select(RoleAssignment.user_id).where(RoleAssignment.role != Role.APPLICANT.value)))
    ids |= {d.to_user_id for d in db.session.scalars(select(Delegation)) if d.runs_on(today)}
    return list(db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.id)))


def reminder_text(overdue: int, today_: int, soon: int, day: date) -> str | None:
    parts = []
    if overdue:
        parts.append(f"{overdue} hồ sơ đã quá hạn")
    if today_:
        parts.append(f"{today_} hồ sơ đến hạn hôm nay")
    if soon:
        parts.append(f"{soon} hồ sơ đến hạn trong 3 ngày làm việc tới")
    if not parts:
        return None
    return f"Nhắc việc ngày {notify.vn_day(day)}: " + ", ".join(parts) + ". Xem trong “Việc cần làm”."


def send_reminders(now: datetime | None = None) -> int:
    """Write today's reminders (inbox and outbox); returns how many were written. Commits nothing itself."""
    now = now or clock.now()
    if db.session.get_bind().dialect.name == "postgresql":
        # Two runs at once (a timer on every server) would both find nobody told and the second would fail on the
        # unique (user_id, dedupe_key). The second waits here until the first commits; its next statement then
        # sees the first one's reminders (READ COMMITTED) and writes none of them again.
        db.session.execute(select(func.pg_advisory_xact_lock(REMINDER_LOCK)))
    day = local_today()
    key = f"reminder:{day.isoformat()}"
    already = set(db.session.scalars(select(Notification.user_id).where(Notification.dedupe_key == key)))
    messages = []
    for user in reviewers(day):
        if user.id in already:
            continue
        counts = {"overdue": 0, "today": 0, "soon": 0}
        for section in my_work(user):
            if section.key == "mine":
                continue
            for mark in counts:
                counts[mark] += section.marks.get(mark, 0)
        text = reminder_text(counts["overdue"], counts["today"], counts["soon"], day)
        if text:
            messages.append(notify.Message(user, notify.Kind.REMINDER, text, "/", dedupe_key=key))
    notify.store(db.session, messages, now)
    return len(messages)
