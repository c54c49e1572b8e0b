"""The list of those recognized, as the law makes it public, and the posting of a decision's list (niêm yết).

The public list of a campaign holds the dossiers recognized by a signed decision and still standing: a revoked
title leaves it (its certificate page says it was revoked). Only what the law makes public leaves here — the
name, the title, the group, the decision's number and date, the certificate's code — never a personal number,
an address, a score or a comment. The page reads it a page at a time (`recognized_page`: keyset pages, counts
from GROUP BY), the CSV streams it whole (`recognized_lines`), the API reads `recognized_list`.

After signing, the ward has `publication_days` calendar days (Decree 86/2023; a last day that is not a working
day moves to the next working one) to post the list; the chairman records the day it was posted (`publish`),
and until then the deadline waits on his work list.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Text, and_, case, func, literal, or_, select, true, tuple_, update
from sqlalchemy.orm import joinedload

from models import Campaign, Decision, Dossier, Unit, User
from states import policy
from states.enums import Action, EventName, Outcome, State, Title
from states.policy import local_day
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import audit, bulk, calendar, permissions
from workflow.services.decisions import decision_for
from workflow.services.dossiers import on_behalf
from workflow.services.errors import Conflict, NotFound, ValidationFailed
from workflow.services.listing import soon_until
from workflow.services.scope import unit_filter
from workflow.services.search import fold

TITLE_ORDER = {title.value: n for n, title in enumerate(Title)}


@dataclass(frozen=True)
class Recognized:
    """One line of the public list."""

    subject_name: str
    title: str
    unit_name: str
    decision_number: str
    signed_on: date
    certificate_code: str | None

    def json(self) -> dict:
        return {"subject_name": self.subject_name, "title": self.title, "unit_name": self.unit_name,
                "decision_number": self.decision_number, "signed_on": self.signed_on.isoformat(),
                "certificate_code": self.certificate_code}


# A page of the public list, and the batches its CSV is streamed in.
PAGE_SIZE = 100
BATCH = 500
KEY_MAX = 1_000  # characters of an `after` key: one of ours is far shorter


@functools.lru_cache(maxsize=4096)  # a page sorts the same few dozen group names several times
def natural(text: str) -> tuple:
    """'Tổ dân phố 2' before 'Tổ dân phố 10', and before 'Trường': numbers compared as numbers, words without
    case or accents, as people sort names."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", fold(text)))


def _standing(campaign_id: int) -> list:
    """Dossiers of the campaign standing recognized by a signed decision that recognizes (never refused, revoked
    or pending); to be used with the join to their decision."""
    return [Dossier.campaign_id == campaign_id, Dossier.state == State.RECOGNIZED.value,
            Decision.outcome == Outcome.RECOGNIZE.value]


def _name_matches(folded: str):
    """The subject's name contains `folded` (accents and case aside). search_text is the folded name followed by
    the personal number and the tracking code (dossiers.refresh_search_text): only its first len(name)
    characters are the name, and the public list must never find anyone by a number it does not show."""
    name_part = func.substr(Dossier.search_text, 1, func.length(Dossier.subject_name), type_=Text)
    return and_(Dossier.search_text.contains(folded, autoescape=True), name_part.contains(folded, autoescape=True))


@dataclass(frozen=True)
class Run:
    """One title's lines in one group: the list is its runs in the titles' order then the groups' (natural)
    order, each run by name then id — so a page is a few index ranges, whatever the campaign's size."""

    title: str
    unit_id: int
    unit_name: str
    count: int

    @property
    def order(self) -> tuple:
        return TITLE_ORDER.get(self.title, len(TITLE_ORDER)), natural(self.unit_name), self.unit_id


def _runs(campaign_id: int, *where) -> list[Run]:
    """The campaign's runs with their counts, from one GROUP BY (no line is read), in the list's order."""
    rows = db.session.execute(
        select(Dossier.title, Dossier.unit_id, Unit.name, func.count(Dossier.id))
        .join(Decision, Dossier.decision_id == Decision.id).join(Unit, Dossier.unit_id == Unit.id)
        .where(*_standing(campaign_id), *where).group_by(Dossier.title, Dossier.unit_id, Unit.name))
    return sorted((Run(title, unit_id, name, count) for title, unit_id, name, count in rows), key=lambda r: r.order)


