"""Steps for many dossiers at once: the chairman's decision (filter, tick, sign once, confirm) and the other bulk
steps (accept, submit a group's assessments, close notices, close reviews). Each page checks every dossier with the
policy before its confirmation step and names every blocker by tracking code and name."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from models import Campaign, Decision, Dossier, Unit
from states.enums import Action, Outcome, State, Title, Trigger, UnitKind
from states.inputs import InputRejected
from states.policy import roles_for
from states.table import RULES
from workflow import limits
from workflow.extensions import db
from workflow.filters import translated
from workflow.forms import parse_id
from workflow.papers import paper
from workflow.review import bp
from workflow.review.forms import BatchDecisionForm, BatchStepForm, PublishForm
from workflow.services import batch as batch_service
from workflow.services import permissions, publication
from workflow.services import streaks as streak_service
from workflow.services.batch import BatchBlocked
from workflow.services.decisions import decision_for, record_decision
from workflow.services.errors import NotFound, ServiceError, VersionConflict
from workflow.services.listing import dossier_query, local_today
from workflow.services.scope import reviewer_paths, unit_filter, visible_dossiers, visible_units
from workflow.web import error_page, refusal_to_form, submit


@dataclass
class Pick:
    """A dossier the page offers: whether the step can take it now, else the policy's reasons."""

    dossier: Dossier
    reasons: list[str]

    @property
    def movable(self) -> bool:
        return not self.reasons


def _awaiting(args, trigger: Trigger = Trigger.RECOGNIZE) -> list[Pick]:
    """Dossiers awaiting a decision that this user may decide, each checked by the policy for `trigger` with its
    guards (a dossier the council did not recommend cannot be recognized: shown unticked, saying why)."""
    query = dossier_query(current_user, {"state": State.AWAITING_DECISION.value,
                                         "title": args.get("title", ""), "q": args.get("q", "")})
    picks = []
    for d in db.session.scalars(query.order_by(Dossier.unit_id, Dossier.subject_name)):
        verdict = permissions.verdict(current_user, trigger, d)
        if verdict.status != 403:
            picks.append(Pick(d, [translated(r) for r in verdict.reasons]))
    return picks


def _chosen_ids() -> list[int]:
    chosen = []
    for raw in request.form.getlist("dossier_ids")[:limits.BATCH_MAX]:  # a page lists no more than a batch takes
        dossier_id = parse_id(raw)
        if dossier_id is not None and dossier_id not in chosen:
            chosen.append(dossier_id)
    return chosen


def _named(ids, known: dict[int, Dossier]) -> dict[int, Dossier | None]:
    """The blocked dossiers by id, looked up in the user's scope when the page no longer lists them."""
    missing = [i for i in ids if i not in known]
    found = {d.id: d for d in db.session.scalars(visible_dossiers(current_user).where(Dossier.id.in_(missing)))} \
        if missing else {}
    return {i: known.get(i) or found.get(i) for i in ids}


def blocker_text(error: ServiceError) -> str:
    """Why one dossier blocks the batch, in the page's language and without internal numbers."""
    if isinstance(error, VersionConflict):
        return _("vừa được người khác thay đổi sau khi bạn mở trang này; hãy xem lại")
    if isinstance(error, NotFound):
        return _("không còn trong phạm vi của bạn")
    reasons = getattr(error, "reasons", None)
    if reasons:
        return "; ".join(translated(r) for r in reasons)
    text = translated(error.message)
    if error.fields:
        text += " " + "; ".join(translated(v) for v in error.fields.values())
    return text


def _blockers(reasons: dict[int, str], known: dict[int, Dossier]) -> list[tuple[Dossier | None, str]]:
    named = _named(list(reasons), known)
    return [(named[i], reasons[i]) for i in reasons]


