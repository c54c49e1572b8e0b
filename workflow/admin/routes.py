"""Admin pages: units, users and roles, campaigns, criteria sets. An admin takes no workflow step."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from flask import abort, flash, make_response, redirect, render_template, request, send_file, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from wtforms import SelectChoice

from models import CalendarDay, Campaign, CriteriaSet, RoleAssignment, Unit, User
from models.campaigns import DEFAULT_SETTINGS
from states.enums import Action, Title, UnitKind
from workflow import limits
from workflow.admin import bp
from workflow.admin.forms import (
    BLANK_NUMBERS,
    UNIT_KIND_LABELS,
    BlankLayoutForm,
    CalendarDayForm,
    CampaignEditForm,
    CampaignForm,
    CriteriaUploadForm,
    RoleForm,
    UnitForm,
    UnitMergeForm,
    UserForm,
)
from workflow.exports import XLSX
from workflow.extensions import db
from workflow.papers import paper
from workflow.services import accounts, blanks, criteria_xlsx, permissions
from workflow.services import admin as admin_service
from workflow.services import calendar as calendar_service
from workflow.services import campaigns as campaign_service
from workflow.services.criteria import load_criteria_document
from workflow.services.documents import grounds_of
from workflow.services.errors import ServiceError
from workflow.services.listing import local_today
from workflow.services.scope import unit_filter
from workflow.web import refusal_to_form, submit

SHARES = ("group_quorum", "group_approval", "council_quorum", "council_approval")
DATES = ("registration_opens", "registration_closes", "assessment_due", "inspection_due", "decision_due")


def admin_paths() -> list[str]:
    """Where the user administers (the policy's `administer` row); 403 for anyone else."""
    paths = sorted({unit.path for unit in permissions.units_for(current_user, Action.ADMINISTER)})
    if not paths:
        abort(403)
    return paths


def admin_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(unit_filter(Unit.path, admin_paths())).order_by(Unit.path)))


def unit_choices(kinds: set[UnitKind] | None = None) -> list[SelectChoice]:
    return [SelectChoice(u.id, f"{u.name} ({u.code})") for u in admin_units() if not kinds or u.kind in kinds]


@bp.get("/")
@login_required
def index():
    admin_paths()
    return redirect(url_for("admin.units"))


@bp.route("/units", methods=["GET", "POST"])
@login_required
def units():
    form = UnitForm()
    form.parent_id.choices = unit_choices({UnitKind.PROVINCE, UnitKind.WARD})
    done, status = submit(
        form, lambda: admin_service.create_unit(current_user, form.code.data, form.name.data, form.kind.data,
                                                form.parent_id.data),
        lambda unit: (_("Đã thêm đơn vị %(name)s.", name=unit.name), url_for("admin.units")))
    if done:
        return done
    return _units_page(form, UnitMergeForm(formdata=None), status)


def _units_page(form: UnitForm, merge: UnitMergeForm, status: int):
    units = admin_units()
    depth = {u.id: u.path.count("/") - 2 for u in units}
    base = min(depth.values(), default=0)
    today = local_today()
    current = [SelectChoice(u.id, f"{u.name} ({u.code})") for u in units
               if u.exists_on(today) and u.kind in (UnitKind.WARD, UnitKind.GROUP, UnitKind.AGENCY)]
    merge.unit_id.choices = merge.into_id.choices = current
    form.parent_id.choices = [SelectChoice(u.id, f"{u.name} ({u.code})") for u in units
                              if u.exists_on(today) and u.kind in (UnitKind.PROVINCE, UnitKind.WARD)]
    return render_template("admin/units.html", units=units, depth={k: v - base for k, v in depth.items()},
                           form=form, merge=merge, today=today, kind_labels=UNIT_KIND_LABELS), status


