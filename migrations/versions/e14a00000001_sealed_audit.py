"""sealed audit: unit and actor hashed, seals, TRUNCATE refused

Events written from now on hash their unit and actor too (`hash_version` 2). Events already written keep their
hash and are marked version 1: nothing is rewritten here. `flask audit-reseal` then appends, to each chain that
still has version-1 events, an audited event that attests their unit and actor (see README, "Audit, sealed").

Seals (`audit_seals`, `audit_seal_heads`) are written once and never changed, like the events; on PostgreSQL a
statement trigger refuses TRUNCATE of all three, and `flask init-db` grants the application's own role (the user
of DATABASE_URL, when the schema is owned by MIGRATION_DATABASE_URL's) only SELECT and INSERT on them.

Revision ID: e14a00000001
Revises: 859c1056cb0c
Create Date: 2026-12-07 12:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e14a00000001'
down_revision = '859c1056cb0c'
branch_labels = None
depends_on = None

SEALED = ("audit_seals", "audit_seal_heads")


def _stream():
    return sa.String(40).with_variant(sa.String(40, collation="C"), "postgresql")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    # A plain ADD COLUMN on both databases: SQLite's batch mode would copy the table and lose its triggers.
    op.add_column("audit_events", sa.Column("hash_version", sa.SmallInteger(), nullable=False, server_default="1"))
    if postgresql:
        # Binary order for the stream, as Python and SQLite sort it (an index rebuild, no row is touched).
        op.execute('ALTER TABLE audit_events ALTER COLUMN stream TYPE VARCHAR(40) COLLATE "C"')
    op.create_table(
        "audit_seals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("sealed_by", sa.String(80), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("streams", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "audit_seal_heads",
        sa.Column("seal_id", sa.Integer(), sa.ForeignKey("audit_seals.id"), primary_key=True),
        sa.Column("stream", _stream(), primary_key=True),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_seal_heads_stream_seal", "audit_seal_heads", ["stream", "seal_id"])
    op.create_table(
        "audit_verifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("dossiers", sa.Integer(), nullable=False),
        sa.Column("streams", sa.Integer(), nullable=False),
        sa.Column("seal_id", sa.Integer(), sa.ForeignKey("audit_seals.id")),
        sa.Column("problems", sa.JSON(), nullable=False),
    )
    if postgresql:
        op.execute("""
            CREATE FUNCTION audit_records_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit records are never updated, deleted or truncated';
            END $$
        """)
        for table in SEALED:
            op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_records_immutable()")
        for table in ("audit_events", *SEALED):
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_immutable()")
    else:
        for table in SEALED:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'audit records are never updated or deleted'); END")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for table in ("audit_events", *SEALED):
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        for table in SEALED:
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        op.execute("DROP FUNCTION audit_records_immutable()")
    op.drop_table("audit_verifications")
    op.drop_index("ix_audit_seal_heads_stream_seal", table_name="audit_seal_heads")
    op.drop_table("audit_seal_heads")
    op.drop_table("audit_seals")
    if postgresql:
        op.execute("ALTER TABLE audit_events ALTER COLUMN stream TYPE VARCHAR(40)")
    op.drop_column("audit_events", "hash_version")
