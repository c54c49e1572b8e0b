"""Users, roles, sign-in throttling and API tokens."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
import unicodedata
from datetime import datetime, timedelta
from typing import NoReturn

from limits import RateLimitItem, RateLimitItemPerMinute
from sqlalchemy import delete, func, select
from zxcvbn import zxcvbn

from models import ApiToken, LoginFailure, RoleAssignment, Unit, User
from states.enums import Role
from states.policy import role_conflict
from states.text import T
from workflow import clock, limits
from workflow.extensions import db, limiter
from workflow.services.errors import Conflict, Forbidden, NotFound, TooManyAttempts, ValidationFailed

# A password is at least 8 characters and judged "safely unguessable" by zxcvbn (score 3 of 4: about 10^8 guesses,
# which catches the common and leaked passwords, keyboard runs, repeats, dates and the user's own names).
PASSWORD_MIN_LENGTH = 8
PASSWORD_MIN_SCORE = 3
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._@-]+")  # ASCII: SQLite's lower() and PostgreSQL's agree on it
# zxcvbn's warnings, said plainly in Vietnamese (anything else: the general reason alone).
WEAKNESSES = (
    ("common password", T("đây là mật khẩu phổ biến, được thử đầu tiên")),
    ("Repeats", T("lặp lại một ký tự hoặc một cụm ký tự")),
    ("Sequences", T("là một dãy liên tiếp như abc hoặc 1234")),
    ("keyboard", T("là các phím liền nhau trên bàn phím")),
    ("Straight rows", T("là các phím liền nhau trên bàn phím")),
    ("years", T("chứa năm hoặc ngày tháng dễ đoán")),
    ("Dates", T("chứa năm hoặc ngày tháng dễ đoán")),
    ("Names and surnames", T("chỉ là tên người")),
    ("word by itself", T("chỉ là một từ đơn lẻ")),
)


class PasswordChangeRequired(Forbidden):
    """The account signs in with a temporary password an admin set: nothing but changing it until then."""

    code = "password_change_required"


# Sign-in failures are kept a day (a pair's back-off grows over that long), then deleted; the key under which
# Flask-Limiter counts an address's failures.
FAILURES_REMEMBERED = timedelta(days=1)
SIGN_IN_FAILURES = "sign-in-failures"


def parse_role(spec: str) -> tuple[Role, Unit]:
    """`role@UNIT_CODE` → (role, unit)."""
    role_name, _, unit_code = spec.partition("@")
    try:
        role = Role(role_name.strip())
    except ValueError:
        raise ValidationFailed(T("Vai trò không hợp lệ: %(role)s", role=role_name), {"role": ", ".join(Role)}) from None
    unit = db.session.scalars(select(Unit).where(Unit.code == unit_code.strip())).first()
    if unit is None:
        raise ValidationFailed(T("Không có đơn vị mã %(code)s", code=unit_code), {"role": T("đơn vị không tồn tại")})
    return role, unit


def password_problem(password: str, username: str = "", full_name: str = "") -> str | None:
    """Why `password` is too weak for this user, in plain words; None when it will do."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        return T("ít nhất %(n)s ký tự", n=PASSWORD_MIN_LENGTH)
    if len(password) > limits.PASSWORD:
        return T("tối đa %(n)s ký tự", n=limits.PASSWORD)
    if not password.strip():
        return T("không được chỉ gồm dấu cách")
    folded = password.strip().casefold()
    if folded in {(username or "").strip().casefold(), (full_name or "").strip().casefold()}:
        return T("không được trùng tên đăng nhập hoặc họ tên")
    inputs = [v for v in (username, full_name, *(full_name or "").split()) if v and v.strip()]
    verdict = zxcvbn(password, user_inputs=inputs)
    if verdict["score"] >= PASSWORD_MIN_SCORE:
        return None
    if any(m.get("dictionary_name") == "user_inputs" for m in verdict["sequence"]):
        why = T("chứa tên đăng nhập hoặc họ tên")
    else:
        warning = verdict["feedback"]["warning"] or ""
        why = next((text for key, text in WEAKNESSES if key in warning), None)
    if why:
        return T("mật khẩu quá dễ đoán: %(why)s. Hãy ghép vài từ ít gặp, có thể thêm số", why=why)
    return T("mật khẩu quá dễ đoán. Hãy ghép vài từ ít gặp, có thể thêm số")


def require_strong_password(password: str, user_or_name: User | str, full_name: str = "",
                            field: str = "password") -> None:
    if isinstance(user_or_name, User):
        user_or_name, full_name = user_or_name.username, user_or_name.full_name
    problem = password_problem(password, user_or_name, full_name)
    if problem:
        raise ValidationFailed(T("Mật khẩu chưa đủ mạnh."), {field: problem})


def find_by_username(username: str) -> User | None:
    """The account of `username` as people type it: spaces around it and letter case do not matter."""
    name = normalise_username(username)
    if not name:
        return None
    return db.session.scalars(select(User).where(func.lower(User.username) == name)).first()