@dataclass(frozen=True)
class _Line:
    """A line as read, with what places it in the list (its run, name and id)."""

    id: int
    subject_name: str
    title: str
    unit_id: int
    certificate_code: str | None
    decision_number: str
    signed_on: date

    def public(self, unit_name: str) -> Recognized:
        return Recognized(subject_name=self.subject_name, title=self.title, unit_name=unit_name,
                          decision_number=self.decision_number, signed_on=self.signed_on,
                          certificate_code=self.certificate_code)


def _read(campaign_id: int, where: list, runs: list[Run], after: tuple[str, int] | None, limit: int) -> list[_Line]:
    """Up to `limit` lines of `runs` (consecutive in the list), in the list's order, from after (name, id) in
    the first run when given."""
    query = (select(Dossier.id, Dossier.subject_name, Dossier.title, Dossier.unit_id, Dossier.certificate_code,
                    Decision.number, Decision.signed_on)
             .join(Decision, Dossier.decision_id == Decision.id).where(*_standing(campaign_id), *where))
    picks = [and_(Dossier.title == run.title, Dossier.unit_id == run.unit_id) for run in runs]
    if len(runs) == 1:
        query = query.where(picks[0]).order_by(Dossier.subject_name, Dossier.id)
    else:
        rank = case(*[(pick, n) for n, pick in enumerate(picks)])
        query = query.where(or_(*picks)).order_by(rank, Dossier.subject_name, Dossier.id)
    if after is not None:
        query = query.where(tuple_(Dossier.subject_name, Dossier.id) > tuple_(literal(after[0]), literal(after[1])))
    return [_Line(*row) for row in db.session.execute(query.limit(limit))]


def _walk(campaign_id: int, where: list, runs: list[Run], start: int, after: tuple[str, int] | None,
          want: int) -> list[_Line]:
    """Up to `want` lines from run `start` (after (name, id) in it when given): the runs the counts say fit whole
    are read together, a run that does not fit is read up to what is missing — a few queries, each bounded."""
    lines: list[_Line] = []
    index = start
    if after is not None and index < len(runs):
        lines += _read(campaign_id, where, runs[index:index + 1], after, want)
        index += 1
    while len(lines) < want and index < len(runs):
        room, end, counted = want - len(lines), index, 0
        while end < len(runs) and counted + runs[end].count <= room:
            counted += runs[end].count
            end += 1
        batch = runs[index:max(end, index + 1)]
        lines += _read(campaign_id, where, batch, None, room)
        index += len(batch)
    return lines


# --- the `after` key of a page ----------------------------------------------------------------------------------
# Opaque to people, not secret: it holds only what the page showed (a title, a group, a name, an id) and says
# where the next page begins. A key that is not one of ours shows the first page, never an error.

def encode_key(values: list) -> str:
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_key(key: str | None) -> list | None:
    """The list of values `encode_key` made, or None for anything else."""
    if not key or not isinstance(key, str) or len(key) > KEY_MAX:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(key.encode("ascii") + b"=" * (-len(key) % 4)).decode("utf-8"))
    except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError):
        return None
    return values if isinstance(values, list) else None


def is_id(value) -> bool:
    return type(value) is int and 0 < value <= limits.ID_MAX


def is_text(value, length: int) -> bool:
    """A string a database takes as a parameter: no longer than its column, no NUL, no lone surrogate."""
    if not isinstance(value, str) or len(value) > length or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class _Key:
    """Where a page of the public list begins: after this line, whose number within its title was `number`."""

    title: str
    unit_id: int
    subject_name: str
    dossier_id: int
    number: int
    page: int

    @classmethod
    def read(cls, key: str | None) -> _Key | None:
        values = decode_key(key)
        if values is None or len(values) != 6:
            return None
        title, unit_id, name, dossier_id, number, page = values
        if not (is_text(title, 30) and is_id(unit_id) and is_text(name, limits.NAME) and is_id(dossier_id)
                and is_id(number) and is_id(page) and page >= 2):
            return None
        return cls(title, unit_id, name, dossier_id, number, page)

    def start(self, runs: list[Run]) -> tuple[int, tuple[str, int] | None] | None:
        """The run the page begins in and the (name, id) to begin after in it; when the key's run has gone (or
        holds nothing the filters keep), the first run that comes after it. None: the key names no group."""
        for index, run in enumerate(runs):
            if (run.title, run.unit_id) == (self.title, self.unit_id):
                return index, (self.subject_name, self.dossier_id)
        unit = db.session.get(Unit, self.unit_id)
        if unit is None:
            return None
        gone = Run(self.title, unit.id, unit.name, 0).order
        return next((i for i, run in enumerate(runs) if run.order > gone), len(runs)), None


