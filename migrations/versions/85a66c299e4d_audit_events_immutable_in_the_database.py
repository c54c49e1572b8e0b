"""audit events immutable in the database

Events are never updated or deleted: the ORM refuses it, and from this revision the database does too, so
a script or a console that bypasses the application cannot quietly rewrite history (the hash chain would
still reveal it).

Revision ID: 85a66c299e4d
Revises: 4eebb9aab371
Create Date: 2026-11-25 09:16:36.362223

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '85a66c299e4d'
down_revision = '4eebb9aab371'
branch_labels = None
depends_on = None

MESSAGE = "audit events are never updated or deleted"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END $$
        """)
        op.execute("""
            CREATE TRIGGER audit_events_immutable BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_immutable()
        """)
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{action.lower()} BEFORE {action} ON audit_events
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_immutable ON audit_events")
        op.execute("DROP FUNCTION audit_events_immutable()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
