"""Next year's pages: "Đăng ký lại năm …" from an ended dossier (a confirmation that says what is copied), and
the group committee's page that renews last year's list of a group at once (services/renew.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from models import Campaign, Dossier, Unit
from states.enums import Action, UnitKind
from states.titles import registration_window
from workflow import clock, limits
from workflow.dossiers import bp
from workflow.extensions import db
from workflow.filters import translated
from workflow.formbase import Form
from workflow.forms import parse_id
from workflow.services import permissions, renew
from workflow.services.errors import ServiceError
from workflow.services.listing import local_today
from workflow.services.scope import get_dossier_for, unit_filter
from workflow.web import error_page, refusal_to_form, submit


class RenewForm(Form):
    campaign_id = IntegerField(widget=HiddenInput(), validators=[
        InputRequired(_l("Chọn đợt thi đua")), NumberRange(1, limits.ID_MAX, _l("Đợt thi đua không hợp lệ"))])


class RenewGroupForm(Form):
    """The ticked dossiers are read from the list; `confirmed` once the summary was shown."""

    campaign_id = IntegerField(widget=HiddenInput(), validators=[
        Optional(), NumberRange(1, limits.ID_MAX, _l("Đợt thi đua không hợp lệ"))])
    confirmed = HiddenField()


@dataclass(frozen=True)
class Renewal:
    campaign: Campaign  # where "Đăng ký lại năm …" registers
    existing: Dossier | None  # the subject's live dossier there already, if any


@bp.app_context_processor
def renewal():
    """`renewal_for(dossier)`: the ward's next campaign taking registrations today and the subject's dossier
    there if it has one — when the policy lets the user renew this dossier; else None."""

    def renewal_for(dossier: Dossier) -> Renewal | None:
        if not current_user.is_authenticated or not renew.may_renew(current_user, dossier):
            return None
        campaign = renew.next_campaign(dossier)
        return Renewal(campaign, renew.already_registered(dossier, campaign)) if campaign is not None else None

    return {"renewal_for": renewal_for}


@bp.route("/dossiers/<int:dossier_id>/renew", methods=["GET", "POST"])
@login_required
def renew_one(dossier_id: int):
    """“Đăng ký lại năm …”: what is copied into which campaign, then one click."""
    dossier = get_dossier_for(current_user, dossier_id)
    allowed = permissions.verdict(current_user, Action.RENEW, dossier)
    reasons = allowed.reasons if not allowed else renew.registration_refused(current_user, dossier, allowed,
                                                                             clock.now())
    if reasons:
        flash(_("Không thể đăng ký lại:") + " " + "; ".join(translated(r) for r in reasons), "error")
        return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    campaign = renew.next_campaign(dossier)
    if campaign is None:
        flash(_("Chưa có đợt thi đua năm sau nào của phường đang nhận đăng ký."), "warning")
        return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    form = RenewForm(data={"campaign_id": campaign.id} if request.method == "GET" else None)
    done, status = submit(
        form, lambda: renew.renew(current_user, dossier.id, form.campaign_id.data),
        lambda new: (_("Đã ghi hồ sơ %(code)s, đăng ký thay người dân cho năm %(year)s.", code=new.tracking_code,
                       year=new.campaign.year) if new.entered_by_id else
                     _("Đã tạo hồ sơ %(code)s cho năm %(year)s từ hồ sơ năm trước. Kiểm tra lại rồi bấm “Nộp đăng "
                       "ký”.", code=new.tracking_code, year=new.campaign.year),
                     url_for("dossiers.detail", dossier_id=new.id)))
    if done:
        return done
    dossier = get_dossier_for(current_user, dossier_id)
    return render_template("dossiers/renew.html", dossier=dossier, campaign=campaign, form=form,
                           closes=registration_window(campaign, dossier.title)[1],
                           on_behalf=renew.on_behalf(allowed), unit=renew.successor(dossier.unit, local_today()),
                           existing=renew.already_registered(dossier, campaign)), status


# --- the committee renews a group's list ------------------------------------------------------------------------

def _groups() -> list[Unit]:
    """The groups (and agencies) where the user registers on residents' behalf, still existing today."""
    paths = [u.path for u in permissions.units_for(current_user, Action.REGISTER_ON_BEHALF)]
    condition = unit_filter(Unit.path, paths)
    if condition is None:
        return []
    today = local_today()
    units = db.session.scalars(select(Unit).where(
        condition, Unit.kind.in_([UnitKind.GROUP.value, UnitKind.AGENCY.value])).order_by(Unit.code))
    # Residential groups first: the page is mostly theirs; agencies after.
    return sorted((u for u in units if u.exists_on(today)), key=lambda u: (u.kind != UnitKind.GROUP, u.code))


