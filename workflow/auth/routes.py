from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from models import User
from workflow import limits
from workflow.auth import bp
from workflow.auth.forms import ChangePasswordForm, DelegationForm, LoginForm
from workflow.extensions import login_manager
from workflow.filters import role_label
from workflow.public.redirects import local_target
from workflow.services import accounts, permissions
from workflow.services import delegations as delegation_service
from workflow.services.errors import ServiceError, TooManyAttempts
from workflow.uow import keep_changes
from workflow.web import refusal_to_form, submit

# What a user signed in with a temporary password may open before changing it (the API answers 403
# password_change_required instead: workflow/api/operations.py).
OPEN_WHILE_TEMPORARY = frozenset({"auth.account", "auth.logout", "auth.login", "auth.revoke_token", "static",
                                  "public.language"})


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The cookie's user while its session is still theirs: the version it carries (User.get_id) must be the
    account's current one, which sign-out, a password change or reset and deactivation raise."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    if not 1 <= int(user_id) <= limits.ID_MAX:
        return None
    user = permissions.identity(int(user_id))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


@bp.before_app_request
def temporary_password_first():
    """Every page leads to the change-password page while the account signs in with a temporary password."""
    if request.blueprint == "api" or request.endpoint in OPEN_WHILE_TEMPORARY or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        flash(_("Bạn đang dùng mật khẩu tạm do quản trị đặt: hãy đổi mật khẩu mới để tiếp tục."), "info")
        return redirect(url_for("auth.account"))
    return None


def _safe_next(target: str | None) -> str:
    return local_target(target, request.host) or url_for("dossiers.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dossiers.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        try:
            accounts.check_throttle(form.username.data, address, current_app.config)
        except TooManyAttempts as error:
            form.username.errors.append(error.message)
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(error.retry_after)}
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is not None:
            accounts.forget_failures(form.username.data, address)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        accounts.record_failure(form.username.data, address, current_app.config)
        keep_changes()  # the failure counts towards throttling even though the answer is a refusal
        form.password.errors.append(_("Sai tên đăng nhập hoặc mật khẩu."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    current_user.end_sessions()  # this cookie, and any copy of it, ends here (and the user's other sessions)
    logout_user()
    flash(_("Đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/delegations", methods=["GET", "POST"])
@login_required
def delegations():
    """Lend one of my roles to a stand-in for a period, see those I gave and received, end one early."""
    form = DelegationForm()
    form.held.choices = [SelectChoice(f"{role}@{code}", f"{role_label(role)} — {code}")
                         for role, code in delegation_service.lendable_roles(current_user)]
    form.to_username.choices = [SelectChoice(u.username, f"{u.full_name} ({u.username})")
                                for u in delegation_service.candidates(current_user)]
    done, status = submit(form, lambda: delegation_service.grant(current_user, {
        "to_username": form.to_username.data, "role": form.held.data.partition("@")[0],
        "unit_code": form.held.data.partition("@")[2], "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data, "reason": form.reason.data}),
        lambda d: (_("Đã ủy quyền cho %(name)s từ %(start)s đến hết %(end)s.", name=d.to_user.full_name,
                     start=f"{d.starts_on:%d/%m/%Y}", end=f"{d.ends_on:%d/%m/%Y}"), url_for("auth.delegations")))
    return done or (render_template("auth/delegations.html", form=form, rows=delegation_service.mine(current_user),
                                    status_of=delegation_service.status), status)


@bp.post("/delegations/<int:delegation_id>/end")
@login_required
def end_delegation(delegation_id: int):
    try:
        delegation_service.end(current_user, delegation_id)
    except ServiceError as error:
        refusal_to_form(error)
        return redirect(url_for("auth.delegations")), 303
    flash(_("Đã kết thúc ủy quyền."), "success")
    return redirect(url_for("auth.delegations"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """My account: change my password; my API tokens, each revocable."""
    form = ChangePasswordForm()
    me = current_user._get_current_object()

    def changed(user: User):
        login_user(user)  # this browser stays signed in under the new session version; every other one is out
        return (_("Đã đổi mật khẩu. Các phiên đăng nhập khác và mọi token API cũ đã hết hiệu lực."),
                url_for("auth.account"))

    done, status = submit(form, lambda: accounts.change_password(me, form.current.data, form.new.data,
                                                                 form.confirm.data), changed)
    return done or (render_template("auth/account.html", form=form, tokens=accounts.tokens_of(me)), status)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    try:
        accounts.revoke_token_of(current_user._get_current_object(), current_user._get_current_object(), token_id)
    except ServiceError as error:
        refusal_to_form(error)
        return redirect(url_for("auth.account")), 303
    flash(_("Đã thu hồi token."), "success")
    return redirect(url_for("auth.account"))
