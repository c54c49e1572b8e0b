"""The group's review meeting (họp bình xét): which groups and campaigns, one form for the meeting and every
dossier's votes in favour, and the printable minutes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from models import Campaign, Dossier, GroupMeeting, Unit
from states.enums import Action, State, Trigger
from states.policy import local_day, may_at
from workflow import clock
from workflow.extensions import db
from workflow.filters import translated
from workflow.forms import parse_id
from workflow.meetings import bp, groups_bp
from workflow.meetings.forms import MeetingForm, people_lines, people_text
from workflow.papers import paper
from workflow.services import meetings, permissions, proposals
from workflow.services.criteria import Score
from workflow.services.errors import NotFound, ServiceError
from workflow.services.facts import assessment_score
from workflow.services.listing import local_today
from workflow.services.scope import reviewer_paths, unit_filter
from workflow.web import error_page, refusal_to_form


@dataclass
class Row:
    """One dossier of the meeting's table: its self-assessment, its votes, and whether this user may set them."""

    dossier: Dossier
    assessed: int
    criteria: int
    score: Score | None
    votes_for: int | None
    editable: bool
    why_not: str = ""
    outcome: meetings.Outcome | None = None
    sent_on: bool = False  # past self-assessment: its votes (and the meeting's figures) are history

    @property
    def holds_figures(self) -> bool:
        return self.sent_on and self.votes_for is not None

    @property
    def complete(self) -> bool:
        return self.assessed == self.criteria


def _rows(unit: Unit, campaign: Campaign, meeting: GroupMeeting | None) -> list[Row]:
    rows = []
    for dossier in meetings.group_dossiers(unit, campaign):
        verdict = permissions.verdict(current_user, Action.ASSESSMENT, dossier)
        criteria = len(dossier.criteria_set.criteria)
        assessed = len({i.criterion_id for i in dossier.assessment_items
                        if (i.points is not None if dossier.criteria_set.shape == "points" else i.met is not None)})
        vote = dossier.meeting_vote
        votes_for = vote.votes_for if vote is not None and meeting is not None and vote.meeting_id == meeting.id \
            else None
        sent_on = verdict.status == 409  # the state refuses: the badge says where it is
        rows.append(Row(dossier, assessed, criteria, assessment_score(dossier) if assessed == criteria else None,
                        votes_for, verdict.allowed,
                        "" if sent_on else "; ".join(translated(r) for r in verdict.reasons),
                        meetings.outcome(meeting, campaign, votes_for) if meeting is not None else None, sent_on))
    return rows


@bp.get("")
@login_required
def index():
    """The groups in the user's scope and their ward's campaigns: the meeting recorded or still to hold."""
    condition = unit_filter(Unit.path, reviewer_paths(current_user))
    groups = [] if condition is None else list(db.session.scalars(
        select(Unit).where(condition, Unit.kind.in_(meetings.GROUP_KINDS)).order_by(Unit.path)))
    today = local_today()
    entries = []
    for group in groups:
        if not group.exists_on(today) and group.merged_into_id is not None:
            continue
        ward_ids = [int(part) for part in group.path.strip("/").split("/") if part]
        campaigns = db.session.scalars(select(Campaign).where(Campaign.unit_id.in_(ward_ids))
                                       .order_by(Campaign.year.desc()).limit(2))
        for campaign in campaigns:
            meeting = meetings.meeting_of(group.id, campaign.id)
            waiting = db.session.scalar(select(func.count(Dossier.id)).where(
                Dossier.unit_id == group.id, Dossier.campaign_id == campaign.id,
                Dossier.state == State.SELF_ASSESSMENT.value)) or 0
            entries.append((group, campaign, meeting, waiting))
    may_record = permissions.may_somewhere(current_user, Action.MEETING)
    return render_template("meetings/index.html", entries=entries, may_record=may_record)


