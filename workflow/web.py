"""Small helpers every page blueprint uses: service refusals onto form fields, paging."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request
from flask_wtf import FlaskForm

from workflow.extensions import db
from workflow.services.errors import ServiceError


def error_page(status: int, message: str, headers: dict | None = None):
    """The site's error page with a plain message and its HTTP status (a refusal, something not found)."""
    return render_template("error.html", status=status, message=message), status, headers or {}


def refusal_to_form(error: ServiceError, form: FlaskForm | None = None) -> dict[str, str]:
    """Roll back, put each field's message next to its field, flash the rest; return the unplaced ones."""
    from flask_babel import gettext

    from workflow.filters import translated

    db.session.rollback()
    unplaced = {}
    for name, message in error.fields.items():
        message = translated(message)
        # A nested field's message (members[2].personal_id) goes beside the form field that holds it.
        field = getattr(form, re.split(r"[\[.]", name)[0], None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(message)
        else:
            unplaced[name] = message
    reasons = getattr(error, "reasons", None)
    if reasons:  # a guard's refusal: say it in the page's language
        flash(gettext("Chưa đủ điều kiện:") + " " + "; ".join(translated(r) for r in reasons) + ".", "error")
    else:
        flash(translated(error.message), "error")
    return unplaced


def submit(form: FlaskForm, action: Callable[[], Any], success: Callable[[Any], tuple[str, str]],
           valid: bool | None = None):
    """The usual form post: when the form is valid run `action` (one service call; the request's unit of work
    commits it); on success flash and redirect; on a refusal put the messages by the fields. Returns (redirect
    or None, status)."""
    if valid if valid is not None else form.validate_on_submit():
        try:
            result = action()
        except ServiceError as error:
            refusal_to_form(error, form)
            return None, error.status
        message, target = success(result)
        flash(message, "success")
        return redirect(target), 302
    return None, 422 if request.method == "POST" else 200


@dataclass
class Page:
    items: list
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)