def _ward_in_scope(unit_id: int) -> Unit:
    """A ward the user administers; any other unit, or one outside their scope, is 404."""
    paths = admin_paths()
    found = db.session.get(Unit, unit_id)
    if found is None or found.kind != UnitKind.WARD or not found.path.startswith(tuple(paths)):
        abort(404)
    return found


def _blank_layout_payload(form: BlankLayoutForm) -> dict:
    return {"page": form.page.data,
            "pieces": {p.key: {"shown": bool(form[f"{p.key}_shown"].data),
                               **{name: form[f"{p.key}_{name}"].data for name in BLANK_NUMBERS}}
                       for p in blanks.PIECES}}


def _pieces_beside_fields(action):
    """The service names a number `subject.x`; the form's field is `subject_x`."""
    def run():
        try:
            return action()
        except ServiceError as error:
            error.fields = {name.replace(".", "_", 1) if name != "pieces" else "page": why
                            for name, why in error.fields.items()}
            raise

    return run


def _number_text(value: float | None) -> str:
    return "" if value is None else format_decimal(value, format="0.#")


@bp.route("/units/<int:unit_id>/blank-layout", methods=["GET", "POST"])
@login_required
def blank_layout(unit_id: int):
    """Vị trí in trên phôi: where the ward's pre-printed certificate blanks want each text, set once per ward."""
    ward = _ward_in_scope(unit_id)
    form = BlankLayoutForm(formdata=None if request.method == "GET" else request.form)
    here = url_for("admin.blank_layout", unit_id=ward.id)
    if request.method == "POST" and request.form.get("reset"):
        done, status = submit(form, lambda: blanks.reset_layout(current_user, ward),
                              lambda _layout: (_("Đã khôi phục vị trí in mặc định."), here), valid=True)
    else:
        done, status = submit(
            form, _pieces_beside_fields(
                lambda: blanks.save_layout(current_user, ward, _blank_layout_payload(form))),
            lambda _layout: (_("Đã lưu vị trí in trên phôi. Hãy in thử một tờ để kiểm tra."), here))
    if done:
        return done
    layout = blanks.layout_of(ward)
    if request.method == "GET":
        form.page.data = layout.page
        for p in layout.pieces:
            form[f"{p.key}_shown"].data = p.shown
            for name in BLANK_NUMBERS:
                form[f"{p.key}_{name}"].data = _number_text(getattr(p, name))
    return render_template("admin/blank_layout.html", ward=ward, form=form, layout=layout, pieces=blanks.PIECES,
                           numbers=list(BLANK_NUMBERS)), status


@bp.get("/units/<int:unit_id>/blank-layout/test")
@login_required
def blank_layout_test(unit_id: int):
    """A test print of the ward's layout with made-up text, a 1 cm grid and each piece's box (page or PDF)."""
    ward = _ward_in_scope(unit_id)
    return paper("papers/certificate_blank.html", f"in-thu-phoi-{ward.code}", ward=ward, sample=True,
                 layout=blanks.layout_of(ward), blank_sheets=[blanks.sample_sheet(ward, local_today())])


@bp.post("/units/merge")
@login_required
def merge_unit():
    form = UnitForm(formdata=None)
    merge = UnitMergeForm()
    merge.unit_id.choices = merge.into_id.choices = [SelectChoice(u.id, u.name) for u in admin_units()]
    done, status = submit(
        merge, lambda: admin_service.merge_unit(current_user, merge.unit_id.data, merge.into_id.data,
                                                merge.effective_on.data),
        lambda unit: (_("Đã sáp nhập %(unit)s vào %(into)s; hồ sơ và lịch sử của %(unit)s vẫn giữ nguyên.",
                        unit=unit.name, into=unit.merged_into.name), url_for("admin.units")))
    return done or _units_page(form, merge, status)


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users():
    form = UserForm()
    role_form = RoleForm()
    role_form.unit_id.choices = unit_choices()
    done, status = submit(
        form, lambda: admin_service.create_user_with_role(current_user, form.username.data, form.password.data,
                                                          form.full_name.data, role_form.role.data,
                                                          role_form.unit_id.data, personal_id=form.personal_id.data,
                                                          email=form.email.data),
        lambda user: (_("Đã tạo tài khoản %(username)s.", username=user.username),
                      url_for("admin.user", user_id=user.id)),
        valid=form.validate_on_submit() and role_form.validate())
    if done:
        return done
    paths = admin_paths()
    in_scope = select(RoleAssignment.user_id).join(Unit).where(unit_filter(Unit.path, paths))
    people = db.session.scalars(select(User).where(or_(User.id.in_(in_scope), ~User.roles.any()))
                                .order_by(User.username)).all()
    return render_template("admin/users.html", users=people, form=form, role_form=role_form), status