@bp.route("/<int:unit_id>/<int:campaign_id>", methods=["GET", "POST"])
@login_required
def meeting(unit_id: int, campaign_id: int):
    try:
        unit = meetings.group_for(current_user, unit_id)
        campaign = meetings.campaign_for(unit, campaign_id)
    except NotFound as error:
        return error_page(404, translated(error.message))
    may_record = may_at(current_user, Action.MEETING, unit, local_day(clock.now())).allowed
    form = MeetingForm()
    status, row_errors = 200, {}
    if request.method == "POST":
        if not may_record:
            flash(_("Chỉ Ban vận động của tổ ghi biên bản họp bình xét."), "error")
            status = 403
        elif not form.validate_on_submit():
            if form.csrf_token.errors:
                flash(_("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại."), "error")
                status = 400
            else:
                flash(_("Biên bản họp bình xét chưa hợp lệ."), "error")
                status = 422
        else:
            votes, order = _posted_votes()
            try:
                saved = meetings.record_meeting(current_user, unit.id, campaign.id, {
                    "held_on": form.held_on.data, "invited": form.invited.data, "attendees": form.attendees.data,
                    "chaired_by": form.chaired_by.data or "", "note": form.note.data or "", "votes": votes,
                    "started_at": form.started_at.data or None, "ended_at": form.ended_at.data or None,
                    "place": form.place.data or "", "secretary": form.secretary.data or "",
                    "participants": people_lines(form.participants.data), "vote_method": form.vote_method.data or None,
                    "opinions": form.opinions.data or ""})
            except ServiceError as error:
                unplaced = refusal_to_form(error, form)
                row_errors = _row_errors(unplaced, order)
                status = error.status
            else:
                rows = _rows(unit, campaign, saved)
                voted = [r for r in rows if r.votes_for is not None]
                passing = [r for r in voted if r.outcome.passed]
                flash(_("Đã lưu biên bản họp bình xét. %(passing)s/%(voted)s hồ sơ đủ số người dự và số đồng ý.",
                        passing=len(passing), voted=len(voted)), "success")
                return redirect(url_for("meetings.meeting", unit_id=unit.id, campaign_id=campaign.id))
    current = meetings.meeting_of(unit.id, campaign.id)
    if request.method == "GET" and current is not None:
        form = MeetingForm(formdata=None, held_on=current.held_on.isoformat(), invited=current.invited,
                           attendees=current.attendees, chaired_by=current.chaired_by, note=current.note,
                           started_at=f"{current.started_at:%H:%M}" if current.started_at else "",
                           ended_at=f"{current.ended_at:%H:%M}" if current.ended_at else "",
                           place=current.place or "", secretary=current.secretary or "",
                           participants=people_text(current.participants), vote_method=current.vote_method or "",
                           opinions=current.opinions or "")
    rows = _rows(unit, campaign, current)
    passing = [r for r in rows
               if r.outcome is not None and r.outcome.passed and r.dossier.state == State.SELF_ASSESSMENT]
    locked = [r.dossier for r in rows if r.holds_figures]
    if locked:  # the service would refuse new figures: say so before anyone types them
        for name in meetings.FIGURES:
            getattr(form, name).render_kw = {**(getattr(form, name).render_kw or {}), "readonly": True}
    return render_template("meetings/meeting.html", unit=unit, campaign=campaign, meeting=current, form=form,
                           rows=rows, may_record=may_record, row_errors=row_errors, locked=locked,
                           posted=request.form if status != 200 else None, passing=passing,
                           submit_step=Trigger.SUBMIT_ASSESSMENT.value), status


def _posted_votes() -> tuple[list[dict], list[int]]:
    """The table's inputs (`votes-<dossier id>`, `version-<dossier id>`) in page order; an empty cell sends
    nothing (the dossier keeps what it had)."""
    votes, order = [], []
    for name in request.form:
        if not name.startswith("votes-"):
            continue
        dossier_id = parse_id(name.removeprefix("votes-"))
        raw = request.form.get(name, "").strip()
        if dossier_id is None or not raw or dossier_id in order:
            continue
        line = {"dossier_id": dossier_id, "votes_for": raw}
        version = parse_id(request.form.get(f"version-{dossier_id}"))
        if version is not None:
            line["version"] = version
        votes.append(line)
        order.append(dossier_id)
    return votes, order


def _row_errors(unplaced: dict[str, str], order: list[int]) -> dict[int, str]:
    """`votes[3].votes_for` → the message under the row of the fourth dossier sent."""
    by_row: dict[int, str] = {}
    for key, message in unplaced.items():
        if key.startswith("votes[") and "]" in key:
            index = int(key[6:key.index("]")])
            if index < len(order):
                by_row[order[index]] = f"{by_row[order[index]]}; {message}" if order[index] in by_row else message
    return by_row


@bp.get("/<int:meeting_id>/minutes")
@login_required
def minutes(meeting_id: int):
    try:
        found = meetings.meeting_for(current_user, meeting_id)
    except NotFound as error:
        return error_page(404, translated(error.message))
    rows = [r for r in _rows(found.unit, found.campaign, found) if r.votes_for is not None]
    return paper("meetings/minutes.html", f"bien-ban-hop-binh-xet-{found.unit.code}-{found.campaign.year}",
                 meeting=found, rows=rows, campaign=found.campaign, ward=found.unit.parent)


@groups_bp.get("/<int:unit_id>/proposals/<int:campaign_id>")
@login_required
def proposal(unit_id: int, campaign_id: int):
    """The group's proposal to the ward (văn bản đề nghị) with its summary list: page, print and PDF."""
    try:
        found = proposals.proposal_for(current_user, unit_id, campaign_id)
    except NotFound as error:
        return error_page(404, translated(error.message))
    return paper("meetings/proposal.html", f"van-ban-de-nghi-{found.unit.code}-{found.campaign.year}",
                 proposal=found)
