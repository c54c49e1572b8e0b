from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import SelectChoice

from models import Campaign, Dossier, Unit
from states.enums import Role, State, UnitKind
from workflow.dossiers import bp
from workflow.dossiers.forms import DossierForm, TransitionForm
from workflow.extensions import db
from workflow.services import audit
from workflow.services.dossiers import apply_transition, create_dossier, trigger_options
from workflow.services.errors import ServiceError
from workflow.services.scope import get_dossier_for, role_units, unit_filter, visible_dossiers

PAGE_SIZE = 25


@bp.get("/")
@login_required
def index():
    query = visible_dossiers(current_user)
    state = request.args.get("state", "")
    if state in set(State):
        query = query.where(Dossier.state == state)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    dossiers = db.session.scalars(query.order_by(Dossier.updated_at.desc(), Dossier.id.desc())
                                  .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("dossiers/list.html", dossiers=dossiers, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), state=state, states=list(State))


def _unit_choices() -> list[SelectChoice]:
    """Groups and agencies where the user may register a dossier."""
    paths = [unit.path for unit in role_units(current_user, Role.APPLICANT)]
    condition = unit_filter(Unit.path, paths)
    if condition is None:
        return []
    units = db.session.scalars(select(Unit).where(
        condition, Unit.kind.in_([UnitKind.GROUP.value, UnitKind.AGENCY.value])).order_by(Unit.code))
    return [SelectChoice(u.id, f"{u.name} ({u.code})") for u in units]


@bp.route("/dossiers/new", methods=["GET", "POST"])
@login_required
def new():
    form = DossierForm()
    form.unit_id.choices = _unit_choices()
    form.campaign_id.choices = [SelectChoice(c.id, c.name) for c in db.session.scalars(select(Campaign)
                                                                          .order_by(Campaign.year.desc()))]
    if not form.unit_id.choices:
        flash("Bạn chưa có vai trò người đăng ký ở tổ dân phố hay cơ quan nào.", "warning")
    status = 200
    if form.validate_on_submit():
        try:
            dossier = create_dossier(current_user, {name: getattr(form, name).data for name in
                                                    ("campaign_id", "title", "unit_id", "subject_name",
                                                     "subject_ref", "subject_address", "note")})
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            for name, message in error.fields.items():
                if hasattr(form, name):
                    getattr(form, name).errors.append(message)
            flash(error.message, "error")
            status = error.status
        else:
            flash(f"Đã tạo hồ sơ {dossier.tracking_code}.", "success")
            return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    elif request.method == "POST":
        status = 422
    return render_template("dossiers/new.html", form=form), status


@bp.get("/dossiers/<int:dossier_id>")
@login_required
def detail(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    events = audit.stream_events(f"dossier:{dossier.id}")
    return render_template("dossiers/detail.html", dossier=dossier, events=events,
                           chain_problems=audit.check_chain(events),
                           options=trigger_options(current_user, dossier), form=TransitionForm())


@bp.post("/dossiers/<int:dossier_id>/transitions")
@login_required
def transition(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash("Biểu mẫu không hợp lệ, vui lòng thử lại.", "error")
        return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    data = {}
    if form.decision_number.data:
        data = {"decision_number": form.decision_number.data, "signed_on": form.signed_on.data}
    try:
        apply_transition(current_user, dossier, form.trigger.data, form.version.data, form.comment.data or "", data)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        detail = "; ".join(f"{v}" for k, v in error.fields.items() if k != "trigger")
        flash(error.message + (f" ({detail})" if detail else ""), "error")
    else:
        flash("Đã thực hiện.", "success")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id))
