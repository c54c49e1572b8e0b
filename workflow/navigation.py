"""The menu a signed-in user sees, from their roles (the one place templates ask)."""

from flask import Flask
from flask_login import current_user

from states.enums import Role

MENU = [
    ("dossiers.home", "home", None),
    ("dossiers.index", "dossiers", None),
    ("dossiers.new", "new", {Role.APPLICANT}),
    ("review.batch", "decide", {Role.CHAIRMAN}),
    ("review.decisions", "decisions", {Role.CHAIRMAN, Role.AUDITOR, Role.COUNCIL_SECRETARY}),
    ("audit.events", "audit", {Role.AUDITOR, Role.CHAIRMAN, Role.ADMIN}),
    ("admin.index", "admin", {Role.ADMIN}),
]


def menu() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    held = {a.role for a in current_user.roles}
    return [(endpoint, key) for endpoint, key, roles in MENU if roles is None or held & roles]


def register(app: Flask) -> None:
    @app.context_processor
    def navigation():
        return {"menu": menu}
