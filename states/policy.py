"""Who may do what, to which dossier, when — written down once.

Every action a user can take on a dossier (the 13 triggers of the table and the data steps) and what one may
see of it is a row here: the roles that may do it, the states it is open in, how it treats the dossier's own
people (its applicant, its subject or household member), whether a stand-in under delegation may do it, and
the guards it needs. `may()` answers "may this user do this to this dossier now, and if not, why" and
`actions()` lists what the user may do here; services, pages, templates, work queues, the menu and the API's
`available_triggers` all ask them. Nothing else checks a role or a state.

Pure: it reads loaded objects (the user's roles and delegations, the dossier's unit, members and state) and
asks the database nothing itself; guards ask the `facts` the service hands them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from states.enums import Action, Parties, Role, State, Trigger
from states.guards import Guard, GuardContext, evaluate, notice_running
from states.labels import N_, ROLE_LABELS, STATE_LABELS
from states.table import TABLE, Rule
from states.text import Text

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # a delegation's dates are the ward's days, not UTC's
REVIEWERS = frozenset(Role) - {Role.APPLICANT}
LENDABLE = REVIEWERS - {Role.ADMIN, Role.AUDITOR}  # the roles that take steps may be lent to a stand-in
LIVE = frozenset(State) - {State.REGISTRATION_REJECTED, State.NOT_RECOGNIZED, State.REVOKED, State.WITHDRAWN}
ENDED = frozenset({State.RECOGNIZED, State.NOT_RECOGNIZED, State.REVOKED, State.WITHDRAWN,
                   State.REGISTRATION_REJECTED})
UNDER_REVIEW = frozenset({State.REGISTERED, State.SELF_ASSESSMENT, State.PUBLIC_NOTICE, State.WARD_INSPECTION,
                          State.COUNCIL_REVIEW, State.AWAITING_DECISION})


def open_ballot(ctx: GuardContext) -> str | None:
    if ctx.campaign.secret_ballot:
        return Text(N_("đợt thi đua bỏ phiếu kín: chỉ công bố kết quả kiểm phiếu"))
    return None


@dataclass(frozen=True)
class Clause:
    """One way to be allowed: any of `roles` over the dossier's unit, in one of `states` (None: any state)."""

    roles: frozenset[Role]
    states: frozenset[State] | None
    parties: Parties = Parties.NOT_PARTIES
    delegable: bool = True
    guards: tuple[Guard, ...] = ()


@dataclass(frozen=True)
class Permission:
    action: str
    label: str
    clauses: tuple[Clause, ...]
    rule: Rule | None = None  # for the triggers: the table row the machine runs
    on_dossier: bool = True  # False: a unit-level action (registering), asked with a unit instead

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset().union(*(c.roles for c in self.clauses))

    @property
    def states(self) -> frozenset[State]:
        return frozenset().union(*((c.states or frozenset(State)) for c in self.clauses))


def _from_rule(rule: Rule) -> Permission:
    return Permission(rule.trigger.value, rule.trigger.value, (
        Clause(rule.roles, frozenset(rule.sources), rule.parties, rule.delegable, rule.guards),), rule=rule)


R, S, P, A = Role, State, Parties, Action

