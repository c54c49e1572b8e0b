"""Which language a page is shown in: the user's choice kept in the session, Vietnamese by default."""

from flask import current_app, session


def select_locale() -> str:
    lang = session.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
