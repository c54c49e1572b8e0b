"""One step for many dossiers at once (accept registrations, submit a group's assessments, close notices, close
reviews, decide): each dossier is judged exactly as it would be alone (step_sets: the phases of `apply_transition`,
read and written once for the set), in one lock order, and the batch is all-or-nothing — every dossier that blocks
it is named with its reason, and then none moves.

`candidates` answers the pages' question before anything is sent: which dossiers in the user's scope wait for
this step, and for each, whether the policy (role, relation, state, guards) lets it move now or why not."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from models import Decision, Dossier, RoleAssignment, Unit, User
from states import policy
from states.enums import Action, Role, Trigger, VoteChoice
from states.guards import meets_share
from states.policy import roles_for, states_for
from states.text import T
from workflow import clock, limits
from workflow.extensions import db
from workflow.services import permissions
from workflow.services.errors import NotFound, ServiceError
from workflow.services.scope import reviewer_paths, unit_filter, visible_dossiers
from workflow.services.step_sets import SetFacts, find_locked, move_set
from workflow.services.validate import Fields


def reason_of(error: ServiceError) -> str:
    """One line saying why a dossier blocks: the guards' reasons, or the message and its fields."""
    reasons = getattr(error, "reasons", None)
    if reasons:
        return "; ".join(reasons)
    if error.fields:
        return f"{error.message} ({'; '.join(f'{k}: {v}' for k, v in error.fields.items())})"
    return error.message


class BatchBlocked(ServiceError):
    """Some dossiers of the batch cannot move, so none did. `fields` = {"<dossier_id>": why}; the status and code
    are those of the first refusal (in the batch's order: the ones not found, then by id)."""

    def __init__(self, blocked: dict[int, ServiceError], dossiers: dict[int, Dossier] | None = None):
        first = next(iter(blocked.values()))
        self.code, self.status = first.code, first.status
        dossiers = dossiers or {}
        lines = [f"{_name(dossier_id, dossiers)}: {reason_of(error)}" for dossier_id, error in blocked.items()]
        super().__init__(T("Không hồ sơ nào được chuyển: %(count)s hồ sơ chưa thể thực hiện. %(details)s",
                           count=len(blocked), details=" | ".join(lines)),
                         {str(dossier_id): reason_of(error) for dossier_id, error in blocked.items()})
        self.blocked = blocked


def _name(dossier_id: int, dossiers: dict[int, Dossier]) -> str:
    dossier = dossiers.get(dossier_id)
    return f"{dossier.tracking_code} ({dossier.subject_name})" if dossier else f"hồ sơ số {dossier_id}"


