"""kieumau: the Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, IntegerConverter

from states.labels import N_
from states.text import T
from workflow import limits
from workflow.extensions import babel, csrf, db, limiter, login_manager, migrate

HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_failed",
              429: "too_many_attempts"}
HTTP_MESSAGES = {400: N_("Yêu cầu không hợp lệ."), 401: N_("Cần đăng nhập."), 403: N_("Bạn không có quyền truy cập."),
                 404: N_("Không tìm thấy trang hoặc dữ liệu."), 405: N_("Phương thức không được hỗ trợ."),
                 413: N_("Tệp hoặc nội dung quá lớn."), 429: N_("Quá nhiều yêu cầu, vui lòng thử lại sau.")}
CSRF_MESSAGE = N_("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (CSRF). Vui lòng tải lại trang.")


def create_app(config: object | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    if config is None:
        from config import Config, ProductionConfig

        config = ProductionConfig() if os.environ.get("FLASK_ENV") == "production" else Config
    app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        from workflow.secret_key import load_or_create

        app.config["SECRET_KEY"] = load_or_create(app.config["SECRET_KEY_FILE"])
    app.json.ensure_ascii = False  # Vietnamese text as-is, UTF-8 (API.md)
    _register_converters(app)  # before any blueprint adds its rules
    _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    _plan_each_query(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    _register_limits(app)
    from workflow.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    @app.before_request
    def _choose_language_afresh() -> None:
        # Babel caches the locale on `g`; a request must read the user's current choice.
        from flask_babel import refresh

        refresh()

    import models  # noqa: F401  (register every table on the metadata)
    from workflow import cli, filters, navigation, uow
    from workflow.admin import bp as admin_bp
    from workflow.api import bp as api_bp
    from workflow.audit import bp as audit_bp
    from workflow.auth import bp as auth_bp
    from workflow.dossiers import bp as dossiers_bp
    from workflow.inbox import bp as inbox_bp
    from workflow.meetings import bp as meetings_bp
    from workflow.meetings import groups_bp
    from workflow.public import bp as public_bp
    from workflow.review import bp as review_bp
    from workflow.services import (
        deadlines,  # noqa: F401  (its flush hook stores each dossier's deadline)
        notify,  # noqa: F401  (its in-transaction writer tells people of each step)
    )
    from workflow.stats import bp as stats_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(dossiers_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(admin_bp)
    # API.md's path for the decision paper (the chairman's other pages live under /review).
    app.add_url_rule("/decisions/<int:decision_id>/document", "decision_document",
                     app.view_functions["review.decision_document"])
    cli.register(app)
    uow.register(app)
    _register_security_headers(app)
    filters.register(app)
    navigation.register(app)
    _register_errors(app)
    return app


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Our own files only (scripts are never inline); inline style attributes are allowed for the unit tree.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
}


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def secure(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("STRICT_TRANSPORT_SECURITY"):  # production only: a browser then refuses plain HTTP
            response.headers.setdefault("Strict-Transport-Security", app.config["STRICT_TRANSPORT_SECURITY"])
        return response


class IdConverter(IntegerConverter):
    """`<int:…>` everywhere: ASCII digits only (werkzeug's `\\d` also takes "١٢"), 1..limits.ID_MAX. Anything
    else matches no route (404), so an id the database cannot hold never reaches a query."""

    regex = f"[0-9]{{1,{len(str(limits.ID_MAX))}}}"
    json_schema = {"type": "integer", "minimum": 1, "maximum": limits.ID_MAX}

    def __init__(self, map, fixed_digits: int = 0, min: int = 1, max: int = limits.ID_MAX, signed: bool = False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)


class CodeConverter(BaseConverter):
    """`<code:…>`: a tracking or certificate code as people type it (ASCII letters and digits)."""

    regex = f"[A-Za-z0-9]{{1,{limits.TRACKING_CODE}}}"
    json_schema = {"type": "string", "pattern": f"^[A-Za-z0-9]{{1,{limits.TRACKING_CODE}}}$"}


class CertificateCodeConverter(BaseConverter):
    """`<certificate:…>`: a certificate's code as printed ("2026-7QX4PA9K"), in any case."""

    regex = "[A-Za-z0-9-]{1,20}"
    json_schema = {"type": "string", "pattern": "^[A-Za-z0-9-]{1,20}$"}


def _plan_each_query(app: Flask) -> None:
    """On PostgreSQL, no server-side prepared statements: psycopg prepares a query from its fifth run, and the
    server may then switch to a generic plan that ignores the values (a ward's scope planned like the
    province's: 0.4 s became 6.5 s for the same search). Each query is planned with its own values instead."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _register_converters(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["code"] = CodeConverter
    app.url_map.converters["certificate"] = CertificateCodeConverter


def _register_limits(app: Flask) -> None:
    """Flask-Limiter in the store RATELIMIT_STORAGE_URI names, and the client's address as seen through
    TRUSTED_PROXIES reverse proxies (0: X-Forwarded-For is not believed, whoever sends it)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from workflow import ratelimit_storage  # noqa: F401  (registers the kieumau+db:// store)
    from workflow.public import ratelimit

    trusted = int(app.config.get("TRUSTED_PROXIES") or 0)
    if trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)
    limiter.init_app(app)
    ratelimit.register(app)


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _register_errors(app: Flask) -> None:
    from flask_babel import gettext
    from sqlalchemy.exc import DataError, IntegrityError, OperationalError

    from workflow.filters import translated
    from workflow.services.errors import BadRequest, Conflict, ServiceError

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, error.description or "Lỗi")
        # The exception's own headers stay: Allow on a 405, Retry-After, WWW-Authenticate.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        if wants_json():
            if status == 400 and "CSRF" not in (error.description or ""):
                message = "Yêu cầu không hợp lệ (JSON sai cú pháp?)."
            return jsonify({"error": {"code": HTTP_CODES.get(status, "error"), "message": message,
                                      "fields": {}}}), status, headers
        if "CSRF" in (error.description or ""):
            message = CSRF_MESSAGE
        return render_template("error.html", status=status, message=gettext(message)), status, headers

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        # Two writers raced for the same unique row (a chain's next seq, a decision number): tell the
        # client to retry instead of failing with a 500.
        db.session.rollback()
        refusal = Conflict(T("Dữ liệu vừa được người khác thay đổi cùng lúc. Vui lòng thử lại."))
        return service_error(refusal)

    @app.errorhandler(OperationalError)
    def contention(error: OperationalError):
        # Lock contention between simultaneous writers is worth a retry; anything else is a real fault.
        busy = getattr(error.orig, "sqlstate", None) in ("40P01", "40001", "55P03") or "locked" in str(error.orig)
        if not busy:
            raise error
        db.session.rollback()
        return service_error(Conflict(T("Hồ sơ đang được người khác xử lý cùng lúc. Vui lòng thử lại.")))

    @app.errorhandler(DataError)
    def data_error(error: DataError):
        # A value the database cannot hold (a NUL byte, a number out of range) came from the client.
        db.session.rollback()
        return service_error(BadRequest(T("Dữ liệu gửi lên có ký tự hoặc giá trị không hợp lệ.")))

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        from workflow.uow import discard

        discard()
        if wants_json():
            return jsonify(error.as_json()), error.status, error.headers()
        return (render_template("error.html", status=error.status, message=translated(error.message)), error.status,
                error.headers())
