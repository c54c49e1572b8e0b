"""The dossier workflow written down once. Everything else (machine, policy, services, buttons, API, diagram,
tests) reads this table.

Each row names the trigger, where it may start, where it ends, who may fire it and how it treats the dossier's
own people, the guards the machine checks, the inputs it carries (a schema) and its effect beyond the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from states import effects as fx
from states import guards as g
from states import inputs as i
from states.enums import Parties, Role, State, Trigger
from states.guards import Guard


@dataclass(frozen=True)
class Rule:
    trigger: Trigger
    sources: tuple[State, ...]
    dest: State
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    comment_required: bool = False
    parties: Parties = Parties.NOT_PARTIES
    inputs: type[i.StepInput] = i.NoInput
    effect: fx.Effect | None = None
    # An exceptional step (a correction after the fact, an exit): nobody is "waiting" for it, it is never
    # anyone's "next step".
    exceptional: bool = False
    # A stand-in acting under a dated delegation may fire it (reviewer steps); an applicant's own steps not.
    delegable: bool = True


S, T, R, P = State, Trigger, Role, Parties

TABLE: tuple[Rule, ...] = (
    Rule(T.SUBMIT, (S.DRAFT,), S.REGISTERED, frozenset({R.APPLICANT}),
         (g.in_registration_window, g.required_fields, g.one_live_dossier), parties=P.APPLICANT_ONLY,
         delegable=False),
    Rule(T.ACCEPT, (S.REGISTERED,), S.SELF_ASSESSMENT, frozenset({R.GROUP_COMMITTEE})),
    Rule(T.REJECT_REGISTRATION, (S.REGISTERED,), S.REGISTRATION_REJECTED, frozenset({R.GROUP_COMMITTEE}),
         comment_required=True),
    Rule(T.SUBMIT_ASSESSMENT, (S.SELF_ASSESSMENT,), S.PUBLIC_NOTICE, frozenset({R.GROUP_COMMITTEE}),
         (g.all_criteria_self_assessed, g.self_assessment_passes, g.no_disqualifier, g.group_meeting_recorded,
          g.group_meeting_quorum, g.group_meeting_approval, g.revised_since_return), effect=fx.post_notice),
    Rule(T.CLOSE_NOTICE, (S.PUBLIC_NOTICE,), S.WARD_INSPECTION, frozenset({R.WARD_INSPECTOR}),
         (g.notice_period_over, g.objections_answered, g.no_upheld_objection)),
    Rule(T.RETURN_TO_GROUP, (S.PUBLIC_NOTICE, S.WARD_INSPECTION), S.SELF_ASSESSMENT,
         frozenset({R.WARD_INSPECTOR}), comment_required=True),
    Rule(T.COMPLETE_INSPECTION, (S.WARD_INSPECTION,), S.COUNCIL_REVIEW, frozenset({R.WARD_INSPECTOR}),
         (g.all_criteria_inspected, g.recommendation_given, g.pass_is_supported)),
    Rule(T.CLOSE_REVIEW, (S.COUNCIL_REVIEW,), S.AWAITING_DECISION, frozenset({R.COUNCIL_SECRETARY}),
         (g.council_quorum,), inputs=i.ReviewInput, effect=fx.tally_votes),
    Rule(T.RECOGNIZE, (S.AWAITING_DECISION,), S.RECOGNIZED, frozenset({R.CHAIRMAN}),
         (g.council_recommended, g.no_disqualifier), inputs=i.DecisionInput, effect=fx.recognize),
    Rule(T.REFUSE, (S.AWAITING_DECISION,), S.NOT_RECOGNIZED, frozenset({R.CHAIRMAN}), comment_required=True,
         inputs=i.OptionalDecisionInput, effect=fx.link_decision),
    Rule(T.SEND_BACK, (S.AWAITING_DECISION,), S.COUNCIL_REVIEW, frozenset({R.CHAIRMAN}), comment_required=True,
         effect=fx.clear_votes),
    Rule(T.REVOKE, (S.RECOGNIZED,), S.REVOKED, frozenset({R.CHAIRMAN}), comment_required=True, exceptional=True,
         inputs=i.DecisionInput, effect=fx.revoke),
    Rule(T.WITHDRAW, (S.DRAFT, S.REGISTERED, S.SELF_ASSESSMENT, S.PUBLIC_NOTICE), S.WITHDRAWN,
         frozenset({R.APPLICANT}), parties=P.APPLICANT_ONLY, delegable=False, exceptional=True),
)

RULES: dict[Trigger, Rule] = {rule.trigger: rule for rule in TABLE}
assert len(RULES) == len(TABLE), "one row per trigger"


def rules_from(state: State) -> list[Rule]:
    return [rule for rule in TABLE if state in rule.sources]
