"""Who is told what (DOMAIN.md "People are told"): the applicant of every change of her dossier and what she must
do next; reviewers of new work waiting for them; the group of a returned dossier, with the reason.

Called just before a step's transaction commits (uow.write_with) with the audit events it wrote: the messages are
inbox rows plus one outbox row per channel the person chose, in the same transaction — a step that rolled back
tells nobody, a committed one tells exactly these people. Messages are Vietnamese, short, with a link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import Delegation, Delivery, Dossier, Notification, RoleAssignment, Unit, User
from states.enums import Action, Role, State, Trigger
from states.labels import STATE_LABELS, TITLE_LABELS
from states.policy import POLICY
from states.table import RULES, rules_from
from workflow import uow
from workflow.services import bulk

CHANNELS = ("email", "sms", "zalo")
TEXT_MAX = 600


class Kind:
    STEP = "step"  # the applicant: her dossier changed
    RETURNED = "returned"  # the group: a dossier came back, with the reason
    WORK = "work"  # a reviewer: dossiers waiting for her step
    REMINDER = "reminder"  # a reviewer: deadlines near or passed (flask send-reminders)


# What the applicant must know or do next, per state the dossier entered.
NEXT: dict[State, str] = {
    State.DRAFT: "Hãy kiểm tra lại và bấm “Gửi đăng ký”.",
    State.REGISTERED: "Tổ dân phố sẽ xem và chấp nhận đăng ký.",
    State.SELF_ASSESSMENT: "Tổ dân phố tự đánh giá các tiêu chí và họp bình xét; hãy chuẩn bị minh chứng nếu tổ cần.",
    State.PUBLIC_NOTICE: "Danh sách được niêm yết công khai để người dân góp ý{until}.",
    State.WARD_INSPECTION: "Cán bộ phường sẽ kiểm tra thực tế và đánh giá từng tiêu chí.",
    State.COUNCIL_REVIEW: "Các thành viên Hội đồng Thi đua – Khen thưởng phường sẽ xét và bỏ phiếu.",
    State.AWAITING_DECISION: "Chờ Chủ tịch UBND phường ký quyết định.",
    State.RECOGNIZED: "Chúc mừng! Giấy công nhận có trên trang hồ sơ.",
    State.NOT_RECOGNIZED: "Hồ sơ đã kết thúc.",
    State.REGISTRATION_REJECTED: "Hồ sơ đã kết thúc.",
    State.REVOKED: "Hồ sơ đã kết thúc.",
    State.WITHDRAWN: "Hồ sơ đã kết thúc.",
}

# What a reviewer is asked to do, per state that waits for her role.
WORK: dict[State, str] = {
    State.REGISTERED: "xem và chấp nhận đăng ký",
    State.SELF_ASSESSMENT: "tự đánh giá và họp bình xét",
    State.PUBLIC_NOTICE: "theo dõi niêm yết và trả lời ý kiến",
    State.WARD_INSPECTION: "kiểm tra, đánh giá",
    State.COUNCIL_REVIEW: "xét và bỏ phiếu",
    State.AWAITING_DECISION: "ký quyết định",
}


@dataclass(frozen=True)
class Message:
    user: User
    kind: str
    text: str
    link: str
    dossier_id: int | None = None
    event_id: int | None = None
    dedupe_key: str | None = None


def vn_day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_MAX else text[:TEXT_MAX - 1] + "…"


def _holders(session: Session, roles: Iterable[Role], unit: Unit, today: date) -> list[User]:
    """Active users who hold one of `roles` over `unit` (themselves, or as a stand-in under a running delegation)."""
    wanted = [r.value for r in roles]
    if not wanted:
        return []
    found: dict[int, User] = {}
    for assignment in session.scalars(select(RoleAssignment).where(RoleAssignment.role.in_(wanted))):
        if assignment.unit.reaches(unit) and assignment.user.active:
            found[assignment.user.id] = assignment.user
    for delegation in session.scalars(select(Delegation).where(Delegation.role.in_(wanted))):
        if delegation.unit.reaches(unit) and delegation.runs_on(today) and delegation.to_user.active:
            found[delegation.to_user.id] = delegation.to_user
    return list(found.values())


WORK_ROWS = (Action.VOTE,)  # data steps that are someone's work in a state, besides the table's triggers


def _waiting_roles(state: State) -> set[Role]:
    """The roles the dossier now waits for: its next triggers' and the work rows' open in this state."""
    roles = {role for rule in rules_from(state) if not rule.exceptional for role in rule.roles}
    for action in WORK_ROWS:
        for clause in POLICY[action].clauses:
            if clause.states is None or state in clause.states:
                roles |= clause.roles
    return roles - {Role.APPLICANT}


def _is_return(trigger: str) -> bool:
    return trigger in (Trigger.RETURN_TO_GROUP, Trigger.SEND_BACK)


def messages_for(session: Session, events: list[uow.Published]) -> list[Message]:
    """The messages a transaction's events call for: one per applicant and step, one per returned dossier to its
    group, and one per reviewer summing up the dossiers that now wait for her."""
    steps = [e for e in events if e.dossier_id is not None and e.to_state and e.trigger in RULES]
    if not steps:
        return []
    # With their applicants in one more statement, not one per dossier (a decision tells thousands of them).
    dossiers = {d.id: d for d in session.scalars(select(Dossier).where(Dossier.id.in_({e.dossier_id for e in steps}))
                                                 .options(selectinload(Dossier.created_by)))}
    out: list[Message] = []
    work: dict[tuple[int, State], list[Dossier]] = defaultdict(list)
    people: dict[int, User] = {}
    known: dict[tuple, list[User]] = {}

    def holders(roles: set[Role], unit: Unit, today: date) -> list[User]:
        key = (frozenset(roles), unit.id, today)
        if key not in known:
            known[key] = _holders(session, roles, unit, today)
        return known[key]

    for event in steps:
        dossier = dossiers.get(event.dossier_id)
        if dossier is None:
            continue
        state = State(event.to_state)
        link = f"/dossiers/{dossier.id}"
        name = f"{dossier.tracking_code} ({TITLE_LABELS.get(dossier.title, dossier.title)} – {dossier.subject_name})"
        applicant = dossier.created_by
        if applicant is not None and applicant.active and applicant.username != event.actor:
            if _is_return(event.trigger):
                text = f"Hồ sơ {name} được trả lại để bổ sung: {event.comment}"
            else:
                until = f" đến hết ngày {vn_day(dossier.notice_ends_on)}" if dossier.notice_ends_on else ""
                reason = f" Lý do: {event.comment}." if event.comment and state in (
                    State.NOT_RECOGNIZED, State.REGISTRATION_REJECTED, State.REVOKED) else ""
                text = (f"Hồ sơ {name}: {STATE_LABELS[state]}.{reason} "
                        + NEXT[state].format(until=until))
            out.append(Message(applicant, Kind.STEP, _short(text), link, dossier.id, event.id))
        today = event.at.date()
        if event.trigger == Trigger.RETURN_TO_GROUP:
            for user in holders({Role.GROUP_COMMITTEE}, dossier.unit, today):
                if user.username != event.actor:
                    out.append(Message(user, Kind.RETURNED, _short(
                        f"Phường trả lại hồ sơ {name} cho tổ: {event.comment}"), link, dossier.id, event.id))
            continue  # the group is told above, with the reason
        for user in holders(_waiting_roles(state), dossier.unit, today):
            if user.username != event.actor and (applicant is None or user.id != applicant.id):
                work[(user.id, state)].append(dossier)
                people[user.id] = user
    for (user_id, state), waiting in work.items():
        if state not in WORK:
            continue
        if len(waiting) == 1:
            d = waiting[0]
            text = f"Hồ sơ {d.tracking_code} ({d.subject_name}) đang chờ bạn {WORK[state]}."
            out.append(Message(people[user_id], Kind.WORK, text, f"/dossiers/{d.id}", d.id))
        else:
            text = f"Có {len(waiting)} hồ sơ mới đang chờ bạn {WORK[state]}. Xem trong “Việc cần làm”."
            out.append(Message(people[user_id], Kind.WORK, text, "/"))
    return out


def deliver_to(user: User) -> list[tuple[str, str]]:
    """The channels (and addresses) a person's messages go to besides the inbox: those she chose and can receive."""
    chosen = set(user.channels or [])
    out = []
    if "email" in chosen and user.email:
        out.append(("email", user.email))
    for channel in ("sms", "zalo"):
        if channel in chosen and user.phone:
            out.append((channel, user.phone))
    return out


