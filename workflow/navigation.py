"""The menu a signed-in user sees: each entry names the policy actions it serves (the one place templates ask)."""

from flask import Flask
from flask_login import current_user

from states.enums import Action, Trigger
from workflow.services.permissions import may_somewhere

MENU = [
    ("dossiers.home", "home", ()),
    ("dossiers.index", "dossiers", ()),
    ("dossiers.new", "new", (Action.REGISTER, Action.REGISTER_ON_BEHALF)),
    ("meetings.index", "meetings", (Action.MEETING,)),
    # Renewing a whole group is registering on residents' behalf, many at once (each dossier asks `renew` too):
    # an applicant, who may renew only her own dossiers, renews from the dossier's page instead.
    ("dossiers.renew_group", "renew", (Action.REGISTER_ON_BEHALF,)),
    ("review.batch", "decide", (Trigger.RECOGNIZE,)),
    ("review.decisions", "decisions", (Trigger.RECOGNIZE, Trigger.CLOSE_REVIEW, Action.READ_AUDIT)),
    ("review.streaks", "streaks", (Trigger.RECOGNIZE, Trigger.CLOSE_REVIEW, Action.READ_AUDIT)),
    ("auth.delegations", "delegations", (Action.DELEGATE,)),
    ("stats.index", "stats", (Action.STATS,)),
    ("audit.events", "audit", (Action.READ_AUDIT,)),
    ("admin.index", "admin", (Action.ADMINISTER,)),
]


def menu() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [(endpoint, key) for endpoint, key, actions in MENU
            if not actions or any(may_somewhere(current_user, action) for action in actions)]


def register(app: Flask) -> None:
    from workflow.inbox.routes import unread_badge

    @app.context_processor
    def navigation():
        return {"menu": menu, "unread_messages": unread_badge}
