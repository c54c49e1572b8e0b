"""dossier id pages: the API's list (ascending ids) of a ward, and of a ward in one state, read from one index

`GET /api/v1/dossiers` pages by ascending id. A ward's first page was found by walking the primary key and
skipping every other ward's rows (tens of thousands for a state filter at a million dossiers); these indexes
give the ward's rows in id order. On PostgreSQL, a pattern index on `units.path` serves the scope's
`path LIKE '/1/2/%'` under any collation (the plain index serves it only under "C").

Revision ID: e15a00000004
Revises: e15a00000003
Create Date: 2026-12-07 19:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e15a00000004'
down_revision = 'e15a00000003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_dossiers_ward_id", "dossiers", ["ward_id", "id"])
    op.create_index("ix_dossiers_ward_state_id", "dossiers", ["ward_id", "state", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_units_path_pattern ON units (path varchar_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_units_path_pattern")
    op.drop_index("ix_dossiers_ward_state_id", table_name="dossiers")
    op.drop_index("ix_dossiers_ward_id", table_name="dossiers")
