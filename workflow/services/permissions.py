"""The services' door to the policy (states/policy.py): ask it with the dossier's facts, and turn a refusal into
the service error the page and the API show (403 who, 409 when, 422 a rule)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from models import Delegation, Dossier, Unit, User
from states import policy
from states.policy import Option, Verdict, local_day
from states.text import T
from workflow import clock
from workflow.extensions import db
from workflow.services.errors import Forbidden, GuardRefused, InvalidTransition, ServiceError
from workflow.services.facts import guard_context

ERRORS: dict[int, type[ServiceError]] = {403: Forbidden, 409: InvalidTransition, 422: GuardRefused}


def identity(user_id: int) -> User | None:
    """The acting user with all the policy reads of them, in one statement: their roles (with units) and the
    delegations lent to them that are not over (with units and givers; the givers' roles in a second one, only
    when there are any).

    Loaded once per request (the session cookie's loader, the API's token), this object is the request's memo: the
    policy reads its collections and asks the database nothing more. A step that changes what it holds changes these
    same objects or expires them (delegations.grant and end do), so the policy sees the change; the next request
    loads afresh."""
    return db.session.scalars(select(User).where(User.id == user_id).options(*identity_options())).unique().first()


def identity_options() -> tuple:
    """Loader options for `identity` (the API joins them to its token's row)."""
    # The policy checks each delegation's dates against the ward's day itself: this only spares loading the ones
    # over (a day's margin for a request near midnight).
    since = local_day(clock.now()) - timedelta(days=1)
    giver = joinedload(User.delegations_received.and_(Delegation.ended_at.is_(None), Delegation.ends_on >= since))
    return (joinedload(User.roles),
            giver.lazyload(Delegation.to_user),
            giver.joinedload(Delegation.from_user).options(selectinload(User.roles),
                                                          lazyload(User.delegations_received)))


def verdict(user: User, action: str, dossier: Dossier, now: datetime | None = None, **checks) -> Verdict:
    now = now or clock.now()
    return policy.may(user, action, dossier, guard_context(dossier, now), now=now, **checks)


def refusal(found: Verdict) -> ServiceError:
    error = ERRORS[found.status]("; ".join(found.reasons))
    error.reasons = found.reasons if found.status == 422 else None
    return error


def require(user: User, action: str, dossier: Dossier, now: datetime | None = None, **checks) -> Verdict:
    """The verdict when allowed; the matching service error otherwise."""
    found = verdict(user, action, dossier, now, **checks)
    if not found:
        raise refusal(found)
    return found


def require_at(user: User, action: str, unit: Unit, now: datetime | None = None) -> Verdict:
    found = policy.may_at(user, action, unit, local_day(now or clock.now()))
    if not found:
        raise refusal(found)
    return found


def allows(user: User, action: str, dossier: Dossier, now: datetime | None = None) -> bool:
    return verdict(user, action, dossier, now).allowed


def options(user: User, dossier: Dossier, now: datetime | None = None) -> list[Option]:
    """Everything this user may do on this dossier now (triggers with their guards' reasons, data steps)."""
    now = now or clock.now()
    return policy.actions(user, dossier, guard_context(dossier, now), now=now)


def trigger_options(user: User, dossier: Dossier, now: datetime | None = None) -> list[Option]:
    """The triggers this user could fire here now, each with the guards' reasons when blocked."""
    return [o for o in options(user, dossier, now) if o.trigger is not None]


def may_somewhere(user: User, action: str) -> bool:
    return policy.may_somewhere(user, action, local_day(clock.now()))


def units_for(user: User, action: str) -> list[Unit]:
    return policy.units_for(user, action, local_day(clock.now()))


def require_somewhere(user: User, action: str) -> None:
    """A unit-level row held over some unit (the caller's scope then narrows what it sees); 403 otherwise."""
    if not may_somewhere(user, action):
        raise Forbidden(T("Bạn không có vai trò cho việc này."))
