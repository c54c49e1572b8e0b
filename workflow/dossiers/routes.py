"""The dossier pages: my work, the list, one dossier, and the forms of each step."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from models import Campaign, Dossier, Unit
from states.enums import Action, State, TeamRole, Title, Trigger, UnitKind
from states.guards import evaluate, group_meeting_approval, group_meeting_quorum, group_meeting_recorded
from states.machine import mermaid
from states.titles import EVERY_HOUSEHOLD_TITLES, VOLUNTEER_TITLES, registration_window
from workflow.diagram import workflow_svg
from workflow.dossiers import bp
from workflow.dossiers.forms import (
    AnswerForm,
    AttachmentForm,
    DisqualifierForm,
    DossierForm,
    EditDossierForm,
    ObjectionForm,
    StepForm,
    TransitionForm,
    VoteForm,
    WithdrawForm,
)
from workflow.downloads import send_attachment
from workflow.extensions import db
from workflow.filters import event_label, translated
from workflow.forms import as_number, members_text, open_campaign_choices, parse_members
from workflow.services import attachments, audit, dossier_view, meetings, paging, permissions, records
from workflow.services.dossiers import apply_transition, create_dossier, edit_dossier
from workflow.services.errors import ServiceError
from workflow.services.facts import assessment_score, guard_context
from workflow.services.listing import dossier_query, local_today
from workflow.services.scope import get_dossier_for, get_dossier_in_full, sees_in_full, unit_filter
from workflow.services.unit_choices import filter_choices
from workflow.services.work import my_work, oversight, registration_campaigns
from workflow.web import error_page, refusal_to_form, submit

PAGE_SIZE = 20
# Steps that end a dossier for good are never a single click: they have their own page that says what they mean.
CONFIRM_FIRST = frozenset({Trigger.WITHDRAW})
# The list's sorts, each a keyset order: (column, id) in one direction, so a page starts after the one before.
SORTS = {name: paging.Order(name, column, Dossier.id, descending) for name, column, descending in (
    ("updated", Dossier.updated_at, True), ("created", Dossier.created_at, True),
    ("subject", Dossier.subject_name, False), ("state", Dossier.state, False),
    ("code", Dossier.tracking_code, False))}


@bp.get("/")
@login_required
def home():
    # The committee starts the dossiers of a title assessed for every household from here (dossiers/households.py).
    household_titles = list(EVERY_HOUSEHOLD_TITLES) if permissions.may_somewhere(
        current_user, Action.REGISTER_ON_BEHALF) else []
    return render_template("home.html", sections=my_work(current_user), oversight=oversight(current_user),
                           household_titles=household_titles)


@bp.get("/dossiers")
@login_required
def index():
    # ?page= of the numbered pages before is ignored: the link opens the first page.
    args = {k: v for k, v in request.args.to_dict().items() if k not in ("page", "after")}
    try:
        query = dossier_query(current_user, args)
    except ServiceError as error:
        flash(error.message + " " + "; ".join(error.fields.values()), "error")
        query = dossier_query(current_user, {})
        args = {}
    sort = args.get("sort") if args.get("sort") in SORTS else "updated"
    page = paging.keyset_page(query, SORTS[sort], request.args.get("after"), PAGE_SIZE)
    if page.key_refused:
        flash(_("Liên kết trang không đúng hoặc đã cũ; đây là trang đầu của danh sách."), "warning")
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.year.desc())).all()
    units = filter_choices(current_user, args.get("unit_id"))
    return render_template("dossiers/list.html", page=page, count=paging.count_capped(query), args=args, sort=sort,
                           states=list(State), titles=list(Title), units=units, campaigns=campaigns,
                           due=dossier_view.due, returns=dossier_view.returns_of(d.id for d in page.items))


def _unit_choices() -> list[SelectChoice]:
    """Groups and agencies where the user may register a dossier (own, or a resident's on her behalf)."""
    paths = [u.path for action in (Action.REGISTER, Action.REGISTER_ON_BEHALF)
             for u in permissions.units_for(current_user, action)]
    condition = unit_filter(Unit.path, paths)
    if condition is None:
        return []
    units = db.session.scalars(select(Unit).where(
        condition, Unit.kind.in_([UnitKind.GROUP.value, UnitKind.AGENCY.value])).order_by(Unit.code))
    today = local_today()  # a merged group takes no new registration
    return [SelectChoice(u.id, f"{u.name} ({u.code})") for u in units if u.exists_on(today)]


@bp.route("/dossiers/new", methods=["GET", "POST"])
@login_required
def new():
    form = DossierForm()
    form.unit_id.choices = _unit_choices()
    may_register_for = permissions.may_somewhere(current_user, Action.REGISTER_ON_BEHALF)
    # Only the campaigns taking registrations today are offered; the newest is chosen unless another is. A resident
    # registers herself in the window; the committee also starts the dossiers of a title assessed for every
    # household until the assessment deadline.
    registration = registration_campaigns(list(db.session.scalars(
        select(Unit).where(Unit.id.in_([c.value for c in form.unit_id.choices])))),
        titles=None if may_register_for else VOLUNTEER_TITLES)
    form.campaign_id.choices = open_campaign_choices(registration.open, local_today())
    if request.method == "GET" and registration.open:
        form.campaign_id.data = registration.open[0].id
    if not may_register_for:
        del form.on_behalf
    if not form.unit_id.choices:
        flash(_("Bạn chưa có vai trò người đăng ký ở tổ dân phố hay cơ quan nào."), "warning")
    valid = form.validate_on_submit()
    if request.method == "POST" and not valid:
        flash_form_errors(form, _("Chưa tạo được hồ sơ"))
    done, status = submit(
        form, lambda: create_dossier(current_user, {
            **{name: getattr(form, name).data for name in (
                "campaign_id", "title", "unit_id", "subject_name", "subject_ref", "subject_address", "note")},
            "members": parse_members(form.members.data),
            "on_behalf": bool(may_register_for and form.on_behalf.data)}),
        lambda dossier: (_("Đã ghi hồ sơ %(code)s, đăng ký thay người dân đã ký đơn giấy.", code=dossier.tracking_code)
                         if dossier.entered_by_id else
                         _("Đã tạo hồ sơ %(code)s. Kiểm tra lại rồi bấm “Nộp đăng ký”.", code=dossier.tracking_code),
                         url_for("dossiers.detail", dossier_id=dossier.id)), valid=valid)
    return done or (render_template("dossiers/form.html", form=form, dossier=None, registration=registration),
                    status)


@bp.route("/dossiers/<int:dossier_id>/edit", methods=["GET", "POST"])
@login_required
def edit(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    allowed = permissions.verdict(current_user, Action.EDIT, dossier)
    if not allowed:
        flash(" ".join(translated(r) for r in allowed.reasons), "error")
        return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    form = EditDossierForm(obj=dossier if request.method == "GET" else None)
    if request.method == "GET":
        form.members.data = members_text(dossier.members)
    fields = ("subject_name", "subject_ref", "subject_address", "note")
    valid = form.validate_on_submit()
    if request.method == "POST" and not valid:
        flash_form_errors(form, _("Chưa lưu được"))
    done, status = submit(
        form, lambda: edit_dossier(current_user, dossier, {
            **{name: getattr(form, name).data or "" for name in fields}, "version": form.version.data,
            "members": parse_members(form.members.data)}),
        lambda _dossier: (_("Đã lưu thay đổi."), url_for("dossiers.detail", dossier_id=dossier.id)), valid=valid)
    return done or (render_template("dossiers/form.html", form=form, dossier=dossier), status)


@bp.get("/dossiers/<int:dossier_id>")
@login_required
def detail(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    return _detail(dossier)


def _detail(dossier: Dossier, status: int = 200, **forms):
    if not sees_in_full(current_user, dossier):  # a neighbour: what the notice board shows, and its form
        return redirect(url_for("public.notice_board_page", unit_code=dossier.unit.code,
                                _anchor=f"d-{dossier.tracking_code}"))
    events = audit.stream_events(f"dossier:{dossier.id}")
    options = permissions.options(current_user, dossier)
    actions = {o.action for o in options if o.trigger is None and o.allowed}
    triggers = [o for o in options if o.trigger is not None]
    people = dossier_view.people_of(events)
    internal = Action.SEE_INTERNAL in actions
    my_vote = dossier_view.my_vote(current_user, dossier)
    vote_form = forms.get("vote_form") or VoteForm(formdata=None, data={"vote": my_vote.choice} if my_vote else None)
    return render_template(
        "dossiers/detail.html", dossier=dossier, events=events,
        chain_problems=audit.check_chain(events) if internal else [], internal=internal,
        options=[o for o in triggers if o.trigger not in CONFIRM_FIRST], confirm_first=[
            o for o in triggers if o.trigger in CONFIRM_FIRST], actions=actions,
        show_tally=dossier_view.tally_shown(dossier), disqualifiers=dossier.criteria_set.disqualifiers,
        stages=dossier_view.stage_tracker(dossier, events), rows=dossier_view.criteria_rows(dossier),
        score=assessment_score(dossier) if dossier.assessment_items else None,
        meeting_problems=dossier_view.meeting_problems(dossier), minutes_open=_minutes_open(dossier),
        tally=dossier_view.tally(current_user, dossier), due=dossier_view.due(dossier),
        returned=dossier_view.returned(dossier, events, people), people=people,
        on_behalf_names=dossier_view.on_behalf_names(events), my_vote=my_vote,
        # Whoever may close the review sees who has not voted and what closing now would give.
        turnout=dossier_view.turnout(dossier) if any(o.trigger == Trigger.CLOSE_REVIEW for o in triggers) else None,
        secret_vote=dossier_view.is_secret_vote,
        diagram=workflow_svg(dossier.state),
        mermaid=mermaid(), form=forms.get("form") or TransitionForm(), vote_form=vote_form,
        objection_form=forms.get("objection_form") or ObjectionForm(), answer_form=AnswerForm(),
        disqualifier_form=forms.get("disqualifier_form") or _disqualifier_form(dossier),
        attachment_form=forms.get("attachment_form") or AttachmentForm(), open_trigger=forms.get("open_trigger"),
    ), status


def _minutes_open(dossier: Dossier) -> bool:
    """Whether the group meeting's minutes page would open for this user (the same scope check it makes)."""
    if dossier.meeting_vote is None:
        return False
    try:
        meetings.meeting_for(current_user, dossier.meeting_vote.meeting_id)
    except ServiceError:
        return False
    return True


def flash_form_errors(form, what: str) -> None:
    """A form refused before any service ran: say so at the top of the page, naming each field to fix (the
    field itself shows the same message beside it)."""
    problems = [f"{field.label.text}: {'; '.join(str(e) for e in field.errors)}"
                for field in form if field.errors and field.name != "csrf_token"]
    if problems:
        flash(f"{what}: {'; '.join(problems)}.", "error")


@bp.post("/dossiers/<int:dossier_id>/transitions")
@login_required
def transition(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại."), "error")
        return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    if form.trigger.data in CONFIRM_FIRST:  # one click never ends a dossier: its own page asks first
        flash(_("Chưa rút hồ sơ: hãy đọc và xác nhận ở trang này."), "warning")
        return redirect(url_for("dossiers.withdraw", dossier_id=dossier.id))
    data = {}
    if form.decision_number.data or form.signed_on.data:
        data = {"decision_number": form.decision_number.data or "", "signed_on": form.signed_on.data or ""}
    try:
        apply_transition(current_user, dossier, form.trigger.data, form.version.data, form.comment.data or "", data)
    except ServiceError as error:
        refusal_to_form(error, form)
        dossier = get_dossier_for(current_user, dossier_id)
        return _detail(dossier, error.status, form=form, open_trigger=form.trigger.data)
    flash(_("Đã thực hiện: %(step)s.", step=event_label(form.trigger.data)), "success")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id))


@bp.route("/dossiers/<int:dossier_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(dossier_id: int):
    """“Rút hồ sơ”: a page that says what withdrawing means and asks to confirm it; only then the step runs."""
    dossier = get_dossier_for(current_user, dossier_id)
    allowed = permissions.verdict(current_user, Trigger.WITHDRAW, dossier)
    if not allowed:
        flash(_("Không thể rút hồ sơ:") + " " + "; ".join(translated(r) for r in allowed.reasons), "error")
        return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    form = WithdrawForm(data={"version": dossier.version} if request.method == "GET" else None)
    valid = form.validate_on_submit()
    if request.method == "POST" and not valid:
        flash_form_errors(form, _("Chưa rút hồ sơ"))
    done, status = submit(
        form, lambda: apply_transition(current_user, dossier, Trigger.WITHDRAW, form.version.data,
                                       form.comment.data or ""),
        lambda _dossier: (_("Đã rút hồ sơ %(code)s. Hồ sơ đã kết thúc.", code=dossier.tracking_code),
                          url_for("dossiers.detail", dossier_id=dossier.id)), valid=valid)
    if done:
        return done
    dossier = get_dossier_for(current_user, dossier_id)
    campaign = dossier.campaign
    opens, closes = registration_window(campaign, dossier.title)
    return render_template("dossiers/withdraw.html", dossier=dossier, form=form, campaign=campaign,
                           registration_open=opens <= local_today() <= closes, registration_closes=closes), status


# --- the group's self-assessment and the ward's inspection -----------------------------------------------------

def _read_items(dossier: Dossier, form_data, *, points: bool, verdict_only: bool = False) -> list[dict]:
    items = []
    for criterion in dossier.criteria_set.criteria:
        code = criterion.code
        met_raw = form_data.get(f"met-{code}", "")
        item = {"criterion": code, "note": form_data.get(f"note-{code}", "")}
        item["met"] = {"yes": True, "no": False}.get(met_raw)
        if points:
            raw = form_data.get(f"points-{code}", "").strip()
            item["points"] = as_number(raw)
            if item["met"] is None and isinstance(item["points"], int):
                item["met"] = item["points"] > 0
        if not points and not verdict_only and item["met"] is None and not item["note"]:
            continue  # an untouched criterion stays unassessed
        items.append(item)
    return items


def _item_errors(error: ServiceError, items: list[dict]) -> dict[str, str]:
    """Service field errors (items[3].points, meeting.invited) keyed by criterion code or field name."""
    placed = {}
    for key, message in error.fields.items():
        if key.startswith("items[") and "]" in key:
            index = int(key[6:key.index("]")])
            code = items[index]["criterion"] if index < len(items) else key
            placed[code] = translated(message)
        else:
            name = key.removeprefix("meeting.").split("[")[0]  # team[1].name: beside the team's inputs
            placed[name] = f"{placed[name]}; {translated(message)}" if name in placed else translated(message)
    return placed


def _criteria_step(dossier_id: int, step: str, read_payload, save, template: str, saved: str, extra=None):
    """The per-criterion pages (self-assessment, inspection): read the inputs by criterion code, call the
    service, and on a refusal show each message next to its criterion with the input kept."""
    dossier = get_dossier_for(current_user, dossier_id)
    allowed = permissions.verdict(current_user, step, dossier)
    if not allowed:
        return error_page(allowed.status, " ".join(translated(r) for r in allowed.reasons))
    form, errors, status = StepForm(), {}, 200
    if form.validate_on_submit():
        items, payload = read_payload(dossier)
        payload.update(version=form.version.data, disqualifiers=request.form.getlist("disqualifier"))
        try:
            save(current_user, dossier, payload)
        except ServiceError as error:
            errors = _item_errors(error, items)
            refusal_to_form(error)
            status = error.status
        else:
            flash(saved, "success")
            return redirect(url_for("dossiers.detail", dossier_id=dossier.id) + "#criteria")
    elif request.method == "POST":
        flash(_("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại."), "error")
        status = 400
    dossier = get_dossier_for(current_user, dossier_id)
    return render_template(template, dossier=dossier, form=form, errors=errors,
                           rows=dossier_view.criteria_rows(dossier), points=dossier.criteria_set.shape == "points",
                           posted=request.form if status != 200 else None, **(extra(dossier) if extra else {})), status


def _assessment_payload(dossier: Dossier) -> tuple[list[dict], dict]:
    """The criteria only: the meeting's votes are entered once for the whole group (meetings.meeting)."""
    items = _read_items(dossier, request.form, points=dossier.criteria_set.shape == "points")
    return items, {"items": items}


def _group_meeting(dossier: Dossier) -> dict:
    """The group meeting's figures and this dossier's votes, with what the submit guards say of them."""
    vote = dossier.meeting_vote
    guards = (group_meeting_recorded, group_meeting_quorum, group_meeting_approval)
    return {"vote": vote, "meeting_reasons": [translated(r) for r in evaluate(guards, guard_context(dossier))],
            "outcome": meetings.outcome(vote.meeting, dossier.campaign, vote.votes_for) if vote else None}


def _inspection_payload(dossier: Dossier) -> tuple[list[dict], dict]:
    points = dossier.criteria_set.shape == "points"
    items = [i for i in _read_items(dossier, request.form, points=points, verdict_only=True)
             if i["met"] is not None or i.get("points") is not None]
    payload = {"items": items}
    if request.form.get("recommendation"):
        payload["recommendation"] = request.form["recommendation"]
    # The team: its head, then a member per line; the times as typed (the service reads and checks them).
    head = request.form.get("team-head", "").strip()
    members = [line.strip() for line in request.form.get("team-members", "").splitlines() if line.strip()]
    payload["team"] = ([{"name": head, "role": TeamRole.HEAD.value}] if head else []) + [
        {"name": name, "role": TeamRole.MEMBER.value} for name in members]
    if members and not head:
        payload["team"].insert(0, {"name": "", "role": TeamRole.HEAD.value})  # refused: "the head is required"
    payload["started_at"] = request.form.get("started_at", "").strip() or None
    payload["ended_at"] = request.form.get("ended_at", "").strip() or None
    return items, payload


@bp.route("/dossiers/<int:dossier_id>/assessment", methods=["GET", "POST"])
@login_required
def assessment(dossier_id: int):
    return _criteria_step(dossier_id, "assessment", _assessment_payload, records.save_assessment,
                          "dossiers/assessment.html", _("Đã lưu kết quả tự đánh giá."), extra=_group_meeting)


@bp.route("/dossiers/<int:dossier_id>/inspection", methods=["GET", "POST"])
@login_required
def inspection(dossier_id: int):
    return _criteria_step(dossier_id, "inspection", _inspection_payload, records.save_inspection,
                          "dossiers/inspection.html", _("Đã lưu kết quả kiểm tra."))


# --- votes, objections, attachments --------------------------------------------------------------------------

@bp.post("/dossiers/<int:dossier_id>/votes")
@login_required
def vote(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    form = VoteForm()
    if form.validate_on_submit():
        try:
            records.cast_vote(current_user, dossier, form.vote.data, form.comment.data or "")
        except ServiceError as error:
            refusal_to_form(error, form)
            return _detail(get_dossier_for(current_user, dossier_id), error.status, vote_form=form)
        flash(_("Đã ghi phiếu của bạn."), "success")
        return redirect(url_for("dossiers.detail", dossier_id=dossier_id))
    flash_form_errors(form, _("Chưa ghi được phiếu"))
    return _detail(dossier, 422, vote_form=form)  # CSRFProtect has refused a bad token before this


@bp.post("/dossiers/<int:dossier_id>/objections")
@login_required
def objection(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    form = ObjectionForm()
    if form.validate_on_submit():
        try:
            records.record_objection(current_user, dossier, form.text.data, resident_name=form.resident_name.data)
        except ServiceError as error:
            refusal_to_form(error, form)
            return _detail(get_dossier_for(current_user, dossier_id), error.status, objection_form=form)
        flash(_("Đã ghi ý kiến phản ánh; cần trả lời trước khi kết thúc niêm yết."), "success")
        return redirect(url_for("dossiers.detail", dossier_id=dossier_id))
    flash_form_errors(form, _("Chưa ghi được phản ánh"))
    return _detail(dossier, 422, objection_form=form)


@bp.post("/dossiers/<int:dossier_id>/objections/<int:objection_id>/answer")
@login_required
def answer(dossier_id: int, objection_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            records.answer_objection(current_user, dossier, objection_id, form.answer.data, form.upheld.data == "yes",
                                     disqualifiers=request.form.getlist("disqualifier") or None)
        except ServiceError as error:
            refusal_to_form(error, form)
            return _detail(get_dossier_for(current_user, dossier_id), error.status)
        flash(_("Đã trả lời ý kiến phản ánh."), "success")
    else:
        flash(_("Cần nhập nội dung trả lời và chọn kết luận."), "error")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id))


def _disqualifier_form(dossier: Dossier) -> DisqualifierForm:
    form = DisqualifierForm(formdata=None) if request.method == "GET" else DisqualifierForm()
    form.code.choices = [SelectChoice(d.code, f"{d.code}: {d.name}") for d in dossier.criteria_set.disqualifiers]
    return form


@bp.post("/dossiers/<int:dossier_id>/disqualifiers")
@login_required
def disqualifier(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    form = _disqualifier_form(dossier)
    if form.validate_on_submit():
        try:
            records.set_disqualifier(current_user, dossier, {
                "version": form.version.data, "code": form.code.data, "standing": form.standing.data == "yes",
                "reason": form.reason.data or ""})
        except ServiceError as error:
            refusal_to_form(error, form)
            return _detail(get_dossier_for(current_user, dossier_id), error.status, disqualifier_form=form,
                           open_trigger="disqualifier")
        flash(_("Đã ghi trường hợp không xét.") if form.standing.data == "yes"
              else _("Đã gỡ trường hợp không xét."), "success")
        return redirect(url_for("dossiers.detail", dossier_id=dossier_id))
    flash_form_errors(form, _("Chưa ghi được"))
    return _detail(dossier, 422, disqualifier_form=form, open_trigger="disqualifier")


@bp.post("/dossiers/<int:dossier_id>/attachments")
@login_required
def attach(dossier_id: int):
    dossier = get_dossier_for(current_user, dossier_id)
    form = AttachmentForm()
    if form.validate_on_submit() and form.file.data:
        upload = form.file.data
        try:
            attachments.add_attachment(current_user, dossier, upload.stream, upload.filename or "", form.kind.data,
                                       current_app.config["UPLOAD_FOLDER"], current_app.config["ATTACHMENT_MAX_BYTES"])
        except ServiceError as error:
            refusal_to_form(error, form)
            return _detail(get_dossier_for(current_user, dossier_id), error.status, attachment_form=form)
        flash(_("Đã đính kèm tệp."), "success")
        return redirect(url_for("dossiers.detail", dossier_id=dossier_id))
    if not form.file.data:
        form.file.errors = [_("Chọn một tệp PDF, PNG hoặc JPEG")]
    flash_form_errors(form, _("Chưa đính kèm được"))
    return _detail(dossier, 422, attachment_form=form)


@bp.get("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>")
@login_required
def attachment(dossier_id: int, attachment_id: int):
    return send_attachment(get_dossier_in_full(current_user, dossier_id), attachment_id)
