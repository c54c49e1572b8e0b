"""Which rows of the policy (states/policy.py) each route asks — every endpoint of the app, written down.

A route that changes something names the rows that authorize it; a route that only reads in the caller's scope
(the scope loader's 404 is its guard) or is public names none, and says so. tests/states/test_routes_have_policy.py
fails when an endpoint of the app is missing here, when one listed here no longer exists, or when a name is not
a row of the policy: a new route cannot slip in without someone deciding which rule guards it.
"""

from __future__ import annotations

from states.enums import Action, Trigger

A, T = Action, Trigger
ALL_TRIGGERS: tuple[str, ...] = tuple(Trigger)
DECIDE = (T.RECOGNIZE, T.REFUSE)  # a signed decision, one dossier or a batch
REGISTER = (A.REGISTER, A.REGISTER_ON_BEHALF)

ENDPOINTS: dict[str, tuple[str, ...]] = {
    # --- JSON API ------------------------------------------------------------------------------------------------
    "api.auth_token": (),  # public: sign-in
    "api.auth_logout": (),  # the caller's own token
    "api.list_tokens": (),  # the caller's own tokens
    "api.delete_token": (),  # one of the caller's own tokens (another's is 404)
    "api.post_delegation": (A.DELEGATE, A.ADMINISTER),  # the holder lends, or an admin records it for him
    "api.delete_delegation": (A.DELEGATE, A.ADMINISTER),  # its giver, or an admin of its unit
    "api.post_disqualifier": (A.DISQUALIFIER,),
    "api.openapi": (),  # public
    "api.track": (),  # public: a tracking code's stage and dates
    "api.public_notices": (),  # public: a group's dossiers on notice (title, subject's name, last day, code)
    "api.public_recognized": (),  # public: a campaign's list of those recognized (name, title, group, decision)
    "api.public_certificate": (),  # public: whether a certificate's title stands (what the public list shows)
    "api.public_verify_pdf": (),  # public: who signed an uploaded PDF and whether a byte changed (never kept)
    "api.me": (),  # reading one's own account
    "api.get_stats": (A.STATS,),  # ward leaders' figures, over their scope
    "api.my_inbox": (),  # one's own messages
    "api.read_message": (),  # one's own message (another's is 404)
    "api.titles": (),  # reading reference data (titles and criteria sets)
    "api.units": (),  # reading in scope
    "api.list_campaigns": (),  # reading in scope
    "api.post_campaign": (A.ADMINISTER,),
    "api.patch_campaign": (A.ADMINISTER,),
    "api.get_calendar": (),  # any signed-in user: counting a period reads only the national calendar
    "api.post_calendar_day": (A.ADMINISTER,),  # an admin (anywhere: the calendar is national)
    "api.delete_calendar_day": (A.ADMINISTER,),
    "api.list_dossiers": (),  # reading in scope
    "api.list_streaks": (),  # reading in scope: years recognized per subject
    "api.get_dossier": (),  # reading in scope (its available triggers are the policy's answer)
    "api.post_dossier": REGISTER,
    "api.patch_dossier": (A.EDIT,),
    "api.put_assessment": (A.ASSESSMENT,),
    "api.put_inspection": (A.INSPECTION,),
    "api.post_vote": (A.VOTE,),
    "api.post_objection": (A.OBJECTION,),
    "api.answer_objection": (A.ANSWER,),
    "api.post_transition": ALL_TRIGGERS,
    "api.post_renew": (A.RENEW, A.REGISTER_ON_BEHALF),  # the applicant, or the committee on a resident's behalf
    "api.post_attachment": (A.ATTACH,),
    "api.get_attachment": (),  # reading in scope
    "api.post_decision": DECIDE,
    "api.post_batch": ALL_TRIGGERS,  # each dossier through its trigger's row, as alone
    "api.get_meeting": (),  # reading in scope (the group under the caller's roles)
    "api.put_meeting": (A.MEETING, A.ASSESSMENT),  # the group's committee; each voted dossier's assessment row
    "api.get_decision": (),  # reading in scope
    "api.history": (A.SEE_VOTERS,),  # reading in scope; who voted how only as the row allows
    "api.audit_events": (A.READ_AUDIT,),
    "api.audit_verify": (A.READ_AUDIT,),
    "api.audit_seals": (A.READ_AUDIT,),
    "dossiers.import_registrations": (A.REGISTER_ON_BEHALF,),  # the group's committee: an Excel list
    "dossiers.import_confirm": (A.REGISTER_ON_BEHALF,),
    "dossiers.import_template": (),  # an empty template
    "api.import_registrations": (A.REGISTER_ON_BEHALF,),
    "api.import_template": (),  # an empty template
    "dossiers.export": (),  # reading in scope: the filtered list as a spreadsheet
    "dossiers.results": (),  # reading in scope: a campaign's results as a spreadsheet
    "stats.index": (A.STATS,),  # ward leaders' figures, over their scope
    # --- one's own inbox ---------------------------------------------------------------------------------------------
    "inbox.index": (),  # one's own messages
    "inbox.open_message": (),  # one's own message: marked read, then its page (which checks its own scope)
    "inbox.read_all": (),
    "inbox.settings": (),  # one's own channels and addresses
    # --- sign-in and delegations ---------------------------------------------------------------------------------
    "auth.login": (),  # public
    "auth.logout": (),  # one's own session
    "auth.account": (),  # one's own password and API tokens
    "auth.revoke_token": (),  # one of one's own API tokens (another's is 404)
    "auth.delegations": (A.DELEGATE,),
    "auth.end_delegation": (A.DELEGATE, A.ADMINISTER),  # its giver, or an admin of its unit
    # --- the dossier pages ---------------------------------------------------------------------------------------
    "dossiers.home": (A.READ_AUDIT,),  # reading in scope: one's work; the oversight panel as the row allows
    "dossiers.index": (),  # reading in scope
    "dossiers.new": REGISTER,
    "dossiers.detail": (A.SEE_VOTERS, A.SEE_INTERNAL),  # reading in scope; voters and audit data as the rows allow
    "dossiers.edit": (A.EDIT,),
    "dossiers.transition": ALL_TRIGGERS,
    "dossiers.withdraw": (T.WITHDRAW,),  # the confirmation page, then the step
    "dossiers.renew_one": (A.RENEW, A.REGISTER_ON_BEHALF),  # "Đăng ký lại năm …": its applicant, or the committee
    "dossiers.renew_group": (A.RENEW, A.REGISTER_ON_BEHALF),  # the committee renews a group's list at once
    "dossiers.every_household": (A.REGISTER_ON_BEHALF,),  # the committee starts every household's dossier at once
    "dossiers.assessment": (A.ASSESSMENT,),
    "dossiers.inspection": (A.INSPECTION,),
    "dossiers.vote": (A.VOTE,),
    "dossiers.objection": (A.OBJECTION,),
    "dossiers.answer": (A.ANSWER,),
    "dossiers.disqualifier": (A.DISQUALIFIER,),
    "dossiers.attach": (A.ATTACH,),
    "dossiers.attachment": (),  # reading in scope
    "dossiers.certificate": (),  # reading in full (scope loader's 404): a recognized dossier's certificate
    "dossiers.revocation": (),  # reading in full (scope loader's 404): the decision that took the title back
    "dossiers.decision_certificates": (),  # reading in scope (decision_for's 404): a decision's certificates
    "dossiers.decision_certificates_again": (),  # reading in scope: a failed PDF of them queued again
    "dossiers.registration": (),  # reading in scope (in full): the Mẫu 01 registration form, page or PDF
    "dossiers.inspection_minutes": (),  # reading in scope (in full): the ward's inspection minutes
    "dossiers.print_dossier": (),  # reading in scope (in full): the whole dossier for the paper archive
    "dossiers.refusal_notice": (),  # reading in scope (in full): a refused household's own letter
    # --- the chairman's decisions --------------------------------------------------------------------------------
    "review.batch": DECIDE,
    "review.batch_step": (T.ACCEPT, T.SUBMIT_ASSESSMENT, T.CLOSE_NOTICE, T.CLOSE_REVIEW, A.SEE_VOTERS),
    # --- the group's review meeting ------------------------------------------------------------------------------
    "meetings.index": (A.MEETING,),  # reading in scope; "record" offered as the row allows
    "meetings.meeting": (A.MEETING, A.ASSESSMENT),
    "meetings.minutes": (),  # reading in scope
    "groups.proposal": (A.READ_PROPOSAL,),  # the group's proposal to the ward: its committee, the ward's reviewers
    "api.get_proposal": (A.READ_PROPOSAL,),
    "review.decisions": (),  # reading in scope
    "review.certificates_register": (),  # reading in scope: the certificates' register (sổ vào sổ) of a year
    "review.decision": (),  # reading in scope
    "review.decision_document": (),  # reading in scope: the decision as an A4 paper
    "review.publish": (A.PUBLISH,),  # the chairman records the day the list was posted
    "decision_document": (),  # the same paper at API.md's path /decisions/{id}/document
    "review.streaks": (A.READ_AUDIT, T.RECOGNIZE, T.CLOSE_REVIEW),  # Giấy khen proposals
    "review.streaks_print": (A.READ_AUDIT, T.RECOGNIZE, T.CLOSE_REVIEW),  # the printable proposal list
    # --- the audit pages -----------------------------------------------------------------------------------------
    "audit.events": (A.READ_AUDIT,),
    "audit.export": (A.READ_AUDIT,),
    "audit.verify": (A.READ_AUDIT,),
    "audit.accounts": (A.READ_AUDIT,),  # who granted or revoked which role, reset, locked or reopened an account
    # --- administration ------------------------------------------------------------------------------------------
    "admin.index": (A.ADMINISTER,),
    "admin.units": (A.ADMINISTER,),
    "admin.merge_unit": (A.ADMINISTER,),
    "admin.blank_layout": (A.ADMINISTER,),  # a ward's positions on its pre-printed certificate blanks
    "admin.blank_layout_test": (A.ADMINISTER,),  # the test print of those positions (made-up text)
    "admin.users": (A.ADMINISTER,),
    "admin.user": (A.ADMINISTER,),
    "admin.remove_role": (A.ADMINISTER,),
    "admin.reset_password": (A.ADMINISTER,),  # over every unit the account holds a role in; never one's own
    "admin.deactivate_user": (A.ADMINISTER,),
    "admin.reactivate_user": (A.ADMINISTER,),
    "admin.revoke_user_token": (A.ADMINISTER,),
    "admin.campaigns": (A.ADMINISTER,),
    "admin.campaign": (A.ADMINISTER,),
    "admin.calendar": (A.ADMINISTER,),
    "admin.remove_calendar_day": (A.ADMINISTER,),
    "admin.criteria": (A.ADMINISTER,),
    "admin.criteria_set": (A.ADMINISTER,),
    "admin.criteria_set_xlsx": (A.ADMINISTER,),  # a loaded set as the Excel file the upload takes back
    # --- public --------------------------------------------------------------------------------------------------
    "public.track": (),  # public: a tracking code's stage and dates
    "public.diagram": (),  # public: the workflow drawn from the table
    "public.language": (),  # public: the interface language
    "public.notices": (),  # public: the groups' notice boards and how many dossiers each has on notice
    "public.notice_board_page": (),  # public: a group's dossiers on notice (the objection form as the row allows)
    "public.object_on_board": (A.OBJECTION,),  # a resident of the group objects from the board
    "public.recognized": (),  # public: a campaign's list of those recognized by signed decisions
    "public.recognized_csv": (),  # public: the same list as CSV
    "public.progress": (),  # public: a campaign's counts per step and the share taken on time (no names)
    "public.certificate": (),  # public: a certificate code's check (valid or revoked), and the form to type one
    "public.verify_pdf": (),  # public: who signed an uploaded PDF and whether a byte changed (read, never kept)
    "static": (),  # public: stylesheets, scripts, images
}