# --- the public list: a page, and the whole list as a stream ------------------------------------------------------

@dataclass(frozen=True)
class UnitCount:
    """A group with how many of the campaign's list are in it (the filter's choices)."""

    unit_id: int
    name: str
    count: int


@dataclass
class TitleTable:
    """The page's table for one title: its lines on this page, numbered within the title (STT)."""

    title: str
    count: int  # lines of this title in the whole list the filters keep
    lines: list[tuple[int, Recognized]] = field(default_factory=list)


@dataclass
class RecognizedPage:
    """A page of a campaign's public list, with the counts the page shows (from GROUP BY, never every row)."""

    items: list[Recognized]
    numbers: list[int]  # each item's number within its title
    total: int  # the campaign's whole list
    found: int  # the lines the filters keep
    units: list[UnitCount]
    titles: dict[str, int]  # lines per title, the filters applied
    unit_id: int | None  # the group filter in force (None: every group)
    name: str  # the name searched for, as typed
    number: int  # 1 for the first page (carried in the key, only shown)
    next_key: str | None
    key_refused: bool = False

    @property
    def filtered(self) -> bool:
        return self.unit_id is not None or bool(fold(self.name))

    @property
    def tables(self) -> list[TitleTable]:
        tables: dict[str, TitleTable] = {}
        for number, item in zip(self.numbers, self.items, strict=True):
            tables.setdefault(item.title, TitleTable(item.title, self.titles.get(item.title, 0))).lines.append(
                (number, item))
        return list(tables.values())


def recognized_page(campaign_id: int, after: str | None = None, unit_id: int | None = None, name: str = "",
                    size: int | None = None) -> RecognizedPage:
    """One page of the campaign's public list (by title, then group, then name), after the line `after` names,
    only the group `unit_id` (one of the list's) and the names containing `name` (accents and case aside)."""
    size = size or PAGE_SIZE
    every = _runs(campaign_id)
    units: dict[int, UnitCount] = {}
    for run in sorted(every, key=lambda r: (natural(r.unit_name), r.unit_id)):
        known = units.get(run.unit_id)
        units[run.unit_id] = UnitCount(run.unit_id, run.unit_name, run.count + (known.count if known else 0))
    unit_id = unit_id if unit_id in units else None
    name = (name or "")[:limits.QUERY]
    folded = fold(name)
    where = [_name_matches(folded)] if folded else []
    runs = _runs(campaign_id, *where) if folded else every
    if unit_id is not None:
        runs = [run for run in runs if run.unit_id == unit_id]
    key = _Key.read(after)
    begin = key.start(runs) if key is not None else None
    refused = bool(after) and begin is None
    if begin is None:
        key = None
    start, position = begin or (0, None)
    lines = _walk(campaign_id, where, runs, start, position, size + 1)
    shown, more = lines[:size], len(lines) > size
    names = {run.unit_id: run.unit_name for run in runs}
    numbers, title, number = [], key.title if key else None, key.number if key else 0
    for line in shown:
        number = number + 1 if line.title == title else 1
        title = line.title
        numbers.append(number)
    page = key.page if key else 1
    next_key = None
    if more:
        last = shown[-1]
        next_key = encode_key([last.title, last.unit_id, last.subject_name, last.id, numbers[-1], page + 1])
    titles: dict[str, int] = {}
    for run in runs:
        titles[run.title] = titles.get(run.title, 0) + run.count
    return RecognizedPage(items=[line.public(names[line.unit_id]) for line in shown], numbers=numbers,
                          total=sum(run.count for run in every), found=sum(run.count for run in runs),
                          units=list(units.values()), titles=titles, unit_id=unit_id, name=name, number=page,
                          next_key=next_key, key_refused=refused)