POLICY: dict[str, Permission] = {p.action: p for p in (
    *(_from_rule(rule) for rule in TABLE),
    Permission(A.REGISTER, N_("đăng ký hồ sơ"), (Clause(frozenset({R.APPLICANT}), None, P.ANYONE, False),),
               on_dossier=False),
    Permission(A.REGISTER_ON_BEHALF, N_("đăng ký thay người dân"),
               (Clause(frozenset({R.GROUP_COMMITTEE}), None, P.ANYONE),), on_dossier=False),
    # The group's one review meeting: its committee records it; each dossier it votes on must also allow
    # ASSESSMENT to the recorder (in self-assessment, not the recorder's own family) — meetings.py asks both.
    Permission(A.MEETING, N_("ghi biên bản họp bình xét"), (Clause(frozenset({R.GROUP_COMMITTEE}), None, P.ANYONE),),
               on_dossier=False),
    Permission(A.ADMINISTER, N_("quản trị"), (Clause(frozenset({R.ADMIN}), None, P.ANYONE, False),),
               on_dossier=False),
    Permission(A.DELEGATE, N_("ủy quyền"), (Clause(LENDABLE, None, P.ANYONE, False),), on_dossier=False),
    Permission(A.EDIT, N_("sửa hồ sơ"), (Clause(frozenset({R.APPLICANT}), frozenset({S.DRAFT}), P.APPLICANT_ONLY,
                                                False),)),
    Permission(A.ASSESSMENT, N_("ghi kết quả tự đánh giá"),
               (Clause(frozenset({R.GROUP_COMMITTEE}), frozenset({S.SELF_ASSESSMENT})),)),
    Permission(A.INSPECTION, N_("ghi kết quả kiểm tra"),
               (Clause(frozenset({R.WARD_INSPECTOR}), frozenset({S.WARD_INSPECTION})),)),
    Permission(A.VOTE, N_("bỏ phiếu"), (Clause(frozenset({R.COUNCIL_MEMBER}), frozenset({S.COUNCIL_REVIEW})),)),
    # The group's committee, which collects what residents say (Decree 86/2023), and the ward's inspector write
    # down an objection made on paper or in person; residents of the unit file their own.
    Permission(A.OBJECTION, N_("gửi ý kiến phản ánh"),
               (Clause(frozenset({R.GROUP_COMMITTEE, R.WARD_INSPECTOR, R.APPLICANT}), frozenset({S.PUBLIC_NOTICE}),
                       P.NOT_PARTIES, True, (notice_running,)),)),
    Permission(A.ANSWER, N_("trả lời ý kiến phản ánh"),
               (Clause(frozenset({R.GROUP_COMMITTEE, R.WARD_INSPECTOR}), frozenset({S.PUBLIC_NOTICE})),)),
    Permission(A.ATTACH, N_("đính kèm tệp"), (
        Clause(frozenset({R.APPLICANT}), frozenset({S.DRAFT, S.REGISTERED, S.SELF_ASSESSMENT}), P.APPLICANT_ONLY,
               False),
        Clause(frozenset({R.GROUP_COMMITTEE, R.WARD_INSPECTOR, R.COUNCIL_SECRETARY, R.CHAIRMAN}),
               LIVE - {S.DRAFT}),
    )),
    Permission(A.DISQUALIFIER, N_("ghi hoặc gỡ trường hợp không xét"), (
        Clause(frozenset({R.GROUP_COMMITTEE}), frozenset({S.REGISTERED, S.SELF_ASSESSMENT})),
        Clause(frozenset({R.WARD_INSPECTOR}), UNDER_REVIEW),
    )),
    Permission(A.SEE_VOTERS, N_("xem ai bỏ phiếu thế nào"),
               (Clause(REVIEWERS, None, P.NOT_PARTIES, True, (open_ballot,)),)),
    # The internals of a dossier's history (sequence, versions, hashes, raw data) are the auditors'; the audit
    # log itself is read by the auditors, the chairman and the admin (API.md).
    Permission(A.SEE_INTERNAL, N_("xem dữ liệu kiểm toán"), (Clause(frozenset({R.AUDITOR}), None, P.ANYONE),)),
    Permission(A.READ_AUDIT, N_("đọc nhật ký kiểm toán"),
               (Clause(frozenset({R.AUDITOR, R.CHAIRMAN, R.ADMIN}), None, P.ANYONE),), on_dossier=False),
    # Next year: the applicant registers again from her ended dossier; the committee does it for the group.
    Permission(A.RENEW, N_("đăng ký lại năm sau"), (
        Clause(frozenset({R.APPLICANT}), ENDED, P.APPLICANT_ONLY, False),
        Clause(frozenset({R.GROUP_COMMITTEE}), ENDED, P.ANYONE),
    )),
    # Ward leaders' statistics (issue 9): the chairman, the auditors and the admin of a ward.
    Permission(A.STATS, N_("xem thống kê"), (Clause(frozenset({R.CHAIRMAN, R.AUDITOR, R.ADMIN}), None, P.ANYONE),),
               on_dossier=False),
    # The group's proposal to the ward (văn bản đề nghị): its committee, and the ward's reviewers and auditors
    # who receive it, read it over their scope.
    Permission(A.READ_PROPOSAL, N_("xem văn bản đề nghị của tổ"),
               (Clause(frozenset({R.GROUP_COMMITTEE, R.WARD_INSPECTOR, R.COUNCIL_MEMBER, R.COUNCIL_SECRETARY,
                                  R.CHAIRMAN, R.VICE_CHAIRMAN, R.AUDITOR}), None, P.ANYONE),), on_dossier=False),
    # The chairman (or his deputy under delegation) records that a decision's list was posted publicly.
    Permission(A.PUBLISH, N_("công bố danh sách được công nhận"), (Clause(frozenset({R.CHAIRMAN}), None, P.ANYONE),),
               on_dossier=False),
)}

TRIGGERS = frozenset(t.value for t in Trigger)

# Separation of duties: whoever runs the accounts never takes a step of the workflow (he could grant himself the
# power to sign). What an account holding the admin role anywhere is refused, whatever else it holds or is lent;
# reading (the audit, statistics, voters, internals) and administering stay.
WORKFLOW_ACTIONS = TRIGGERS | frozenset({
    Action.REGISTER, Action.REGISTER_ON_BEHALF, Action.MEETING, Action.DELEGATE, Action.EDIT, Action.ASSESSMENT,
    Action.INSPECTION, Action.VOTE, Action.OBJECTION, Action.ANSWER, Action.ATTACH, Action.DISQUALIFIER,
    Action.RENEW, Action.PUBLISH})
