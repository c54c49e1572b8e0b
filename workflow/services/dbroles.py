"""PostgreSQL roles: the migration role owns the schema; the application's role may change ordinary tables but
only read and append the audit (a stolen app password, or a bug, cannot rewrite history)."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

APPEND_ONLY = ("audit_events", "audit_seals", "audit_seal_heads")


def app_role_to_grant(app_url: str, owner_url: str) -> str | None:
    """The app's role when it differs from the owner's (PostgreSQL only), else None."""
    if not owner_url or not app_url.startswith("postgresql"):
        return None
    app_user, owner_user = make_url(app_url).username, make_url(owner_url).username
    return app_user if app_user and app_user != owner_user else None


def grant_app_role(owner_url: str, role: str) -> None:
    """Give `role` what the application needs and no more; run after every migration (init-db does)."""
    engine = create_engine(owner_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            quoted = connection.dialect.identifier_preparer.quote(role)
            connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
            connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"))
            connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
            tables = ", ".join(APPEND_ONLY)
            connection.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {tables} FROM {quoted}"))
            connection.execute(text(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}"))
    finally:
        engine.dispose()