@bp.route("/decisions/new", methods=["GET", "POST"])
@login_required
def batch():
    if not permissions.may_somewhere(current_user, Trigger.RECOGNIZE):
        flash(_("Chỉ Chủ tịch UBND ký quyết định công nhận."), "error")
        return redirect(url_for("dossiers.home"))
    form = BatchDecisionForm()
    picks = _awaiting(request.args)
    known = {p.dossier.id: p.dossier for p in picks}
    chosen = _chosen_ids() if request.method == "POST" else [p.dossier.id for p in picks if p.movable]
    status, blockers = 200, []
    if request.method == "POST":
        if not chosen:
            flash(_("Chọn ít nhất một hồ sơ."), "error")
            status = 422
        if form.validate_on_submit() and chosen:
            trigger = Trigger.REFUSE if form.outcome.data == Outcome.REFUSE else Trigger.RECOGNIZE
            if form.confirmed.data != "yes":
                # Checked before the confirmation: each ticked dossier against the rules of the chosen outcome.
                checked = {p.dossier.id: p for p in _awaiting(request.args, trigger)}
                reasons = {i: ("; ".join(checked[i].reasons) if i in checked
                               else _("không còn chờ quyết định")) for i in chosen
                           if i not in checked or not checked[i].movable}
                if not reasons:
                    form.confirmed.data = "yes"
                    return render_template("review/confirm.html", form=form, dossiers=[known[i] for i in chosen],
                                           chosen=chosen)
                blockers, status = _blockers(reasons, known), 422
                chosen = [i for i in chosen if i not in reasons]
                flash(_("Chưa thể ký: %(n)s hồ sơ đã chọn không đủ điều kiện (xem danh sách bên dưới). "
                        "Bỏ chọn các hồ sơ này hoặc xử lý trước.", n=len(reasons)), "error")
            else:
                try:
                    payload = {"number": form.number.data, "signed_on": form.signed_on.data.isoformat(),
                               "outcome": form.outcome.data, "comment": form.comment.data or "",
                               "dossier_ids": chosen}
                    if trigger == Trigger.REFUSE:  # each household's own reason, written on the confirmation
                        own = {str(i): request.form.get(f"reason-{i}", "").strip() for i in chosen}
                        payload["reasons"] = {key: text for key, text in own.items() if text}
                    decision = record_decision(current_user, payload)
                except BatchBlocked as error:
                    db.session.rollback()
                    blockers = _blockers({i: blocker_text(e) for i, e in error.blocked.items()}, known)
                    flash(_("Quyết định chưa ghi được, không hồ sơ nào thay đổi: %(n)s hồ sơ không đủ điều kiện "
                            "(xem danh sách bên dưới).", n=len(error.blocked)), "error")
                    status = error.status
                except ServiceError as error:
                    refusal_to_form(error, form)
                    status = error.status
                else:
                    flash(_("Đã ký quyết định số %(number)s cho %(count)s hồ sơ.", number=decision.number,
                            count=len(chosen)), "success")
                    return redirect(url_for("review.decision", decision_id=decision.id))
                picks = _awaiting(request.args)
                known = {p.dossier.id: p.dossier for p in picks}
        elif request.method == "POST" and status == 200:
            status = 422
        form.confirmed.data = ""
    return render_template("review/batch.html", form=form, picks=picks, chosen=chosen, blockers=blockers,
                           titles=list(Title)), status


@bp.get("/decisions")
@login_required
def decisions():
    from workflow.services.decisions import decisions_page

    return render_template("review/decisions.html", page=decisions_page(current_user, request.args.get("after")))


@bp.get("/certificates-register")
@login_required
def certificates_register():
    """The ward's register of certificates (sổ vào sổ) for a year, among the dossiers the reader sees."""
    from workflow.services.certificates import register_page

    year = request.args.get("year", "")
    found = register_page(current_user, int(year) if year.isdigit() and len(year) == 4 else None,
                          request.args.get("after"))
    return render_template("review/certificates_register.html", page=found)


@bp.get("/decisions/<int:decision_id>")
@login_required
def decision(decision_id: int):
    found = decision_for(current_user, decision_id)
    if found is None:
        return error_page(404, _("Không tìm thấy quyết định."))
    return _decision_page(found, PublishForm(formdata=None, published_on=local_today()))


def _decision_page(found: Decision, form: PublishForm, status: int = 200):
    from workflow.services.decisions import listed_page

    return render_template("review/decision.html", decision=found, form=form, today=local_today(),
                           listed=listed_page(found, request.args.get("after")),
                           posting=publication.posting(current_user, found)), status