ADMIN_ALONE = Text(N_("Tài khoản quản trị không thực hiện bước nào của quy trình xét duyệt (tách bạch nhiệm vụ): "
                      "việc này phải do một tài khoản khác làm."))


def holds_admin(user: Any) -> bool:
    return any(a.role == Role.ADMIN for a in getattr(user, "roles", ()))


def _admin_barred(permission: Permission, user: Any) -> bool:
    """Whether separation of duties alone refuses `user` this row (asked first by every answer below)."""
    return permission.action in WORKFLOW_ACTIONS and holds_admin(user)


def role_conflict(held: Iterable[str], role: str) -> str | None:
    """Why `role` cannot join the roles an account holds (an admin account holds the admin role only); None if it
    can."""
    held = set(held)
    if role == Role.ADMIN and held - {Role.ADMIN}:
        return Text(N_("tài khoản đang giữ vai trò nghiệp vụ không được cấp thêm vai trò quản trị (tách bạch nhiệm "
                       "vụ): hãy dùng một tài khoản quản trị riêng"))
    if role != Role.ADMIN and Role.ADMIN in held:
        return Text(N_("tài khoản quản trị không được cấp thêm vai trò nào khác (tách bạch nhiệm vụ): hãy dùng một "
                       "tài khoản riêng"))
    return None


# --- who holds a role where ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grant:
    role: Role
    on_behalf_of: Any = None  # the delegating user when the role is held by delegation


def _reaches(held_unit: Any, unit: Any) -> bool:
    return held_unit.reaches(unit)


def grant(user: Any, roles: Iterable[Role], unit: Any, today: date, *, delegable: bool = True) -> Grant | None:
    """The role (among `roles`) under which `user` acts over `unit`: their own first, then one lent to them by
    a running delegation whose giver still holds it."""
    wanted = sorted(roles)
    for role in wanted:
        if any(a.role == role and _reaches(a.unit, unit) for a in user.roles):
            return Grant(role)
    if not delegable:
        return None
    for delegation in getattr(user, "delegations_received", ()):
        if delegation.role in wanted and _reaches(delegation.unit, unit) and _lent(delegation, today):
            return Grant(Role(delegation.role), delegation.from_user)
    return None


def local_day(now: datetime) -> date:
    """The ward's date at `now` (UTC+7): the day delegations and deadlines are counted in."""
    return now.astimezone(VIETNAM).date()


def _lent(delegation: Any, today: date) -> bool:
    """A delegation that runs today and whose giver still holds the role."""
    giver = delegation.from_user
    return delegation.runs_on(today) and giver.active and any(
        a.role == delegation.role and _reaches(a.unit, delegation.unit) for a in giver.roles)


def held_units(user: Any, roles: Iterable[Role], today: date, *, delegable: bool = True) -> list[Any]:
    """Units where the user holds one of `roles` (themselves, or by a running delegation)."""
    wanted = set(roles)
    units = [a.unit for a in user.roles if a.role in wanted]
    if delegable:
        units += [d.unit for d in getattr(user, "delegations_received", ()) if d.role in wanted and _lent(d, today)]
    return units


# --- relation to the dossier -----------------------------------------------------------------------------------

def is_applicant(user: Any, dossier: Any) -> bool:
    return dossier.created_by_id is not None and dossier.created_by_id == user.id


def is_subject(user: Any, dossier: Any) -> bool:
    """The user's personal number is the dossier's subject reference or one of its household members'."""
    pid = getattr(user, "personal_id", None)
    if not pid:
        return False
    return dossier.subject_ref == pid or any(m.personal_id == pid for m in dossier.members)


def is_party(user: Any, dossier: Any) -> bool:
    return is_applicant(user, dossier) or is_subject(user, dossier)


# --- the answer ------------------------------------------------------------------------------------------------

@dataclass
class Verdict:
    """`may()`'s answer: allowed with the acting role (and the delegating user), or refused with a status
    (403 who, 409 when, 422 a guard) and the reasons."""

    action: str
    role: Role | None = None
    on_behalf_of: Any = None
    status: int = 200
    reasons: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.status == 200

    def __bool__(self) -> bool:
        return self.allowed


CLOSEST = (422, 403, 409)


def _role_names(roles: Iterable[Role]) -> str:
    return " / ".join(ROLE_LABELS[r] for r in sorted(roles))