def _user_in_scope(user_id: int) -> User:
    user = db.session.get(User, user_id)
    paths = admin_paths()
    if user is None or (user.roles and not any(a.unit.path.startswith(tuple(paths)) for a in user.roles)):
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user(user_id: int):
    person = _user_in_scope(user_id)
    role_form = RoleForm()
    role_form.unit_id.choices = unit_choices()
    done, status = submit(
        role_form, lambda: admin_service.add_role(current_user, person, role_form.role.data, role_form.unit_id.data),
        lambda _assignment: (_("Đã cấp vai trò."), url_for("admin.user", user_id=person.id)))
    if done:
        return done
    # A temporary password just set is shown once: taken out of the session as it is shown, never stored elsewhere.
    shown = session.pop(TEMPORARY_PASSWORD, None) if request.method == "GET" else None
    temporary = shown["password"] if isinstance(shown, dict) and shown.get("user_id") == person.id else None
    response = make_response(render_template("admin/user.html", person=person, role_form=role_form,
                                              own=admin_service.own_account(current_user, person),
                                              tokens=accounts.tokens_of(person), temporary=temporary), status)
    if temporary:
        response.headers["Cache-Control"] = "no-store"
    return response


TEMPORARY_PASSWORD = "admin.temporary_password"


@bp.post("/users/<int:user_id>/reset-password")
@login_required
def reset_password(user_id: int):
    """A temporary password, shown once on the user's page; the user changes it at the next sign-in."""
    person = _user_in_scope(user_id)  # CSRFProtect has already checked the form's token
    try:
        temporary = admin_service.reset_password(current_user, person)
    except ServiceError as error:
        refusal_to_form(error)
        return redirect(url_for("admin.user", user_id=person.id)), 303
    session[TEMPORARY_PASSWORD] = {"user_id": person.id, "password": temporary}
    flash(_("Đã đặt lại mật khẩu: mọi phiên đăng nhập và token API của tài khoản đã hết hiệu lực."), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def deactivate_user(user_id: int):
    return _account_step(user_id, admin_service.deactivate,
                         _("Đã khóa tài khoản: mọi phiên đăng nhập và token API của tài khoản đã hết hiệu lực."))


@bp.post("/users/<int:user_id>/reactivate")
@login_required
def reactivate_user(user_id: int):
    return _account_step(user_id, admin_service.reactivate, _("Đã mở lại tài khoản."))


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@login_required
def revoke_user_token(user_id: int, token_id: int):
    return _account_step(user_id, lambda actor, person: admin_service.revoke_token(actor, person, token_id),
                         _("Đã thu hồi token."))


def _account_step(user_id: int, step, done: str):
    person = _user_in_scope(user_id)  # CSRFProtect has already checked the form's token
    try:
        step(current_user, person)
    except ServiceError as error:
        refusal_to_form(error)
        return redirect(url_for("admin.user", user_id=person.id)), 303
    flash(done, "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/roles/<int:assignment_id>/remove")
@login_required
def remove_role(user_id: int, assignment_id: int):
    person = _user_in_scope(user_id)  # CSRFProtect has already checked the form's token
    try:
        admin_service.remove_role(current_user, person, assignment_id)
    except ServiceError as error:
        refusal_to_form(error)
    else:
        flash(_("Đã thu hồi vai trò."), "success")
    return redirect(url_for("admin.user", user_id=person.id))


def _campaign_payload(form: CampaignEditForm) -> dict:
    payload = {"name": form.name.data, "grounds": form.grounds.data or "",
               **{name: getattr(form, name).data for name in DATES},
               "settings": {**{name: float(getattr(form, name).data) / 100 for name in SHARES},
                            "notice_days": form.notice_days.data, "pass_points": form.pass_points.data,
                            "secret_ballot": bool(form.secret_ballot.data),
                            "notice_working_days": bool(form.notice_working_days.data),
                            "decision_days": form.decision_days.data, "publication_days": form.publication_days.data,
                            "decision_working_days": bool(form.decision_working_days.data),
                            "decision_authority": form.decision_authority.data}}
    if isinstance(form, CampaignForm):
        payload.update(year=form.year.data, unit_id=form.unit_id.data)
    return payload


def _campaign_form(campaign: Campaign | None) -> CampaignEditForm:
    form_class = CampaignEditForm if campaign else CampaignForm
    form = form_class(obj=campaign if request.method == "GET" else None)
    if campaign is None:
        form.unit_id.choices = unit_choices({UnitKind.WARD})
    if request.method == "GET":
        values = campaign.settings if campaign else DEFAULT_SETTINGS
        for name in SHARES:
            getattr(form, name).data = Decimal(str(round(values[name] * 100, 2)))
        if campaign is None:
            for name in ("notice_days", "pass_points", "decision_days", "publication_days", "decision_authority"):
                getattr(form, name).data = values[name]
        form.grounds.data = "\n".join(grounds_of(campaign))
    return form


def _settings_beside_fields(action):
    """The service names a setting `settings.notice_days`; the form's field is `notice_days`."""
    def run():
        try:
            return action()
        except ServiceError as error:
            error.fields = {name.removeprefix("settings."): why for name, why in error.fields.items()}
            raise

    return run


@bp.route("/campaigns", methods=["GET", "POST"])
@login_required
def campaigns():
    paths = admin_paths()
    form = _campaign_form(None)
    done, status = submit(
        form, _settings_beside_fields(lambda: campaign_service.create_campaign(current_user, _campaign_payload(form))),
        lambda campaign: (_("Đã tạo đợt thi đua %(name)s.", name=campaign.name), url_for("admin.campaigns")))
    if done:
        return done
    rows = db.session.scalars(select(Campaign).join(Unit).where(unit_filter(Unit.path, paths))
                              .order_by(Campaign.year.desc())).all()
    return render_template("admin/campaigns.html", campaigns=rows, form=form), status


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
@login_required
def campaign(campaign_id: int):
    paths = admin_paths()
    found = db.session.get(Campaign, campaign_id)
    if found is None or not found.unit.path.startswith(tuple(paths)):
        abort(404)
    form = _campaign_form(found)
    done, status = submit(
        form, _settings_beside_fields(
            lambda: campaign_service.update_campaign(current_user, found, _campaign_payload(form))),
        lambda _campaign: (_("Đã lưu thay đổi."), url_for("admin.campaigns")))
    if done:
        return done
    return render_template("admin/campaign.html", campaign=found, form=form), status


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def calendar():
    """The working calendar: the year's public holidays (the law) and the days the government announced."""
    admin_paths()
    today = local_today()
    year = request.args.get("year", type=int) or today.year
    if not calendar_service.FIRST_YEAR <= year <= calendar_service.LAST_YEAR:
        year = today.year
    form = CalendarDayForm()
    done, status = submit(
        form, lambda: calendar_service.add_day(current_user, {"date": form.date.data, "kind": form.kind.data,
                                                               "name": form.name.data}),
        lambda row: (_("Đã thêm ngày %(day)s vào lịch.", day=row.day.strftime("%d/%m/%Y")),
                     url_for("admin.calendar", year=row.day.year)))
    if done:
        return done
    by_law, announced = calendar_service.year_days(year)
    weekdays = [_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ nhật")]
    return render_template("admin/calendar.html", year=year, by_law=by_law, announced=announced, form=form,
                           weekdays=weekdays), status


@bp.post("/calendar/<int:day_id>/remove")
@login_required
def remove_calendar_day(day_id: int):
    admin_paths()  # CSRFProtect has already checked the form's token
    year = None
    try:
        row = db.session.get(CalendarDay, day_id) if day_id <= limits.ID_MAX else None
        year = row.day.year if row else None
        calendar_service.remove_day(current_user, day_id)
    except ServiceError as error:
        refusal_to_form(error)
    else:
        flash(_("Đã bỏ ngày khỏi lịch."), "success")
    return redirect(url_for("admin.calendar", year=year))


def _read_json(data: bytes) -> object:
    """The uploaded file as JSON text; a UnicodeError (a ValueError) for bytes that are not UTF-8 and for a "\\udfff"
    escape, which JSON allows but no text column can store."""
    document = json.loads(data.decode("utf-8"))
    json.dumps(document, ensure_ascii=False).encode("utf-8")
    return document


@bp.route("/criteria", methods=["GET", "POST"])
@login_required
def criteria():
    admin_paths()
    form = CriteriaUploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(criteria_xlsx.MAX_BYTES + 1) if upload else b""
        document: object = None
        is_xlsx = data.startswith(b"PK\x03\x04")  # an XLSX workbook is a ZIP file, whatever it is called
        if not data:
            form.file.errors = [_("Chọn một tệp Excel (.xlsx) hoặc JSON.")]
        elif data.startswith(b"\xd0\xcf\x11\xe0"):  # an old .xls workbook, or an .xlsx with a password
            form.file.errors = [_("Đây là tệp Excel cũ (.xls) hoặc có mật khẩu: hãy lưu lại dạng .xlsx, không đặt "
                                  "mật khẩu.")]
        elif not is_xlsx:
            try:
                document = _read_json(data)
            except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[…" nested too deep
                form.file.errors = [_("Không đọc được tệp JSON: %(why)s", why=str(exc))]
        if form.file.errors:
            status = 422
        else:
            try:
                if is_xlsx:
                    document = criteria_xlsx.read(data)
                criteria_set, created = load_criteria_document(document, source=upload.filename or "")
            except ServiceError as error:
                refusal_to_form(error, form)
                status = error.status
            else:
                flash(_("Đã nạp bộ tiêu chí %(version)s.", version=criteria_set.version) if created
                      else _("Phiên bản này đã có sẵn, không thay đổi gì."), "success")
                return redirect(url_for("admin.criteria_set", set_id=criteria_set.id))
    elif request.method == "POST":
        status = 422
    sets = db.session.scalars(select(CriteriaSet).order_by(CriteriaSet.title, CriteriaSet.id.desc())).all()
    return render_template("admin/criteria.html", sets=sets, form=form, titles=list(Title)), status


@bp.get("/criteria/<int:set_id>")
@login_required
def criteria_set(set_id: int):
    admin_paths()
    found = db.session.get(CriteriaSet, set_id)
    if found is None:
        abort(404)
    return render_template("admin/criteria_set.html", criteria_set=found)


@bp.get("/criteria/<int:set_id>.xlsx")
@login_required
def criteria_set_xlsx(set_id: int):
    """A loaded set as the Excel file the upload takes back: change it, give it a new version, upload it."""
    admin_paths()
    found = db.session.get(CriteriaSet, set_id) if set_id <= limits.ID_MAX else None
    if found is None:
        abort(404)
    return send_file(io.BytesIO(criteria_xlsx.write(found)), mimetype=XLSX, as_attachment=True,
                     download_name=f"bo-tieu-chi-{found.code}-{found.id}.xlsx")