@bp.post("/decisions/<int:decision_id>/publish")
@login_required
def publish(decision_id: int):
    """The chairman records the day the decision's list of those recognized was posted (the service asks the
    policy; a user who may not is told so before the form is read)."""
    found = decision_for(current_user, decision_id)
    if found is None:
        return error_page(404, _("Không tìm thấy quyết định."))
    if not publication.may_publish(current_user, found):
        return error_page(403, _(
            "Chỉ Chủ tịch Ủy ban nhân dân (hoặc người được ủy quyền) ghi được ngày niêm yết danh sách."))
    form = PublishForm()
    done, status = submit(form, lambda: publication.publish(current_user, found.id, form.published_on.data),
                          lambda d: (_("Đã ghi: danh sách theo Quyết định số %(n)s niêm yết ngày %(day)s.",
                                       n=d.number, day=f"{d.published_on:%d/%m/%Y}"),
                                     url_for("review.decision", decision_id=d.id) + "#publication"))
    return done or _decision_page(found, form, status)


# --- the other bulk steps: accept registrations, submit a group's assessments, close notices, close reviews -----

@dataclass(frozen=True)
class Step:
    title: str
    intro: str
    question: str  # the confirmation's question, with %(n)s
    button: str
    done: str


STEPS: dict[str, Step] = {
    Trigger.ACCEPT: Step(
        _l("Chấp nhận đăng ký cho nhiều hồ sơ"),
        _l("Các đăng ký đang chờ tổ chấp nhận. Hồ sơ được chấp nhận chuyển sang bước tự đánh giá tại tổ."),
        _l("Chấp nhận đăng ký cho %(n)s hồ sơ?"), _l("Chấp nhận %(n)s đăng ký"),
        _l("Đã chấp nhận đăng ký cho %(n)s hồ sơ.")),
    Trigger.SUBMIT_ASSESSMENT: Step(
        _l("Gửi kết quả bình xét lên phường"),
        _l("Hồ sơ đã tự đánh giá đạt và được cuộc họp bình xét của tổ thông qua. Hồ sơ gửi lên sẽ được niêm yết "
           "công khai để người dân góp ý."),
        _l("Gửi %(n)s hồ sơ lên phường và niêm yết công khai?"), _l("Gửi %(n)s hồ sơ lên phường"),
        _l("Đã gửi %(n)s hồ sơ lên phường; hồ sơ đang được niêm yết công khai.")),
    Trigger.CLOSE_NOTICE: Step(
        _l("Kết thúc niêm yết cho nhiều hồ sơ"),
        _l("Hồ sơ đang niêm yết công khai. Chỉ kết thúc được khi đã hết thời gian niêm yết, mọi ý kiến phản ánh "
           "đã được trả lời và không có phản ánh nào đúng."),
        _l("Kết thúc niêm yết cho %(n)s hồ sơ?"), _l("Kết thúc niêm yết %(n)s hồ sơ"),
        _l("Đã kết thúc niêm yết cho %(n)s hồ sơ; hồ sơ chuyển sang phường kiểm tra, đánh giá.")),
    Trigger.CLOSE_REVIEW: Step(
        _l("Kết thúc xét của Hội đồng cho nhiều hồ sơ"),
        _l("Hồ sơ Hội đồng Thi đua – Khen thưởng đang xét. Chỉ kết thúc được khi đủ số thành viên đã bỏ phiếu."),
        _l("Kết thúc xét của Hội đồng cho %(n)s hồ sơ?"), _l("Kết thúc xét %(n)s hồ sơ"),
        _l("Đã kết thúc xét của Hội đồng cho %(n)s hồ sơ; hồ sơ chuyển Chủ tịch UBND quyết định.")),
}


