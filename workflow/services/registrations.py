"""Many paper registrations at once (the committee's Excel list), set-based: each row judged as `create_dossier`
judges one resident's form typed in on her behalf, and the good ones written as one set.

The phases are create_dossier's, in its order, with its own helpers where they need no database (the payload's
fields: `parse_registration`; the unit and the title's criteria: `registration_target`, asked once per title; the
submit guards, evaluated on each row); what create_dossier reads row by row is read once for the set — the
residents' accounts, the tracking codes already taken, the subjects' live dossiers — and the dossiers, their
household members and their CREATED events (each the first link of its own chain) are inserted in one statement
each (bulk.insert_rows, audit.record_many). A dossier row gets here what the flush's hook (deadlines) gives a new
dossier: its ward and due day. When the table's submit guards or the dossier's columns are not the ones this module
knows, `set_based()` says so and the caller tries each row through create_dossier itself. The committee's list of an
Excel file (services/imports.py) and its one step for every household of a group (services/households.py) come
here."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import String, func, select

from models import Campaign, Dossier, DossierMember, Unit, User
from states import guards
from states.enums import TERMINAL_STATES, EventName, State, Trigger
from states.guards import GuardContext, evaluate
from states.policy import Verdict
from states.table import RULES
from states.text import T
from workflow.extensions import db
from workflow.services import audit, bulk, deadlines
from workflow.services.dossiers import (
    TRACKING_ALPHABET,
    parse_registration,
    refresh_search_text,
    registration_target,
    step_event,
)
from workflow.services.errors import GuardRefused, ServiceError
from workflow.services.validate import Fields

# What the submit guards read of a row (its title and subject fields, the campaign's window for that title, the
# subject's live dossiers): a
# guard the table gains reads what this module does not gather, and the rows then go one by one.
KNOWN_GUARDS = (guards.in_registration_window, guards.required_fields, guards.one_live_dossier)
COLUMNS = frozenset({
    "tracking_code", "title", "campaign_id", "unit_id", "ward_id", "due_on", "criteria_set_id", "subject_name",
    "subject_ref", "subject_address", "note", "search_text", "state", "version", "created_by_id", "entered_by_id",
    "recommendation", "council_recommended", "disqualifiers_found", "decision_id", "notice_ends_on",
    "certificate_code", "certificate_year", "certificate_number", "revoked_by_decision_id", "state_changed_at",
    "inspection_team", "inspection_started_at", "inspection_ended_at", "created_at", "updated_at"})
MEMBER_COLUMNS = frozenset({"dossier_id", "name", "personal_id", "relation"})
NOT_LIVE = frozenset(s.value for s in TERMINAL_STATES | {State.DRAFT})  # as DossierFacts.live_duplicates


def set_based() -> bool:
    """Whether a set of registrations can be judged and written here exactly as create_dossier would, one by one."""
    return (all(g in KNOWN_GUARDS for g in RULES[Trigger.SUBMIT].guards)
            and {c.name for c in Dossier.__table__.columns} - {"id"} == COLUMNS
            and {c.name for c in DossierMember.__table__.columns} - {"id"} == MEMBER_COLUMNS)


@dataclass
class Registered:
    """A row written: its dossier's id and tracking code."""

    dossier_id: int
    tracking_code: str


class _LiveDuplicates:
    """The one fact the submit guards ask of a new dossier, answered from the set's single read."""

    def __init__(self, count: int):
        self.count = count

    def live_duplicates(self) -> int:
        return self.count