def store(session: Session, messages: Iterable[Message], now: datetime) -> list[int]:
    """Inbox rows and their outbox rows, written in the session's transaction: one statement for all the messages
    and one for all their deliveries, however many (a decision tells thousands). Returns the inbox rows' ids."""
    messages = list(messages)
    ids = bulk.insert_rows(Notification.__table__, [
        {"user_id": m.user.id, "dossier_id": m.dossier_id, "kind": m.kind, "text": m.text, "link": m.link,
         "event_id": m.event_id, "dedupe_key": m.dedupe_key, "created_at": now, "read_at": None} for m in messages],
        session)
    routes: dict[int, list[tuple[str, str]]] = {}  # each person's channels, read once however many messages
    for m in messages:
        if m.user.id not in routes:
            routes[m.user.id] = deliver_to(m.user)
    bulk.insert_rows(Delivery.__table__, [
        {"notification_id": row_id, "channel": channel, "address": address, "status": "pending", "attempts": 0,
         "next_attempt_at": now, "claimed_by": None, "claimed_until": None, "last_error": "", "sent_at": None}
        for m, row_id in zip(messages, ids, strict=True) for channel, address in routes[m.user.id]], session)
    return ids


@uow.write_with
def _tell(session: Session, events: list[uow.Published]) -> None:
    messages = messages_for(session, events)
    if messages:
        store(session, messages, max(e.at for e in events))
