"""Template filters: dates dd/mm/yyyy in the ward's time zone, labels in the page's language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import get_locale, gettext

from states.labels import (
    ATTACHMENT_LABELS,
    EVENT_LABELS,
    ROLE_LABELS,
    STAGE_LABELS,
    STATE_LABELS,
    TITLE_LABELS,
    TRIGGER_LABELS,
    VOTE_LABELS,
)


def local_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).strftime("%d/%m/%Y %H:%M")


def local_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()
    return value.strftime("%d/%m/%Y")


def _label(table: dict):
    by_value = {str(key): text for key, text in table.items()}

    def label(value) -> str:
        text = by_value.get(str(value))
        return gettext(text) if text else str(value)

    return label


role_label = _label(ROLE_LABELS)


def translated(value) -> str:
    """A message built by a guard or a service (a `Text`), in the page's language; other strings as they are."""
    template = getattr(value, "template", None)
    if template is None:
        return str(value)
    params = {key: translated(v) if hasattr(v, "template") else (gettext(v) if isinstance(v, str) else v)
              for key, v in value.params.items()}
    return gettext(template, **params) if params else gettext(template)


def event_label(value: str) -> str:
    """A transition's or another event's name in the page's language."""
    return _label(TRIGGER_LABELS)(value) if str(value) not in EVENT_LABELS else _label(EVENT_LABELS)(value)


def register(app: Flask) -> None:
    from workflow.services.documents import signature_of

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["signature_of"] = signature_of  # who signs a decision, and how (papers)
    app.jinja_env.filters.update(
        dt=local_datetime, d=local_date, event_label=event_label, reason=translated, translated=translated,
        state_label=_label(STATE_LABELS), trigger_label=_label(TRIGGER_LABELS), role_label=role_label,
        title_label=_label(TITLE_LABELS), stage_label=_label(STAGE_LABELS),
        attachment_label=_label(ATTACHMENT_LABELS), vote_label=_label(VOTE_LABELS),
    )
