"""The committee's Excel list of paper registrations: upload, see what each row will do, then create them all.

Nothing is kept on the server between the two steps: the preview page carries the file back (encoded) with the
confirmation, so an abandoned preview leaves nothing behind.
"""

from __future__ import annotations

import base64
import binascii
import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import HiddenField, SelectChoice, SelectField

from models import Unit
from states.enums import Action, UnitKind
from workflow import exports
from workflow.dossiers import bp
from workflow.extensions import db
from workflow.formbase import Form
from workflow.forms import open_campaign_choices, parse_id
from workflow.services import imports, permissions
from workflow.services.errors import ServiceError
from workflow.services.listing import local_today
from workflow.services.scope import unit_filter
from workflow.services.work import Registration, registration_campaigns
from workflow.web import error_page, refusal_to_form


class UploadForm(Form):
    unit_id = SelectField(coerce=int)
    campaign_id = SelectField(coerce=int)
    file = FileField()


class ConfirmForm(Form):
    unit_id = HiddenField()
    campaign_id = HiddenField()
    payload = HiddenField()  # the uploaded file, base64


def _choices(form: UploadForm) -> Registration:
    """The groups the user registers for and the campaigns taking registrations (none: the page says when)."""
    paths = [u.path for u in permissions.units_for(current_user, Action.REGISTER_ON_BEHALF)]
    condition = unit_filter(Unit.path, paths)
    units = [] if condition is None else [u for u in db.session.scalars(
        select(Unit).where(condition, Unit.kind == UnitKind.GROUP.value).order_by(Unit.code)) if
        u.exists_on(local_today())]
    form.unit_id.choices = [SelectChoice(u.id, f"{u.name} ({u.code})") for u in units]
    form.unit_id.label.text = _("Tổ dân phố")
    registration = registration_campaigns(units)
    form.campaign_id.choices = open_campaign_choices(registration.open, local_today())
    form.campaign_id.label.text = _("Đợt thi đua")
    form.file.label.text = _("Tệp danh sách (Excel .xlsx, theo tệp mẫu)")
    return registration


@bp.route("/imports/registrations", methods=["GET", "POST"])
@login_required
def import_registrations():
    """Step 1: choose the group and campaign, upload the file; step 2: the preview of every row."""
    if not permissions.may_somewhere(current_user, Action.REGISTER_ON_BEHALF):
        return error_page(403, _("Chỉ Ban công tác Mặt trận của tổ nhập được danh sách đăng ký."))
    form = UploadForm()
    registration = _choices(form)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            upload = form.file.data
            data = upload.stream.read(imports.MAX_BYTES + 1) if upload is not None and hasattr(upload, "stream") \
                else b""
            if not data:
                form.file.errors = [_("Chọn tệp Excel danh sách đăng ký.")]
            else:
                try:
                    result = imports.run(current_user, form.campaign_id.data, form.unit_id.data, data,
                                         dry_run=True)
                except ServiceError as error:
                    refusal_to_form(error, form)
                    status = error.status
                else:
                    db.session.rollback()  # a preview writes nothing
                    confirm = ConfirmForm(formdata=None, unit_id=form.unit_id.data,
                                          campaign_id=form.campaign_id.data,
                                          payload=base64.b64encode(data).decode("ascii"))
                    unit = db.session.get(Unit, form.unit_id.data)
                    return render_template("dossiers/import_preview.html", result=result, confirm=confirm,
                                           unit=unit, filename=upload.filename or "")
    return render_template("dossiers/import.html", form=form, registration=registration), status


@bp.post("/imports/registrations/confirm")
@login_required
def import_confirm():
    """Step 3: create every row the preview said it would create, in one transaction."""
    form = ConfirmForm()
    try:
        data = base64.b64decode(form.payload.data or "", validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not form.validate_on_submit() or not data:
        flash(_("Không đọc được danh sách gửi lên; hãy tải tệp lên lại."), "error")
        return redirect(url_for("dossiers.import_registrations")), 303
    try:
        result = imports.run(current_user, parse_id(form.campaign_id.data) or 0, parse_id(form.unit_id.data) or 0,
                             data, dry_run=False)
    except ServiceError as error:
        refusal_to_form(error)
        return redirect(url_for("dossiers.import_registrations")), 303
    flash(_("Đã tạo %(n)s hồ sơ đăng ký từ danh sách; %(skipped)s dòng không tạo (trùng hoặc lỗi).",
            n=result.created, skipped=len(result.rows) - result.created), "success")
    return redirect(url_for("dossiers.index", unit_id=form.unit_id.data, campaign_id=form.campaign_id.data,
                            state="registered"))


@bp.get("/imports/registrations/template.xlsx")
@login_required
def import_template():
    return send_file(io.BytesIO(imports.template()), mimetype=exports.XLSX, as_attachment=True,
                     download_name="mau-danh-sach-dang-ky.xlsx")