def _filters(trigger: Trigger) -> tuple[list[Unit], list[Campaign]]:
    """The groups (and agencies) where the user takes this step, and their wards' campaigns."""
    paths = reviewer_paths(current_user, set(roles_for(trigger)))
    condition = unit_filter(Unit.path, paths)
    if condition is None:
        return [], []
    units = list(db.session.scalars(select(Unit).where(
        condition, Unit.kind.in_([UnitKind.GROUP.value, UnitKind.AGENCY.value])).order_by(Unit.path)))
    above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    campaigns = list(db.session.scalars(select(Campaign).join(Unit, Campaign.unit_id == Unit.id)
                                        .where(or_(Unit.id.in_(above), condition))
                                        .order_by(Campaign.year.desc(), Campaign.id.desc())))
    return units, campaigns


def _step_data(trigger: Trigger, form: BatchStepForm) -> dict:
    if trigger != Trigger.CLOSE_REVIEW:
        return {}
    data = {}
    if form.meeting_date.data:
        data["meeting_date"] = form.meeting_date.data
    if form.minutes.data:
        data["minutes"] = form.minutes.data
    return data


@bp.route("/batch/<step>", methods=["GET", "POST"])
@login_required
def batch_step(step: str):
    if step not in STEPS:
        return error_page(404, _("Không tìm thấy trang hoặc dữ liệu."))
    trigger, texts = Trigger(step), STEPS[step]
    if not permissions.may_somewhere(current_user, trigger):
        message = _("Bạn không có vai trò thực hiện bước này.")
        return error_page(403, message)
    unit_id, campaign_id = parse_id(request.args.get("unit_id")), parse_id(request.args.get("campaign_id"))
    units, campaigns = _filters(trigger)
    form = BatchStepForm()
    rows = batch_service.candidates(current_user, trigger, unit_id=unit_id, campaign_id=campaign_id)
    known = {r.dossier.id: r.dossier for r in rows}
    chosen = _chosen_ids() if request.method == "POST" else [r.dossier.id for r in rows if r.movable]
    versions = {i: parse_id(request.form.get(f"version-{i}")) for i in chosen}
    status, blockers = 200, []
    args = {"step": step, **{k: v for k, v in (("unit_id", unit_id), ("campaign_id", campaign_id)) if v}}

    def page(code: int):
        return render_template("review/batch_step.html", step=step, texts=texts, form=form, rows=rows,
                               chosen=chosen, blockers=blockers, units=units, campaigns=campaigns, unit_id=unit_id,
                               campaign_id=campaign_id, args=args), code

    if request.method == "GET":
        return page(200)
    if not form.validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại.") if form.csrf_token.errors
              else _("Thông tin chưa hợp lệ, xem các ô được đánh dấu."), "error")
        return page(400 if form.csrf_token.errors else 422)
    if not chosen:
        flash(_("Chọn ít nhất một hồ sơ."), "error")
        return page(422)
    if form.confirmed.data != "yes":
        # The step's own inputs (the council meeting's date…) checked once, beside their fields, before anything.
        try:
            RULES[trigger].inputs.parse(_step_data(trigger, form), local_today())
        except InputRejected as rejected:
            for name, why in rejected.fields.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, translated(why)]
            flash(_("Thông tin chưa hợp lệ, xem các ô được đánh dấu."), "error")
            return page(422)
        # Every ticked dossier checked by the policy before the confirmation step.
        by_id = {r.dossier.id: r for r in rows}
        reasons: dict[int, str] = {}
        for i in chosen:
            row = by_id.get(i)
            if row is None:
                reasons[i] = _("không còn chờ bước này")
            elif not row.movable:
                reasons[i] = "; ".join(translated(r) for r in row.reasons)
            elif versions.get(i) is not None and versions[i] != row.dossier.version:
                reasons[i] = _("vừa được người khác thay đổi sau khi bạn mở trang này; hãy xem lại")
        if reasons:
            blockers = _blockers(reasons, known)
            chosen = [i for i in chosen if i not in reasons]  # named at the top, unticked below
            flash(_("Chưa thực hiện: %(n)s hồ sơ đã chọn không đủ điều kiện (xem danh sách bên dưới). Bỏ chọn các "
                    "hồ sơ này hoặc xử lý trước.", n=len(reasons)), "error")
            return page(422)
        form.confirmed.data = "yes"
        picked = [by_id[i] for i in chosen]
        return render_template("review/batch_confirm.html", step=step, texts=texts, form=form, rows=picked,
                               chosen=chosen, versions={i: versions.get(i) or by_id[i].dossier.version
                                                        for i in chosen}, args=args)
    items = [{"dossier_id": i, "version": versions.get(i)} for i in chosen]
    try:
        moved = batch_service.apply_batch(current_user, trigger, items, form.comment.data or "",
                                          _step_data(trigger, form))
    except BatchBlocked as error:
        db.session.rollback()
        blockers = _blockers({i: blocker_text(e) for i, e in error.blocked.items()}, known)
        flash(_("Không hồ sơ nào được chuyển: %(n)s hồ sơ không còn đủ điều kiện (xem danh sách bên dưới).",
                n=len(error.blocked)), "error")
        status = error.status
    except ServiceError as error:
        refusal_to_form(error, form)
        status = error.status
    else:
        flash(texts.done % {"n": len(moved)}, "success")
        return redirect(url_for("review.batch_step", **args))
    form.confirmed.data = ""
    rows = batch_service.candidates(current_user, trigger, unit_id=unit_id, campaign_id=campaign_id)
    known.update({r.dossier.id: r.dossier for r in rows})
    chosen = [i for i in chosen if i in {r.dossier.id for r in rows if r.movable}]
    return page(status)