def parse_items(raw: Any, fields: Fields) -> dict[int, int]:
    """`items`: [{dossier_id, version}], 1..BATCH_MAX, each dossier once → {dossier_id: version}."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= limits.BATCH_MAX:
        fields.error("items", T("danh sách từ 1 đến %(n)s hồ sơ {dossier_id, version}", n=limits.BATCH_MAX))
        return {}
    wanted: dict[int, int] = {}
    for index, item in enumerate(raw):
        sub = Fields(item)
        if not isinstance(item, dict):
            fields.error(f"items[{index}]", T("phải là đối tượng {dossier_id, version}"))
            continue
        dossier_id = sub.integer("dossier_id", minimum=1, maximum=limits.ID_MAX)
        version = sub.integer("version", minimum=0, maximum=limits.ID_MAX)
        if dossier_id is not None and dossier_id in wanted:
            sub.error("dossier_id", T("hồ sơ lặp lại trong danh sách"))
        for name, message in sub.errors.items():
            fields.error(f"items[{index}].{name}", message)
        if not sub.errors:
            wanted[dossier_id] = version
    return wanted


def apply_batch(actor: User, trigger: Any, items: Any, comment: Any = "", data: Any = None,
                now: datetime | None = None) -> list[Dossier]:
    """Fire `trigger` on every listed dossier ({dossier_id, version}) as `actor`: all move, or none does."""
    now = now or clock.now()
    fields = Fields({"trigger": trigger, "comment": comment})
    name = fields.text("trigger", required=True, max_length=40)
    if name and name not in set(Trigger):
        fields.error("trigger", T("không có thao tác này"))
    comment = fields.text("comment", max_length=limits.COMMENT)
    if data is not None and not isinstance(data, dict):
        fields.error("data", T("phải là đối tượng"))
    wanted = parse_items(items, fields)
    fields.done(T("Thao tác hàng loạt chưa hợp lệ."))
    found = find_locked(actor, wanted)  # in scope, locked in one statement, read as they now stand
    return move_all(actor, Trigger(name), wanted, found, comment, data or {}, now)


def move_all(actor: User, trigger: Trigger, wanted: dict[int, int], found: dict[int, Dossier], comment: str,
             data: dict, now: datetime, decision: Decision | None = None,
             comments: dict[int, str] | None = None) -> list[Dossier]:
    """The batch's core: every wanted dossier (found in scope and locked by `step_sets.find_locked`, lowest id
    first, so two batches never deadlock) through the phases of `apply_transition`, as one set; every refusal
    collected; BatchBlocked if any, and nothing written."""
    blocked: dict[int, ServiceError] = {i: NotFound(T("không tìm thấy hồ sơ")) for i in wanted if i not in found}
    moved, refused = move_set(actor, trigger, wanted, found, comment, data, now, decision, comments)
    blocked.update(refused)
    if blocked:
        raise BatchBlocked(blocked, found)
    return moved


# --- what the batch pages show before anything is sent ------------------------------------------------------------


@dataclass
class Candidate:
    """A dossier waiting for the step, and whether it can move now (else the policy's reasons)."""

    dossier: Dossier
    reasons: list[str] = field(default_factory=list)
    status: int = 200
    tally: dict[str, Any] | None = None  # close_review: the votes so far and who has not voted

    @property
    def movable(self) -> bool:
        return self.status == 200


def candidates(actor: User, trigger: Trigger, *, unit_id: int | None = None, campaign_id: int | None = None,
               ids: Iterable[int] | None = None, now: datetime | None = None) -> list[Candidate]:
    """The dossiers in the actor's scope in a state the step starts from, under a unit where the actor holds a
    role of the step (a group or the ward), each checked by the policy with its guards — those the actor may
    never move (own family, another role's unit) are left out. What the guards ask is read once for them all
    (step_sets.SetFacts), as the step itself reads it."""
    now = now or clock.now()
    paths = reviewer_paths(actor, set(roles_for(trigger)))
    if not paths:
        return []
    query = (visible_dossiers(actor).where(unit_filter(Unit.path, paths),
                                           Dossier.state.in_([s.value for s in states_for(trigger)]))
             .order_by(Unit.path, Dossier.subject_name, Dossier.id))
    if unit_id is not None:
        query = query.where(Dossier.unit_id == unit_id)
    if campaign_id is not None:
        query = query.where(Dossier.campaign_id == campaign_id)
    if ids is not None:
        query = query.where(Dossier.id.in_(list(ids)))
    dossiers = list(db.session.scalars(query))
    facts = SetFacts(dossiers)
    found = []
    for dossier in dossiers:
        verdict = policy.may(actor, trigger, dossier, facts.context(dossier, now), now=now)
        if verdict.status == 403:  # not the actor's to move at all (own family): not offered
            continue
        found.append(Candidate(dossier, list(verdict.reasons), verdict.status))
    if trigger == Trigger.CLOSE_REVIEW:
        facts.load("votes")
        councils: dict[int, list[User]] = {}
        for candidate in found:
            candidate.tally = review_tally(actor, candidate.dossier, now, councils)
    return found


def council_members(dossier: Dossier) -> list[User]:
    """The council of the dossier's ward as the guards count it (active members), by name."""
    return list(db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.COUNCIL_MEMBER, RoleAssignment.unit_id == dossier.campaign.unit_id,
               User.active.is_(True)).distinct().order_by(User.full_name)))


def review_tally(actor: User, dossier: Dossier, now: datetime,
                 councils: dict[int, list[User]] | None = None) -> dict[str, Any]:
    """The council's votes so far: counts against the council's size, and — unless the policy hides who voted
    (a secret ballot) — the names of those who have not voted yet. `councils`: the wards' councils already read
    (by the ward's id), for a page of many dossiers."""
    councils = {} if councils is None else councils
    ward_id = dossier.campaign.unit_id
    if ward_id not in councils:
        councils[ward_id] = council_members(dossier)
    members = councils[ward_id]
    counts = {choice.value: 0 for choice in VoteChoice}
    for vote in dossier.votes:
        counts[vote.choice] += 1
    voted = {vote.user_id for vote in dossier.votes}
    names_shown = permissions.verdict(actor, Action.SEE_VOTERS, dossier, now).allowed
    return {"counts": counts, "voted": len(voted), "size": len(members),
            "missing": [m.full_name for m in members if m.id not in voted] if names_shown else None,
            # what closing now would record (states/effects.tally_votes counts the same way)
            "recommended": meets_share(counts[VoteChoice.APPROVE], len(members), dossier.campaign.council_approval)}