def may(user: Any, action: str, dossier: Any, ctx: GuardContext | None = None, *, now: datetime,
        check_state: bool = True, check_guards: bool = True) -> Verdict:
    """May `user` do `action` to `dossier` now? The order of the checks decides the status: role (403), the
    dossier's own people (403), state (409), guards (422). `ctx` gives the guards their facts; without it the
    guards are not asked. A trigger's service leaves the state and guards to the machine."""
    permission = POLICY[str(action)]
    if _admin_barred(permission, user):
        return Verdict(action, status=403, reasons=[ADMIN_ALONE])
    today = local_day(now)
    granted = [(c, grant(user, c.roles, dossier.unit, today, delegable=c.delegable)) for c in permission.clauses]
    granted = [(c, g_) for c, g_ in granted if g_ is not None]
    if not granted:
        return Verdict(action, status=403, reasons=[Text(N_("Bạn không có vai trò %(roles)s ở đơn vị của hồ sơ này."),
                                                          roles=_role_names(permission.roles))])
    refusals: list[Verdict] = []
    for clause, held in granted:
        if clause.parties == Parties.APPLICANT_ONLY and not is_applicant(user, dossier):
            refusals.append(Verdict(action, status=403, reasons=[
                Text(N_("Chỉ người đăng ký hồ sơ mới được thực hiện thao tác này."))]))
        elif clause.parties == Parties.NOT_PARTIES and is_party(user, dossier):
            refusals.append(Verdict(action, status=403, reasons=[
                Text(N_("Không được tự phê duyệt hồ sơ của chính mình hoặc của gia đình mình."))]))
        elif check_state and clause.states is not None and dossier.state not in clause.states:
            refusals.append(Verdict(action, status=409, reasons=[Text(
                N_("Không thể %(action)s khi hồ sơ đang ở trạng thái “%(state)s”."),
                action=permission.label, state=STATE_LABELS[State(dossier.state)])]))
        elif check_guards and ctx is not None and (reasons := evaluate(clause.guards, ctx)):
            refusals.append(Verdict(action, held.role, held.on_behalf_of, status=422, reasons=reasons))
        else:
            return Verdict(action, held.role, held.on_behalf_of)
    # Of several clauses' refusals, the one closest to allowing wins, whatever the clauses' order: a rule that
    # still blocks (422), then the user's relation to the dossier (403), then the state (409).
    return min(refusals, key=lambda refused: CLOSEST.index(refused.status))


@dataclass
class Option:
    """One thing the page may offer: allowed, or shown disabled with the guards' reasons."""

    action: str
    role: Role
    reasons: list[str]
    comment_required: bool = False

    @property
    def allowed(self) -> bool:
        return not self.reasons

    @property
    def trigger(self) -> Trigger | None:
        return Trigger(self.action) if self.action in TRIGGERS else None


def actions(user: Any, dossier: Any, ctx: GuardContext, *, now: datetime) -> list[Option]:
    """What this user may do here now: every row whose role, relation and state fit, with the guards' reasons
    when a guard still blocks it (the page shows it disabled, saying why). Triggers first, in table order."""
    options = []
    for permission in POLICY.values():
        if not permission.on_dossier:
            continue
        verdict = may(user, permission.action, dossier, ctx, now=now)
        if verdict.allowed or verdict.status == 422:
            comment = bool(permission.rule and permission.rule.comment_required)
            options.append(Option(permission.action, verdict.role, list(verdict.reasons), comment))
    return options


def may_at(user: Any, action: str, unit: Any, today: date) -> Verdict:
    """A unit-level action (register, register on behalf, administer): does a role of the row reach `unit`?"""
    permission = POLICY[str(action)]
    if _admin_barred(permission, user):
        return Verdict(action, status=403, reasons=[ADMIN_ALONE])
    for clause in permission.clauses:
        held = grant(user, clause.roles, unit, today, delegable=clause.delegable)
        if held is not None:
            return Verdict(action, held.role, held.on_behalf_of)
    return Verdict(action, status=403, reasons=[Text(N_("Bạn không có vai trò %(roles)s ở đơn vị này."),
                                                     roles=_role_names(permission.roles))])


def may_somewhere(user: Any, action: str, today: date) -> bool:
    """Does the user hold a role of `action` anywhere (the menu, a unit-level page)?"""
    permission = POLICY[str(action)]
    if _admin_barred(permission, user):
        return False
    return any(held_units(user, c.roles, today, delegable=c.delegable) for c in permission.clauses)


def units_for(user: Any, action: str, today: date) -> list[Any]:
    """The units where the user may do a unit-level `action` (register, register on behalf)."""
    permission = POLICY[str(action)]
    if _admin_barred(permission, user):
        return []
    return [u for c in permission.clauses for u in held_units(user, c.roles, today, delegable=c.delegable)]


def roles_for(action: str) -> frozenset[Role]:
    return POLICY[str(action)].roles


def states_for(action: str) -> frozenset[State]:
    return POLICY[str(action)].states


assert set(POLICY) == {t.value for t in Trigger} | {a.value for a in Action}, "one row per action"
