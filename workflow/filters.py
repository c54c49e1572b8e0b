"""Template filters: dates dd/mm/yyyy in the ward's time zone, Vietnamese labels."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from states.enums import Role, State, Title, Trigger
from states.labels import ROLE_LABELS, STATE_LABELS, TITLE_LABELS, TRIGGER_LABELS


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


def _label(table, enum):
    def label(value) -> str:
        try:
            return table[enum(value)]
        except ValueError:
            return str(value)

    return label


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        dt=local_datetime, d=local_date,
        state_label=_label(STATE_LABELS, State), trigger_label=_label(TRIGGER_LABELS, Trigger),
        role_label=_label(ROLE_LABELS, Role), title_label=_label(TITLE_LABELS, Title),
    )
