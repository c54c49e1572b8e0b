"""The workflow's vocabulary: states, triggers, roles, titles and non-transition event names."""

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    REGISTERED = "registered"
    REGISTRATION_REJECTED = "registration_rejected"
    SELF_ASSESSMENT = "self_assessment"
    PUBLIC_NOTICE = "public_notice"
    WARD_INSPECTION = "ward_inspection"
    COUNCIL_REVIEW = "council_review"
    AWAITING_DECISION = "awaiting_decision"
    RECOGNIZED = "recognized"
    NOT_RECOGNIZED = "not_recognized"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


class Trigger(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT_REGISTRATION = "reject_registration"
    SUBMIT_ASSESSMENT = "submit_assessment"
    CLOSE_NOTICE = "close_notice"
    RETURN_TO_GROUP = "return_to_group"
    COMPLETE_INSPECTION = "complete_inspection"
    CLOSE_REVIEW = "close_review"
    RECOGNIZE = "recognize"
    REFUSE = "refuse"
    SEND_BACK = "send_back"
    REVOKE = "revoke"
    WITHDRAW = "withdraw"


class EventName(StrEnum):
    """Audited changes that are not state transitions."""

    CREATED = "created"
    EDITED = "edited"
    ASSESSMENT_SAVED = "assessment_saved"
    INSPECTION_SAVED = "inspection_saved"
    VOTE_CAST = "vote_cast"
    OBJECTION_RECORDED = "objection_recorded"
    OBJECTION_ANSWERED = "objection_answered"
    ATTACHMENT_ADDED = "attachment_added"
    CAMPAIGN_CREATED = "campaign_created"
    CAMPAIGN_UPDATED = "campaign_updated"
    DISQUALIFIER_RECORDED = "disqualifier_recorded"
    DISQUALIFIER_CLEARED = "disqualifier_cleared"
    DELEGATION_GRANTED = "delegation_granted"
    DELEGATION_ENDED = "delegation_ended"
    MEETING_RECORDED = "meeting_recorded"  # the group's review meeting: this dossier's votes in favour
    CALENDAR_DAY_ADDED = "calendar_day_added"
    CALENDAR_DAY_REMOVED = "calendar_day_removed"
    UNIT_MERGED = "unit_merged"
    BLANK_LAYOUT_UPDATED = "blank_layout_updated"  # where a ward's pre-printed certificate blanks want each text
    RENEWED = "renewed"  # registered again in a later campaign from this dossier (the new one is CREATED)
    LIST_PUBLISHED = "list_published"  # a decision's list of those recognized was posted publicly
    CHAIN_RESEALED = "chain_resealed"  # unit and actor of older (version-1) events attested: flask audit-reseal


class Action(StrEnum):
    """What a user may do to (or see of) a dossier besides the triggers: each is a row of states/policy.py."""

    REGISTER = "register"  # create one's own dossier in a unit
    REGISTER_ON_BEHALF = "register_on_behalf"  # the committee types a resident's paper form in
    ADMINISTER = "administer"  # units, users, campaigns, criteria of a unit (no workflow step)
    DELEGATE = "delegate"  # lend one's own role to a stand-in for a period (the holder, or an admin)
    EDIT = "edit"
    ASSESSMENT = "assessment"
    INSPECTION = "inspection"
    VOTE = "vote"
    OBJECTION = "objection"
    ANSWER = "answer"
    ATTACH = "attach"
    DISQUALIFIER = "disqualifier"  # record or clear a fact that bars the title
    MEETING = "meeting"  # record the group's one review meeting of a campaign (a unit-level row)
    SEE_VOTERS = "see_voters"  # who voted how
    SEE_INTERNAL = "see_internal"  # on a dossier's page: its history's data, hashes, sequence and versions
    READ_AUDIT = "read_audit"  # the audit log, its export and the chains' check (a unit-level row)
    RENEW = "renew"  # register again in the next campaign from an ended dossier (subject and unit copied)
    PUBLISH = "publish"  # record that a decision's list of those recognized was posted (a unit-level row)
    STATS = "stats"  # the statistics of a ward's campaigns (a unit-level row)
    READ_PROPOSAL = "read_proposal"  # the group's proposal to the ward and its summary list (a unit-level row)


class Parties(StrEnum):
    """How a row treats the dossier's own people: its applicant (creator) and its subject (or household member)."""

    APPLICANT_ONLY = "applicant_only"  # only the dossier's applicant (submit, withdraw, edit)
    NOT_PARTIES = "not_parties"  # nobody approves a step of their own dossier
    ANYONE = "anyone"  # relation does not matter (reading)


class Role(StrEnum):
    APPLICANT = "applicant"
    GROUP_COMMITTEE = "group_committee"
    WARD_INSPECTOR = "ward_inspector"
    COUNCIL_MEMBER = "council_member"
    COUNCIL_SECRETARY = "council_secretary"
    CHAIRMAN = "chairman"
    VICE_CHAIRMAN = "vice_chairman"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Title(StrEnum):
    MODEL_CITIZEN = "model_citizen"
    MODEL_FAMILY = "model_family"
    MODEL_GROUP = "model_group"
    MODEL_AGENCY = "model_agency"
    CULTURED_FAMILY = "cultured_family"  # Gia đình văn hóa (Decree 86/2023): every household, no registration


class RegistrationKind(StrEnum):
    """How a title's dossiers begin (states/titles.py says which title is which)."""

    VOLUNTEER = "volunteer"  # a household or person registers in the campaign's window (or signs a paper form)
    EVERY_HOUSEHOLD = "every_household"  # assessed for every household: the committee starts the dossiers


class UnitKind(StrEnum):
    PROVINCE = "province"
    TOWN = "town"
    WARD = "ward"
    GROUP = "group"
    AGENCY = "agency"


class VoteChoice(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


class VoteMethod(StrEnum):
    """How the group's meeting voted."""

    SHOW_OF_HANDS = "show_of_hands"
    SECRET_BALLOT = "secret_ballot"


class TeamRole(StrEnum):
    """A place in the ward's inspection team (Đoàn kiểm tra)."""

    HEAD = "head"
    MEMBER = "member"


class Recommendation(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class Outcome(StrEnum):
    RECOGNIZE = "recognize"
    REFUSE = "refuse"
    REVOKE = "revoke"  # a decision taking titles back (Quyết định thu hồi): its dossiers by revoked_by_decision_id


# The decision a step records, by the step.
OUTCOME_OF = {Trigger.RECOGNIZE: Outcome.RECOGNIZE, Trigger.REFUSE: Outcome.REFUSE, Trigger.REVOKE: Outcome.REVOKE}


TERMINAL_STATES = frozenset(
    {State.REGISTRATION_REJECTED, State.NOT_RECOGNIZED, State.REVOKED, State.WITHDRAWN}
)


class AttachmentKind(StrEnum):
    REGISTRATION_FORM = "registration_form"
    SELF_ASSESSMENT = "self_assessment"
    MEETING_MINUTES = "meeting_minutes"
    INSPECTION_MINUTES = "inspection_minutes"
    COUNCIL_MINUTES = "council_minutes"
    DECISION = "decision"
    CERTIFICATE = "certificate"
    EVIDENCE = "evidence"