# --- the decision as an official paper (Decree 30/2020/NĐ-CP), A4, for the browser's print ---------------------

@bp.get("/decisions/<int:decision_id>/document")
@login_required
def decision_document(decision_id: int):
    """The signed decision in the state's layout, with its annex list; whoever may read the decision, else 404."""
    from workflow.services.documents import decision_document as build

    found = decision_for(current_user, decision_id)
    if found is None:
        return error_page(404, _("Không tìm thấy quyết định."))
    if found.outcome == Outcome.REVOKE and found.listed:  # a revocation is printed from its dossier
        return redirect(url_for("dossiers.revocation", dossier_id=found.listed[0].id, **request.args))

    return paper("review/decision_document.html", f"quyet-dinh-{found.number}", doc=build(found), decision=found,
                 signed=True)


# --- Giấy khen: subjects recognized enough years in a row (issue 8) ----------------------------------------------

def _may_propose() -> bool:
    """The chairman, the council's secretary and the auditors: whoever decides, prepares or audits recognitions."""
    return any(permissions.may_somewhere(current_user, action)
               for action in (Action.READ_AUDIT, Trigger.RECOGNIZE, Trigger.CLOSE_REVIEW))


def _streak_page(template: str, pdf_name: str | None = None):
    """The streaks page, or (with `pdf_name`) the printable proposal list, which is also a PDF on ?format=pdf."""
    if not _may_propose():
        return error_page(403, _("Bạn không có vai trò xem trang này."))
    units = [u for u in db.session.scalars(visible_units(current_user).order_by(Unit.path))
             if u.kind in (UnitKind.WARD.value, UnitKind.GROUP.value, UnitKind.AGENCY.value)
             and u.merged_into_id is None]
    unit_id = parse_id(request.args.get("unit_id"))
    chosen = next((u for u in units if u.id == unit_id), None)
    rows = streak_service.streaks(current_user, chosen.id if chosen else None, eligible_only=True)
    ward = chosen if chosen is not None and chosen.kind == UnitKind.WARD.value else \
        next((u for u in units if u.kind == UnitKind.WARD.value and (chosen is None or chosen.path.startswith(u.path))),
             None)
    context = {"rows": rows, "units": units, "unit": chosen, "ward": ward, "today": local_today(),
               "years": current_app.config["STREAK_YEARS"], "years_group": current_app.config["STREAK_YEARS_GROUP"]}
    if pdf_name is not None:

        return paper(template, pdf_name, **context)
    return render_template(template, **context)


@bp.get("/streaks")
@login_required
def streaks():
    return _streak_page("review/streaks.html")


@bp.get("/streaks/print")
@login_required
def streaks_print():
    return _streak_page("review/streaks_print.html", "de-nghi-giay-khen")
