"""The dossier workflow written down once. Everything else (machine, services, buttons, API, diagram, tests)
reads this table."""

from __future__ import annotations

from dataclasses import dataclass, field

from states import guards as g
from states.enums import Role, State, Trigger
from states.guards import Guard


@dataclass(frozen=True)
class Rule:
    trigger: Trigger
    sources: tuple[State, ...]
    dest: State
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    comment_required: bool = False
    # True: only the dossier's creator may fire it. False: the creator and the subject may not (no self-approval).
    owner_only: bool = False
    data_fields: tuple[str, ...] = field(default=())
    # An exceptional step (a correction after the fact): nobody is "waiting" for it.
    exceptional: bool = False


S, T, R = State, Trigger, Role

TABLE: tuple[Rule, ...] = (
    Rule(T.SUBMIT, (S.DRAFT,), S.REGISTERED, frozenset({R.APPLICANT}),
         (g.in_registration_window, g.required_fields, g.one_live_dossier), owner_only=True),
    Rule(T.ACCEPT, (S.REGISTERED,), S.SELF_ASSESSMENT, frozenset({R.GROUP_COMMITTEE})),
    Rule(T.REJECT_REGISTRATION, (S.REGISTERED,), S.REGISTRATION_REJECTED, frozenset({R.GROUP_COMMITTEE}),
         comment_required=True),
    Rule(T.SUBMIT_ASSESSMENT, (S.SELF_ASSESSMENT,), S.PUBLIC_NOTICE, frozenset({R.GROUP_COMMITTEE}),
         (g.all_criteria_self_assessed, g.no_disqualifier, g.group_meeting_recorded,
          g.group_meeting_quorum, g.group_meeting_approval)),
    Rule(T.CLOSE_NOTICE, (S.PUBLIC_NOTICE,), S.WARD_INSPECTION, frozenset({R.WARD_INSPECTOR}),
         (g.notice_period_over, g.objections_answered)),
    Rule(T.RETURN_TO_GROUP, (S.PUBLIC_NOTICE, S.WARD_INSPECTION), S.SELF_ASSESSMENT,
         frozenset({R.WARD_INSPECTOR}), comment_required=True),
    Rule(T.COMPLETE_INSPECTION, (S.WARD_INSPECTION,), S.COUNCIL_REVIEW, frozenset({R.WARD_INSPECTOR}),
         (g.all_criteria_inspected, g.recommendation_given)),
    Rule(T.CLOSE_REVIEW, (S.COUNCIL_REVIEW,), S.AWAITING_DECISION, frozenset({R.COUNCIL_SECRETARY}),
         (g.council_quorum,)),
    Rule(T.RECOGNIZE, (S.AWAITING_DECISION,), S.RECOGNIZED, frozenset({R.CHAIRMAN}),
         (g.council_recommended, g.no_disqualifier), data_fields=("decision_number", "signed_on")),
    Rule(T.REFUSE, (S.AWAITING_DECISION,), S.NOT_RECOGNIZED, frozenset({R.CHAIRMAN}), comment_required=True),
    Rule(T.SEND_BACK, (S.AWAITING_DECISION,), S.COUNCIL_REVIEW, frozenset({R.CHAIRMAN}), comment_required=True),
    Rule(T.REVOKE, (S.RECOGNIZED,), S.REVOKED, frozenset({R.CHAIRMAN}), comment_required=True, exceptional=True),
    Rule(T.WITHDRAW, (S.DRAFT, S.REGISTERED, S.SELF_ASSESSMENT), S.WITHDRAWN, frozenset({R.APPLICANT}),
         owner_only=True),
)

RULES: dict[Trigger, Rule] = {rule.trigger: rule for rule in TABLE}
assert len(RULES) == len(TABLE), "one row per trigger"


def rules_from(state: State) -> list[Rule]:
    return [rule for rule in TABLE if state in rule.sources]