def create_user(username: str, password: str, full_name: str, roles: list[str], *, personal_id: str | None = None,
                email: str | None = None, check_strength: bool = True) -> User:
    """A new account. `check_strength=False` is for the demo loader only (its shared, published password); the
    CLI and the pages always judge the password."""
    username = (username or "").strip()
    personal_id = (personal_id or "").strip() or None
    email = (email or "").strip() or None
    errors = {}
    if personal_id and not (len(personal_id) == 12 and personal_id.isascii() and personal_id.isdigit()):
        errors["personal_id"] = T("số định danh cá nhân gồm đúng 12 chữ số")
    elif personal_id and db.session.scalars(select(User).where(User.personal_id == personal_id)).first():
        errors["personal_id"] = T("đã có người dùng mang số định danh này")
    if email and (len(email) > 254 or "@" not in email):
        errors["email"] = T("địa chỉ email không hợp lệ")
    if not username or len(username) > 80:
        errors["username"] = T("bắt buộc, tối đa 80 ký tự")
    elif not USERNAME_PATTERN.fullmatch(username):
        errors["username"] = T("chỉ gồm chữ cái không dấu, chữ số và các dấu . _ - @")
    if not (full_name or "").strip():
        errors["full_name"] = T("bắt buộc")
    if check_strength and (problem := password_problem(password, username, full_name)):
        errors["password"] = problem
    elif len(password or "") < PASSWORD_MIN_LENGTH:
        errors["password"] = T("ít nhất %(n)s ký tự", n=PASSWORD_MIN_LENGTH)
    if errors:
        raise ValidationFailed(T("Thông tin người dùng chưa hợp lệ."), errors)
    if find_by_username(username) is not None:
        raise Conflict(T("Tên đăng nhập %(username)s đã có.", username=username), {"username": T("đã tồn tại")})
    user = User(username=username, full_name=full_name.strip(), personal_id=personal_id, email=email)
    user.set_password(password)
    for spec in roles:
        role, unit = parse_role(spec)
        if (conflict := role_conflict([a.role for a in user.roles], role)) is not None:
            raise ValidationFailed(T("Vai trò không thể cấp cùng nhau."), {"role": conflict})
        user.roles.append(RoleAssignment(role=role.value, unit=unit))
    db.session.add(user)
    db.session.flush()
    # Roles given with the account (the command line, the demo) are grants like any other: the auditor sees them.
    from workflow.services import audit

    for assignment in user.roles:
        audit.record(stream=f"user:{user.id}", unit_id=assignment.unit.id, trigger="role_granted", actor=None,
                     role=None, at=clock.now(), data={"user": user.username, "role": assignment.role,
                                                      "unit": assignment.unit.code, "with_account": True})
    return user


def normalise_username(raw: str | None) -> str:
    """The one spelling of a username that sign-in looks up and throttling counts: Unicode NFKC (full-width letters
    are letters), every surrounding space or tab trimmed, letter case folded."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw or "").casefold())
    return folded.strip()


def _address_limit(config: dict) -> RateLimitItem:
    """The cap on one address's sign-in failures, whatever the usernames (counted by Flask-Limiter's store)."""
    return RateLimitItemPerMinute(config["LOGIN_MAX_FAILURES_PER_ADDRESS"], config["LOGIN_FAILURE_WINDOW_MINUTES"])


def _recent_failures(since: datetime, **match: str) -> tuple[int, datetime | None]:
    """How many sign-in failures matching `match` (username, address) happened since `since`, and the latest's time."""
    conditions = [getattr(LoginFailure, column) == value for column, value in match.items()]
    count, latest = db.session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(LoginFailure.at >= since, *conditions)
    ).one()
    return count or 0, latest


def _pair(username: str, address: str) -> dict[str, str]:
    """A failure's (username, address) as stored: the normalised name and the address, cut to their columns."""
    return {"username": normalise_username(username)[:80], "address": address[:64]}


def _refuse(seconds: float) -> NoReturn:
    seconds = max(1, math.ceil(seconds))
    raise TooManyAttempts(T("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.",
                            minutes=math.ceil(seconds / 60)), retry_after=seconds)


