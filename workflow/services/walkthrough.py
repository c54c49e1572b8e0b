"""Walk a dossier along the real path, step by step through the services (demo data and test set-up).

Nothing here shortcuts the workflow: every step is the same call a page or the API makes, so the history
that results is a real chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from models import Dossier, User
from states.enums import Recommendation, State, Trigger, VoteChoice
from workflow.services import meetings, records
from workflow.services.calendar import VIETNAM
from workflow.services.dossiers import apply_transition

# The happy path: each target state and the step that reaches it from the one before.
HAPPY_PATH = [State.REGISTERED, State.SELF_ASSESSMENT, State.PUBLIC_NOTICE, State.WARD_INSPECTION,
              State.COUNCIL_REVIEW, State.AWAITING_DECISION, State.RECOGNIZED]


@dataclass
class Cast:
    applicant: User
    committee: User
    inspector: User
    council: list[User]
    secretary: User
    chairman: User


@dataclass
class Timeline:
    """Hands out step times from `start`, jumping past the notice period when it has to."""

    start: datetime
    step: timedelta = timedelta(hours=6)
    current: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.current = self.start

    def next(self, after: timedelta | None = None) -> datetime:
        self.current += after or self.step
        return self.current

    def past(self, moment: datetime) -> datetime:
        """The next step, but not before `moment` (the end of a period the step must wait for)."""
        self.current = max(self.current + self.step, moment)
        return self.current


def morning_after(day) -> datetime:
    """08:00 in Vietnam on the day after `day`: the first office hour once a period ending on `day` is over."""
    return datetime.combine(day + timedelta(days=1), time(8), tzinfo=VIETNAM).astimezone(UTC)


def full_assessment(dossier: Dossier, *, invited: int = 40, attendees: int = 32, votes_for: int = 30,
                    held_on=None, missing: int = 0) -> dict:
    points = dossier.criteria_set.shape == "points"
    criteria = dossier.criteria_set.criteria[: len(dossier.criteria_set.criteria) - missing]
    return {
        "version": dossier.version,
        "items": [{"criterion": c.code, "met": True, "points": c.max_points if points else None,
                   "note": "Đạt"} for c in criteria],
        "meeting": {"held_on": (held_on or dossier.updated_at.date()).isoformat(), "invited": invited,
                    "attendees": attendees, "votes_for": votes_for},
    }


def full_inspection(dossier: Dossier, recommendation: Recommendation = Recommendation.PASS) -> dict:
    """Every criterion checked: met (full points on a points set) for a `pass`, the first standard failed for a
    `fail` — a recommendation the inspection itself supports."""
    points = dossier.criteria_set.shape == "points"
    failing = recommendation == Recommendation.FAIL
    first = dossier.criteria_set.criteria[0].standard_id if points else None
    items = []
    for c in dossier.criteria_set.criteria:
        met = not (failing and (c.standard_id == first if points else c == dossier.criteria_set.criteria[0]))
        item = {"criterion": c.code, "met": met, "note": "Kiểm tra thực tế: đạt" if met else "Chưa đạt"}
        if points:
            item["points"] = c.max_points if met else 0
        items.append(item)
    return {"version": dossier.version, "recommendation": recommendation.value, "items": items}


def step(actor: User, dossier: Dossier, trigger: Trigger, when: datetime, comment: str = "",
         data: dict | None = None) -> None:
    apply_transition(actor, dossier, trigger, dossier.version, comment, data or {}, now=when)


def drive(dossier: Dossier, target: State, cast: Cast, timeline: Timeline, *, approve: bool = True,
          decision_number: str = "01/QĐ-UBND", post_at: datetime | None = None) -> Dossier:
    """Move a fresh draft to `target` along the real path (the side exits included)."""
    if target == State.DRAFT:
        return dossier
    if target == State.WITHDRAWN:
        step(cast.applicant, dossier, Trigger.WITHDRAW, timeline.next(), "Gia đình xin rút đăng ký")
        return dossier
    step(cast.applicant, dossier, Trigger.SUBMIT, timeline.next())
    if target == State.REGISTRATION_REJECTED:
        step(cast.committee, dossier, Trigger.REJECT_REGISTRATION, timeline.next(),
             "Chưa đủ điều kiện đăng ký: hộ mới chuyển đến chưa đủ 12 tháng")
        return dossier
    if target == State.REGISTERED:
        return dossier
    step(cast.committee, dossier, Trigger.ACCEPT, timeline.next())
    if target == State.SELF_ASSESSMENT:
        return dossier
    when = timeline.next()
    group_meeting = meetings.meeting_of(dossier.unit_id, dossier.campaign_id)  # one meeting per group: reuse it
    held_on = group_meeting.held_on if group_meeting is not None and group_meeting.held_on <= when.date() \
        else when.date()
    records.save_assessment(cast.committee, dossier, full_assessment(dossier, held_on=held_on), now=when)
    # `post_at`: when the group sends it (a dossier left on notice in a fixture was posted recently)
    step(cast.committee, dossier, Trigger.SUBMIT_ASSESSMENT, post_at or timeline.next())
    if target == State.PUBLIC_NOTICE:
        return dossier
    # The notice runs to the end of its last day (Vietnam's time), as the campaign's calendar counts it.
    step(cast.inspector, dossier, Trigger.CLOSE_NOTICE, timeline.past(morning_after(dossier.notice_ends_on)))
    if target == State.WARD_INSPECTION:
        return dossier
    recommendation = Recommendation.PASS if approve else Recommendation.FAIL
    records.save_inspection(cast.inspector, dossier, full_inspection(dossier, recommendation), now=timeline.next())
    step(cast.inspector, dossier, Trigger.COMPLETE_INSPECTION, timeline.next())
    if target == State.COUNCIL_REVIEW:
        return dossier
    choice = VoteChoice.APPROVE if approve else VoteChoice.REJECT
    for member in cast.council:
        records.cast_vote(member, dossier, choice.value, "", now=timeline.next(timedelta(minutes=5)))
    step(cast.secretary, dossier, Trigger.CLOSE_REVIEW, timeline.next())
    if target == State.AWAITING_DECISION:
        return dossier
    when = timeline.next()
    if target == State.NOT_RECOGNIZED:
        step(cast.chairman, dossier, Trigger.REFUSE, when, "Hội đồng không đề nghị công nhận")
        return dossier
    step(cast.chairman, dossier, Trigger.RECOGNIZE, when, "",
         {"decision_number": decision_number, "signed_on": when.date().isoformat()})
    if target == State.REVOKED:
        when = timeline.next(timedelta(days=3))
        step(cast.chairman, dossier, Trigger.REVOKE, when,
             "Phát hiện thành viên gia đình vi phạm trật tự công cộng sau khi công nhận",
             {"decision_number": f"{9000 + dossier.id}/QĐ-UBND", "signed_on": when.date().isoformat()})
    return dossier