def recognized_lines(campaign_id: int, batch: int | None = None) -> Iterator[Recognized]:
    """The campaign's whole public list in its order, read BATCH lines at a time (the CSV streams it: memory
    holds one batch, whatever the campaign's size)."""
    batch = batch or BATCH
    runs = _runs(campaign_id)
    where_run = {(run.title, run.unit_id): index for index, run in enumerate(runs)}
    names = {run.unit_id: run.unit_name for run in runs}
    start, after = 0, None
    while True:
        lines = _walk(campaign_id, [], runs, start, after, batch)
        for line in lines:
            yield line.public(names[line.unit_id])
        if len(lines) < batch:
            return
        last = lines[-1]
        start, after = where_run[(last.title, last.unit_id)], (last.subject_name, last.id)


def recognized_list(campaign_id: int) -> list[Recognized]:
    """The campaign's whole public list: by title (in the titles' order), then group, then name. A list in
    memory: pages and exports use recognized_page and recognized_lines."""
    return list(recognized_lines(campaign_id))


def public_campaigns() -> list[Campaign]:
    """The campaigns whose list is public: those with at least one dossier standing recognized; newest first."""
    standing = (select(Dossier.id).join(Decision, Dossier.decision_id == Decision.id)
                .where(Dossier.campaign_id == Campaign.id, Dossier.state == State.RECOGNIZED.value,
                       Decision.outcome == Outcome.RECOGNIZE.value))
    query = select(Campaign).options(joinedload(Campaign.unit))
    if bulk.on_postgresql():
        # One probe of (campaign_id, state) per campaign that stops at its first recognized dossier; as EXISTS
        # PostgreSQL reads every recognized dossier of the province (1.9 s at a million).
        query = query.join(standing.limit(1).lateral("standing"), true())
    else:
        query = query.where(standing.exists())
    found = db.session.scalars(query)
    return sorted(found, key=lambda c: (-c.year, natural(c.unit.name), c.id))


def find_campaign(campaign_id: int | None) -> Campaign | None:
    """The campaign an id names, or None (an id out of range names none and never reaches the database)."""
    if campaign_id is None or not 0 < campaign_id <= limits.ID_MAX:
        return None
    return db.session.get(Campaign, campaign_id)


# --- the posting of a decision's list ---------------------------------------------------------------------------

def campaign_of(decision: Decision) -> Campaign | None:
    """The campaign of the decision's dossiers (a decision is of one ward; in practice of one campaign)."""
    return db.session.scalars(select(Campaign).join(Dossier, Dossier.campaign_id == Campaign.id)
                              .where(Dossier.decision_id == decision.id).order_by(Campaign.year.desc())
                              .limit(1)).first()


def due_on(decision: Decision, campaign: Campaign | None = None) -> date | None:
    """The last day to post a recognizing decision's list: `publication_days` calendar days after signing (a
    last day that is not a working day moves to the next working day); None for a refusal."""
    if decision.outcome != Outcome.RECOGNIZE.value:
        return None
    campaign = campaign or campaign_of(decision)
    if campaign is None:
        return None
    return calendar.count(decision.signed_on, campaign.publication_days, False).ends_on


@dataclass
class Due:
    """As the work list's marks read it (dossier_view.Due's shape)."""

    on: date
    status: str | None  # overdue | today | soon | None
    days: int


def due_mark(day: date, today: date, soon: date) -> Due:
    status = "overdue" if day < today else "today" if day == today else "soon" if day <= soon else None
    return Due(day, status, (day - today).days)


@dataclass
class PublicationItem:
    """A recognizing decision whose list waits to be posted: an item of the chairman's "Việc cần làm"."""

    decision: Decision
    due: Due | None
    returned: None = None
    next_steps: list = field(default_factory=list)

    def urgency(self) -> tuple:
        rank = {"overdue": 0, "today": 1, "soon": 2}.get(self.due.status if self.due else None, 3)
        return rank, self.due.on if self.due else date.max, self.decision.id


