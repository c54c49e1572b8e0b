"""The chairman's batch decision: filter the dossiers awaiting a decision, tick many, sign once, confirm."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from models import Decision, Dossier
from states.enums import State, Title, Trigger
from workflow.extensions import db
from workflow.review import bp
from workflow.review.forms import BatchDecisionForm
from workflow.services import permissions
from workflow.services.decisions import decision_for, record_decision
from workflow.services.errors import ServiceError
from workflow.services.listing import dossier_query
from workflow.web import refusal_to_form


def _awaiting(args) -> list[Dossier]:
    """Dossiers awaiting a decision that this user may decide (the policy's answer for `recognize`, guards
    aside: a blocked one is shown with its reason after the check)."""
    query = dossier_query(current_user, {"state": State.AWAITING_DECISION.value,
                                         "title": args.get("title", ""), "q": args.get("q", "")})
    return [d for d in db.session.scalars(query.order_by(Dossier.unit_id, Dossier.subject_name))
            if permissions.verdict(current_user, Trigger.RECOGNIZE, d, check_guards=False)]


@bp.route("/decisions/new", methods=["GET", "POST"])
@login_required
def batch():
    if not permissions.may_somewhere(current_user, Trigger.RECOGNIZE):
        flash(_("Chỉ Chủ tịch UBND ký quyết định công nhận."), "error")
        return redirect(url_for("dossiers.home"))
    form = BatchDecisionForm()
    dossiers = _awaiting(request.args)
    chosen = [int(x) for x in request.form.getlist("dossier_ids") if x.isdigit()]
    status = 200
    if request.method == "POST":
        if not chosen:
            flash(_("Chọn ít nhất một hồ sơ."), "error")
            status = 422
        if form.validate_on_submit() and chosen:
            if form.confirmed.data != "yes":
                picked = [d for d in dossiers if d.id in chosen]
                form.confirmed.data = "yes"
                return render_template("review/confirm.html", form=form, dossiers=picked, chosen=chosen)
            try:
                decision = record_decision(current_user, {
                    "number": form.number.data, "signed_on": form.signed_on.data.isoformat(),
                    "outcome": form.outcome.data, "comment": form.comment.data or "", "dossier_ids": chosen})
            except ServiceError as error:
                blocked = refusal_to_form(error, form)
                form.confirmed.data = ""
                return render_template("review/batch.html", form=form, dossiers=dossiers, chosen=chosen,
                                       blocked=blocked, titles=list(Title)), error.status
            flash(_("Đã ký quyết định số %(number)s cho %(count)s hồ sơ.", number=decision.number,
                    count=len(chosen)), "success")
            return redirect(url_for("review.decision", decision_id=decision.id))
        elif request.method == "POST" and status == 200:
            status = 422
        form.confirmed.data = ""
    return render_template("review/batch.html", form=form, dossiers=dossiers, chosen=chosen, blocked={},
                           titles=list(Title)), status


@bp.get("/decisions")
@login_required
def decisions():
    in_scope = dossier_query(current_user, {}).with_only_columns(Dossier.decision_id).where(
        Dossier.decision_id.is_not(None))
    rows = db.session.scalars(select(Decision).where(Decision.id.in_(in_scope))
                              .order_by(Decision.signed_on.desc(), Decision.id.desc()))
    return render_template("review/decisions.html", decisions=list(rows))


@bp.get("/decisions/<int:decision_id>")
@login_required
def decision(decision_id: int):
    found = decision_for(current_user, decision_id)
    if found is None:
        return render_template("error.html", status=404, message=_("Không tìm thấy quyết định.")), 404
    return render_template("review/decision.html", decision=found)