def register_on_behalf(actor: User, allowed: Verdict, campaign: Campaign, unit: Unit,
                       payloads: list[dict[str, Any]], now: datetime,
                       event_data: list[dict[str, Any]]) -> list[Registered | ServiceError]:
    """Each payload (create_dossier's, `on_behalf`, for this campaign and unit) registered, or the error
    create_dossier would raise for it; `allowed` is the actor's verdict to register on behalf in the unit. The good
    rows are written in the caller's transaction."""
    outcomes: list[Registered | ServiceError | None] = [None] * len(payloads)
    parsed: dict[int, tuple[str, dict[str, str], list]] = {}
    for index, payload in enumerate(payloads):
        try:
            _fields, campaign_id, unit_id, title, values, members, on_behalf = parse_registration(payload)
        except ServiceError as error:
            outcomes[index] = error
            continue
        if (campaign_id, unit_id, on_behalf) != (campaign.id, unit.id, True):
            raise ValueError("register_on_behalf: a payload for another campaign or unit")
        parsed[index] = (title, values, members)
    targets: dict[str, Any] = {}
    for title in sorted({title for title, _values, _members in parsed.values()}):
        try:
            targets[title] = registration_target(Fields({}), campaign, unit, title, now)
        except ServiceError as error:
            targets[title] = error
    refs = {values["subject_ref"] for _title, values, _members in parsed.values()}
    applicants = _accounts(refs)
    live = _live_subjects(campaign, refs)
    codes = iter(new_tracking_codes(len(parsed)))
    rows, entries, written = [], [], []
    for index, (title, values, members) in parsed.items():
        target = targets[title]
        if isinstance(target, ServiceError):
            outcomes[index] = target
            continue
        dossier = SimpleNamespace(title=title, subject_name=values["subject_name"], subject_ref=values["subject_ref"],
                                  tracking_code=next(codes))
        refresh_search_text(dossier)
        # A paper registration counts as submitted: the same rules as `submit` apply to it (create_dossier).
        context = GuardContext(dossier=dossier, campaign=campaign, now=now, facts=_LiveDuplicates(
            live[(title, values["subject_ref"].strip().lower())]))
        reasons = evaluate(RULES[Trigger.SUBMIT].guards, context)
        if reasons:
            outcomes[index] = GuardRefused(T("Chưa đủ điều kiện: %(reasons)s.", reasons="; ".join(reasons)),
                                           {"on_behalf": "; ".join(reasons)})
            continue
        applicant = applicants.get(values["subject_ref"])
        rows.append(dict(
            tracking_code=dossier.tracking_code, title=title, campaign_id=campaign.id, unit_id=unit.id,
            ward_id=campaign.unit_id, due_on=deadlines.compute(State.REGISTERED.value, campaign, now, title),
            criteria_set_id=target.id, **values, search_text=dossier.search_text, state=State.REGISTERED.value,
            version=1, created_by_id=applicant, entered_by_id=actor.id, recommendation=None,
            council_recommended=None, disqualifiers_found=[], decision_id=None, notice_ends_on=None,
            certificate_code=None, certificate_year=None, certificate_number=None, revoked_by_decision_id=None,
            inspection_team=None, inspection_started_at=None, inspection_ended_at=None,
            state_changed_at=now, created_at=now, updated_at=now))
        entries.append({"title": title, "campaign_id": campaign.id, "criteria_set": target.version,
                        "members": len(members), **event_data[index], "on_behalf": True,
                        "entered_by": actor.username})
        written.append(index)
    ids = bulk.insert_rows(Dossier.__table__, rows)
    # The household's members, as create_dossier lists them (a payload names them; an Excel row never does).
    bulk.insert_rows(DossierMember.__table__, [
        {"dossier_id": dossier_id, "name": member["name"], "personal_id": member["personal_id"] or None,
         "relation": member["relation"]}
        for dossier_id, index in zip(ids, written, strict=True) for member in parsed[index][2]])
    audit.record_many([
        step_event(SimpleNamespace(id=dossier_id, unit_id=unit.id), EventName.CREATED, actor, allowed, now, data,
                   to_state=State.REGISTERED.value)
        for dossier_id, data in zip(ids, entries, strict=True)])
    for index, dossier_id, row in zip(written, ids, rows, strict=True):
        outcomes[index] = Registered(dossier_id, row["tracking_code"])
    return outcomes


def new_tracking_codes(count: int) -> list[str]:
    """`count` tracking codes as dossiers.new_tracking_code draws them, none taken and none twice: drawn at random,
    those already taken (one statement per draw) drawn again."""
    codes: list[str] = []
    while len(codes) < count:
        drawn = {"KM" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
                 for _ in range(count - len(codes))} - set(codes)
        taken = set()
        for chunk in bulk.chunks(drawn):
            taken.update(db.session.scalars(select(Dossier.tracking_code)
                                            .where(bulk.among(Dossier.tracking_code, chunk))))
        codes += sorted(drawn - taken)
    return codes


def _accounts(refs: Iterable[str]) -> dict[str, int]:
    """The account of each personal number that has one (create_dossier's applicant), in one statement."""
    found: dict[str, int] = {}
    for chunk in bulk.chunks(refs):
        found.update((ref, user_id) for user_id, ref in db.session.execute(
            select(User.id, User.personal_id).where(bulk.among(User.personal_id, chunk))))
    return found


def _live_subjects(campaign: Campaign, refs: Iterable[str]) -> Counter:
    """How many live dossiers each (title, subject) already has in the campaign, as DossierFacts.live_duplicates
    counts them (case aside), in one statement."""
    live: Counter = Counter()
    key = func.lower(Dossier.subject_ref, type_=String())
    for chunk in bulk.chunks({ref.strip().lower() for ref in refs}):
        for title, ref in db.session.execute(
                select(Dossier.title, key).where(Dossier.campaign_id == campaign.id, bulk.among(key, chunk),
                                                 Dossier.state.not_in(NOT_LIVE))):
            live[(title, ref)] += 1
    return live
