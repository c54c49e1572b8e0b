"""The inbox: one's own messages, newest first, marked read when opened; and where else they go."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflow.inbox import bp
from workflow.inbox.forms import ChannelsForm, EmptyForm
from workflow.public.redirects import local_target
from workflow.services import inbox as inbox_service
from workflow.services.errors import NotFound
from workflow.web import error_page, submit

SHOWN = 100


@bp.get("")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    rows = inbox_service.messages(current_user, unread_only=unread_only, limit=SHOWN)
    return render_template("inbox/index.html", rows=rows, unread_only=unread_only, form=EmptyForm(),
                           unread=inbox_service.unread_count(current_user))


@bp.post("/<int:message_id>/open")
@login_required
def open_message(message_id: int):
    """Mark it read and go where it points (a path of this site only)."""
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("Phiên làm việc đã hết hạn; vui lòng thử lại."), "error")
        return redirect(url_for("inbox.index")), 303
    try:
        found = inbox_service.mark_read(current_user, message_id)
    except NotFound:
        return error_page(404, _("Không tìm thấy tin nhắn."))
    return redirect(local_target(found.link, request.host) or url_for("inbox.index"))


@bp.post("/read-all")
@login_required
def read_all():
    if EmptyForm().validate_on_submit():
        count = inbox_service.mark_all_read(current_user)
        flash(_("Đã đánh dấu %(n)s tin là đã đọc.", n=count), "success")
    return redirect(url_for("inbox.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = ChannelsForm()
    if request.method == "GET":
        chosen = set(current_user.channels or [])
        form.email_on.data, form.sms_on.data, form.zalo_on.data = ("email" in chosen, "sms" in chosen,
                                                                   "zalo" in chosen)
        form.email.data, form.phone.data = current_user.email or "", current_user.phone or ""
    channels = [name for name, on in (("email", form.email_on.data), ("sms", form.sms_on.data),
                                      ("zalo", form.zalo_on.data)) if on]
    done, status = submit(form, lambda: inbox_service.save_channels(current_user, channels, form.email.data,
                                                                    form.phone.data),
                          lambda _r: (_("Đã lưu cách nhận tin."), url_for("inbox.index")))
    return done or (render_template("inbox/settings.html", form=form), status)


def unread_badge() -> int:
    """For the header: how many unread messages the signed-in user has (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    return inbox_service.unread_count(current_user)