def check_throttle(username: str, address: str, config: dict) -> None:
    """Refuse a sign-in attempt for `username` from `address` while that pair, or the address, must wait.

    Failures count per (username, address): a stranger who guesses the chairman's password from elsewhere slows
    only himself, never the chairman at his own desk."""
    limit = _address_limit(config)
    if not limiter.limiter.test(limit, SIGN_IN_FAILURES, address):
        reset_at, _ = limiter.limiter.get_window_stats(limit, SIGN_IN_FAILURES, address)
        _refuse(reset_at - time.time())
    now, pair = clock.now(), _pair(username, address)
    free = config["LOGIN_FAILURES_BEFORE_BACKOFF"]
    window = now - timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    if _recent_failures(window, username=pair["username"])[0] >= config["LOGIN_MAX_FAILURES_PER_USER"]:
        free = min(free, 1)  # guessed at from many addresses: each address waits after its first failure
    failed, latest = _recent_failures(now - FAILURES_REMEMBERED, **pair)
    if failed >= free and latest is not None:
        wait = min(config["LOGIN_BACKOFF_SECONDS"] * 2 ** min(failed - free, 20), config["LOGIN_BACKOFF_MAX_SECONDS"])
        left = (latest + timedelta(seconds=wait) - now).total_seconds()
        if left > 0:
            _refuse(left)


def authenticate(username: str, password: str) -> User | None:
    """The one place a sign-in looks its user up (the page and the API): the name trimmed, in any letter case."""
    user = find_by_username(username)
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def record_failure(username: str, address: str, config: dict) -> None:
    """Count a failed sign-in against the (username, address) pair and against the address; forget old ones."""
    # The limiter's store commits on its own connection: first, before this session takes SQLite's write lock.
    limiter.limiter.hit(_address_limit(config), SIGN_IN_FAILURES, address)
    now = clock.now()
    db.session.add(LoginFailure(**_pair(username, address), at=now))
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURES_REMEMBERED))


def forget_failures(username: str, address: str) -> None:
    """A successful sign-in clears its pair's failures (the address's cap still counts them)."""
    pair = _pair(username, address)
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == pair["username"],
                                                  LoginFailure.address == pair["address"]))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, hours: int) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = clock.now() + timedelta(hours=hours)
    db.session.add(ApiToken(user_id=user.id, token_hash=digest(token), created_at=clock.now(),
                            expires_at=expires_at))
    return token, expires_at


def user_for_token(token: str) -> User | None:
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(token))).first()
    if row is None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row.user


def revoke_token(token: str) -> bool:
    """Sign a bearer token out for good (its row is deleted, so it answers 401 from now on); False when it was
    not a live token."""
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(token))).first()
    if row is None:
        return False
    db.session.delete(row)
    return True


def change_password(user: User, current: str, new: str, confirm: str, now: datetime | None = None) -> User:
    """The user changes their own password: every other session and every API token ends with the old one."""
    now = now or clock.now()
    errors = {}
    if not user.check_password(current or ""):
        errors["current"] = T("mật khẩu hiện tại không đúng")
    if (problem := password_problem(new, user.username, user.full_name)) is not None:
        errors["new"] = problem
    elif user.check_password(new):
        errors["new"] = T("phải khác mật khẩu hiện tại")
    if (new or "") != (confirm or ""):
        errors["confirm"] = T("hai lần nhập không giống nhau")
    if errors:
        raise ValidationFailed(T("Chưa đổi được mật khẩu."), errors)
    user.set_password(new)
    user.must_change_password = False
    user.end_sessions()
    revoke_all_tokens(user)
    record_account_event(user, user, "password_changed", now)
    return user


def home_unit(user: User, fallback: User | None = None) -> Unit | None:
    """The unit an account's events are kept under: its highest role's unit (so that unit's auditors see them)."""
    for person in (user, fallback):
        if person is not None and person.roles:
            return min((a.unit for a in person.roles), key=lambda unit: (unit.path.count("/"), unit.id))
    return db.session.scalars(select(Unit).order_by(func.length(Unit.path), Unit.id)).first()


def record_account_event(actor: User, user: User, trigger: str, now: datetime, role: str | None = None,
                         **data) -> None:
    """An account's change on its own chain (`user:<id>`), as role changes are; never a password."""
    from workflow.services import audit

    unit = home_unit(user, actor)
    if unit is None:  # no unit exists yet (a first account made from the command line): nothing to file it under
        return
    audit.record(stream=f"user:{user.id}", unit_id=unit.id, trigger=trigger, actor=actor, role=role, at=now,
                 data={"user": user.username, **data})


def tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens that still work, newest first (only their hashes are stored: no token is shown)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.expires_at > clock.now())
                                   .order_by(ApiToken.id.desc())))


def revoke_token_of(actor: User, owner: User, token_id: int, now: datetime | None = None,
                    role: str | None = None) -> None:
    """End one of `owner`'s API tokens (the owner, or an admin over them: the caller checks which); 404 when the
    owner has no such token, whoever else's it is."""
    now = now or clock.now()
    row = db.session.get(ApiToken, token_id) if 1 <= token_id <= limits.ID_MAX else None
    if row is None or row.user_id != owner.id:
        raise NotFound(T("Không tìm thấy token này."))
    db.session.delete(row)
    db.session.flush()
    record_account_event(actor, owner, "token_revoked", now, role, token_id=token_id)


def revoke_all_tokens(user: User) -> int:
    rows = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))
    for row in rows:
        db.session.delete(row)
    return len(rows)
