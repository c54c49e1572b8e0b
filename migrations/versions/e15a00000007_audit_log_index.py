"""audit log index: the log newest first, each entry carrying its unit

The audit log (and the leaders' home) lists a ward's events newest first. Joined to the units by path, a ward's
page read all its events (65k at a million dossiers) to sort them; walking (at, id) backwards and filtering each
entry's unit (an INCLUDE column on PostgreSQL, no heap read) finds the 51 newest after a few thousand entries.
It replaces the index on `at` alone.

Revision ID: e15a00000007
Revises: e15a00000006
Create Date: 2026-12-07 20:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e15a00000007'
down_revision = 'e15a00000006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_events_at_id", "audit_events", ["at", "id"], postgresql_include=["unit_id"])
    op.drop_index("ix_audit_events_at", table_name="audit_events")


def downgrade():
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.drop_index("ix_audit_events_at_id", table_name="audit_events")