def _campaigns(group: Unit | None) -> list[Campaign]:
    """The campaigns of the group's ward, newest first."""
    if group is None:
        return []
    wards = {int(part) for part in group.path.strip("/").split("/") if part}
    return list(db.session.scalars(select(Campaign).where(Campaign.unit_id.in_(wards))
                                   .order_by(Campaign.year.desc(), Campaign.id.desc())))


@bp.route("/dossiers/renew-group", methods=["GET", "POST"])
@login_required
def renew_group():
    """Choose a group and last year's campaign; last year's ended dossiers are listed (recognized ones ticked);
    confirm; all are registered in the ward's next campaign at once, or none."""
    groups = _groups()
    if not groups or not permissions.may_somewhere(current_user, Action.RENEW):
        message = _("Bạn không có vai trò Ban vận động ở tổ dân phố nào: chỉ Ban vận động đăng ký lại cho cả tổ.")
        return error_page(403, message)
    unit_id = parse_id(request.args.get("unit_id"))
    group = next((g for g in groups if g.id == unit_id), groups[0])
    campaigns = _campaigns(group)
    today = local_today()
    # By default the newest campaign that has a later one taking registrations now: last year's.
    renewable = [c for c in campaigns if renew.next_campaign_after(c, today) is not None] or campaigns
    campaign_id = parse_id(request.args.get("campaign_id"))
    last = next((c for c in campaigns if c.id == campaign_id), renewable[0] if renewable else None)
    target = renew.next_campaign_after(last, today) if last is not None else None
    rows = renew.group_dossiers(current_user, group, last, target) if last is not None else []
    form = RenewGroupForm()
    by_id = {r.dossier.id: r for r in rows}
    if request.method == "POST":
        chosen = [i for i in (parse_id(v) for v in request.form.getlist("dossier_ids")[:limits.BATCH_MAX]) if i]
    else:
        chosen = [r.dossier.id for r in rows if r.recognized and r.ready]
    args = {"unit_id": group.id, **({"campaign_id": last.id} if last is not None else {})}
    blockers: dict[int, str] = {}

    def page(code: int, template: str = "dossiers/renew_group.html"):
        return render_template(template, groups=groups, group=group, campaigns=campaigns, last=last, target=target,
                               rows=rows, chosen=chosen, form=form, args=args, blockers=blockers,
                               picked=[by_id[i] for i in chosen if i in by_id]), code

    if request.method == "GET":
        return page(200)
    if not form.validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại."), "error")
        return page(400 if form.csrf_token.errors else 422)
    if target is None:
        flash(_("Chưa có đợt thi đua năm sau nào của phường đang nhận đăng ký."), "error")
        return page(409)
    if not chosen:
        flash(_("Chọn ít nhất một hồ sơ."), "error")
        return page(422)
    if form.confirmed.data != "yes":
        blockers = {i: (_("không có trong danh sách của tổ và đợt này") if i not in by_id
                        else "; ".join(translated(r) for r in by_id[i].reasons))
                    for i in chosen if i not in by_id or not by_id[i].ready}
        if blockers:
            flash(_("Chưa đăng ký lại: %(n)s hồ sơ đã chọn chưa thể đăng ký lại (xem danh sách bên dưới). Bỏ chọn "
                    "các hồ sơ này rồi thử lại.", n=len(blockers)), "error")
            return page(422)
        form.confirmed.data = "yes"
        form.campaign_id.data = target.id
        return page(200)
    try:
        created = renew.renew_group(current_user, chosen, form.campaign_id.data or target.id)
    except renew.RenewBlocked as error:
        db.session.rollback()
        blockers = {i: _error_text(e) for i, e in error.blocked.items()}
        flash(_("Chưa đăng ký lại hồ sơ nào: %(n)s hồ sơ không còn đủ điều kiện (xem danh sách bên dưới).",
                n=len(error.blocked)), "error")
        form.confirmed.data = ""
        return page(error.status)
    except ServiceError as error:
        refusal_to_form(error, form)
        form.confirmed.data = ""
        return page(error.status)
    flash(_("Đã đăng ký lại %(n)s hồ sơ của %(group)s vào %(campaign)s.", n=len(created), group=group.name,
            campaign=target.name), "success")
    return redirect(url_for("dossiers.index", campaign_id=target.id, unit_id=group.id))


def _error_text(error: ServiceError) -> str:
    reasons = getattr(error, "reasons", None)
    return "; ".join(translated(r) for r in reasons) if reasons else translated(error.message)
