"""What guards and effects may ask about a dossier, answered from the database."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from models import AuditEvent, Campaign, CriteriaSet, Dossier, Objection, RoleAssignment, Unit, User
from states.enums import OUTCOME_OF, TERMINAL_STATES, EventName, Role, State, Trigger, VoteChoice
from states.guards import GuardContext
from workflow import clock
from workflow.extensions import db
from workflow.services import calendar
from workflow.services.criteria import Score, score

# What counts as work done on a dossier the ward returned to its group (before it may be sent again).
REVISED_BY = frozenset({EventName.ASSESSMENT_SAVED.value, EventName.EDITED.value, EventName.ATTACHMENT_ADDED.value,
                        EventName.DISQUALIFIER_CLEARED.value, EventName.MEETING_RECORDED.value})


# A step locks its dossier's row and reads it again (audit.lock_stream), letting go of the dossier's campaign, unit
# and criteria set; the session holds objects weakly, so each was read again after every lock. The few rows of these
# settings stay held until the transaction ends: the same objects the identity map gives, so nothing goes stale.
KEPT = "kieumau.kept_settings"


def _keep(instance, context) -> None:
    session = context.session
    if session is not None:
        session.info.setdefault(KEPT, {})[inspect(instance).key] = instance


for _setting in (Campaign, CriteriaSet, Unit):
    event.listen(_setting, "load", _keep)


@event.listens_for(Session, "after_transaction_end")
def _let_go(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(KEPT, None)


class DossierFacts:
    def __init__(self, dossier: Dossier):
        self.dossier = dossier

    def criteria_codes(self) -> list[str]:
        return [c.code for c in self.dossier.criteria_set.criteria]

    def _points(self) -> bool:
        return self.dossier.criteria_set.shape == "points"

    def assessed_codes(self) -> list[str]:
        points = self._points()
        return [i.criterion.code for i in self.dossier.assessment_items
                if (i.points is not None if points else i.met is not None)]

    def inspected_codes(self) -> list[str]:
        points = self._points()
        return [i.criterion.code for i in self.dossier.inspection_items if not points or i.points is not None]

    def self_score(self) -> Score:
        return assessment_score(self.dossier)

    def inspection_score(self) -> Score:
        return inspection_score(self.dossier)

    def disqualifiers(self) -> list[str]:
        return list(self.dossier.disqualifiers_found or [])

    def meeting(self):
        return self.dossier.meeting_vote

    def live_duplicates(self) -> int:
        d = self.dossier
        return db.session.scalar(
            select(func.count(Dossier.id)).where(
                Dossier.campaign_id == d.campaign_id, Dossier.title == d.title,
                func.lower(Dossier.subject_ref) == d.subject_ref.strip().lower(), Dossier.id != d.id,
                # Another registered (live, not draft) dossier blocks this one; ended ones do not.
                Dossier.state.not_in([s.value for s in TERMINAL_STATES | {State.DRAFT}]),
            )
        ) or 0

    def _this_notice(self):
        """Objections of the notice now running (an earlier notice's were settled by returning the dossier)."""
        return select(func.count(Objection.id)).where(Objection.dossier_id == self.dossier.id,
                                                      Objection.filed_at >= self.dossier.state_changed_at)

    def open_objections(self) -> int:
        return db.session.scalar(self._this_notice().where(Objection.answer.is_(None))) or 0

    def upheld_objections(self) -> int:
        return db.session.scalar(self._this_notice().where(Objection.upheld.is_(True))) or 0

    def notice_period(self, posted_on: date) -> calendar.Period:
        """The notice posted on `posted_on` (Vietnam's date), counted as the campaign says."""
        campaign = self.dossier.campaign
        return calendar.count(posted_on, campaign.notice_days, bool(campaign.notice_working_days))

    def notice_ends_on(self) -> date | None:
        """The last day of the notice now running: fixed when it was posted; for a notice posted before that
        was recorded, counted from the day it was posted."""
        dossier = self.dossier
        if dossier.state != State.PUBLIC_NOTICE:
            return None
        if dossier.notice_ends_on is not None:
            return dossier.notice_ends_on
        return self.notice_period(calendar.local_date(dossier.state_changed_at)).ends_on

    def council_size(self) -> int:
        return council_size(self.dossier.campaign)

    def returned_unrevised(self) -> bool:
        """The ward returned the dossier to its group and nothing has been revised since."""
        if self.dossier.state != State.SELF_ASSESSMENT:
            return False
        dossier_id = self.dossier.id
        last = (select(AuditEvent.id, AuditEvent.trigger)
                .where(AuditEvent.dossier_id == dossier_id, AuditEvent.from_state.is_not(None),
                       AuditEvent.to_state.is_not(None))
                .order_by(AuditEvent.id.desc()).limit(1).subquery())
        revisions = (select(func.count(AuditEvent.id))
                     .where(AuditEvent.dossier_id == dossier_id, AuditEvent.id > last.c.id,
                            AuditEvent.trigger.in_(REVISED_BY)).scalar_subquery())
        found = db.session.execute(select(last.c.trigger, revisions)).first()  # one statement, not two
        return found is not None and found[0] == Trigger.RETURN_TO_GROUP and not found[1]

    def vote_counts(self) -> dict[str, int]:
        counts = {choice.value: 0 for choice in VoteChoice}
        for vote in self.dossier.votes:
            counts[vote.choice] += 1
        return counts

    def decision_for(self, step: GuardContext):
        """The decision a recognize/refuse step belongs to: the batch's, or one found or made by its number."""
        if step.decision is not None:
            return step.decision
        if not step.inputs.get("decision_number"):
            return None
        from workflow.services.dossiers import find_or_create_decision

        return find_or_create_decision(step, self.dossier, OUTCOME_OF[step.trigger])

    def enter_certificate(self, year: int) -> int | None:
        """The certificate's Số vào sổ in the ward's register of `year`, taken now."""
        from workflow.services.register import take_numbers

        return take_numbers(self.dossier.campaign.unit_id, year, 1)


def council_size(campaign: Campaign) -> int:
    """The number of council members of the campaign's ward, counted now."""
    return db.session.scalar(
        select(func.count(func.distinct(RoleAssignment.user_id)))
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == Role.COUNCIL_MEMBER, RoleAssignment.unit_id == campaign.unit_id,
               User.active.is_(True))
    ) or 0


def assessment_score(dossier: Dossier) -> Score:
    items = {i.criterion.code: SimpleNamespace(met=i.met, points=i.points) for i in dossier.assessment_items}
    return score(dossier.criteria_set, items, dossier.campaign.pass_points)


def inspection_score(dossier: Dossier) -> Score:
    items = {i.criterion.code: SimpleNamespace(met=i.met, points=i.points) for i in dossier.inspection_items}
    return score(dossier.criteria_set, items, dossier.campaign.pass_points)


def guard_context(dossier: Dossier, now: datetime | None = None) -> GuardContext:
    return GuardContext(dossier=dossier, campaign=dossier.campaign, facts=DossierFacts(dossier),
                        now=now or clock.now())