def unpublished(user: User, today: date | None = None) -> list[PublicationItem] | None:
    """The recognizing decisions of the wards where the user may record the posting, not yet posted, the most
    urgent first; None when the user may post nowhere (no section at all)."""
    wards = permissions.units_for(user, Action.PUBLISH)
    if not wards:
        return None
    today = today or calendar.local_today()
    soon = soon_until(today)
    decisions = db.session.scalars(
        select(Decision).join(Unit, Decision.unit_id == Unit.id)
        .where(unit_filter(Unit.path, [w.path for w in wards]), Decision.outcome == Outcome.RECOGNIZE.value,
               Decision.published_on.is_(None))
        .where(select(func.count(Dossier.id)).where(Dossier.decision_id == Decision.id).scalar_subquery() > 0))
    items = []
    for decision in decisions:
        day = due_on(decision)
        items.append(PublicationItem(decision, due_mark(day, today, soon) if day else None))
    return sorted(items, key=PublicationItem.urgency)


def may_publish(user: User, decision: Decision, now: datetime | None = None) -> bool:
    """Whether the policy lets the user record the posting of this decision's list (its ward's chairman)."""
    ward = db.session.get(Unit, decision.unit_id)
    return ward is not None and policy.may_at(user, Action.PUBLISH, ward, local_day(now or clock.now())).allowed


@dataclass
class Posting:
    """The decision page's publication block: the deadline, when and by whom the list was posted, the form."""

    due: Due
    campaign: Campaign
    published_by: User | None
    may_publish: bool


def posting(user: User, decision: Decision, today: date | None = None) -> Posting | None:
    """For a recognizing decision: its publication deadline and state; None for a refusal."""
    campaign = campaign_of(decision)
    day = due_on(decision, campaign)
    if campaign is None or day is None:
        return None
    today = today or calendar.local_today()
    mark = due_mark(day, today, soon_until(today)) if decision.published_on is None else Due(day, None, 0)
    return Posting(mark, campaign,
                   db.session.get(User, decision.published_by_id) if decision.published_by_id else None,
                   decision.published_on is None and may_publish(user, decision))


def publish(actor: User, decision_id: int, on: date | None, now: datetime | None = None) -> Decision:
    """Record the day the decision's list of those recognized was posted publicly (the chairman, or his deputy
    under delegation), with its audit event on the decision's stream."""
    now = now or clock.now()
    decision = decision_for(actor, decision_id) if 0 < decision_id <= limits.ID_MAX else None
    if decision is None:
        raise NotFound(T("Không tìm thấy quyết định."))
    allowed = permissions.require_at(actor, Action.PUBLISH, db.session.get(Unit, decision.unit_id), now)
    if decision.outcome != Outcome.RECOGNIZE.value:
        raise Conflict(T("Quyết định không công nhận không có danh sách để niêm yết."))
    if decision.published_on is not None:
        raise Conflict(T("Danh sách theo Quyết định số %(number)s đã được niêm yết ngày %(day)s.",
                         number=decision.number, day=calendar.vn(decision.published_on)))
    today, refused = local_day(now), T("Chưa ghi được ngày niêm yết.")
    if on is None:
        raise ValidationFailed(refused, {"published_on": T("nhập ngày niêm yết danh sách")})
    if on > today:
        raise ValidationFailed(refused, {"published_on": T("ngày niêm yết không thể ở tương lai")})
    if on < decision.signed_on:
        raise ValidationFailed(refused, {"published_on": T("ngày niêm yết không thể trước ngày ký quyết định "
                                                           "(%(day)s)", day=calendar.vn(decision.signed_on))})
    # One posting only, even when two requests race: the row is updated only while it has no date.
    done = db.session.execute(
        update(Decision).where(Decision.id == decision.id, Decision.published_on.is_(None))
        .values(published_on=on, published_by_id=actor.id).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(T("Danh sách theo Quyết định số %(number)s đã được niêm yết.", number=decision.number))
    db.session.expire(decision, ["published_on", "published_by_id"])
    audit.record(stream=f"decision:{decision.id}", unit_id=decision.unit_id, trigger=EventName.LIST_PUBLISHED,
                 actor=actor, role=allowed.role, at=now,
                 data={"decision_id": decision.id, "decision_number": decision.number,
                       "published_on": on, "due_on": due_on(decision), **on_behalf(allowed)})
    return decision
