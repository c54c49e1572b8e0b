"""dossier list indexes: the list's sort (updated_at, id) and the dossiers of a decision

The dossier list sorts by the last change and pages on it; a decision's page, its certificates and its
publication count the dossiers that name it. Without these, both walk the whole table (issue 15).

Revision ID: e15a00000001
Revises: e14a00000004
Create Date: 2026-12-07 13:55:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e15a00000001'
down_revision = 'e14a00000004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_dossiers_updated_at_id", "dossiers", ["updated_at", "id"])
    op.create_index("ix_dossiers_decision_id", "dossiers", ["decision_id"])


def downgrade():
    op.drop_index("ix_dossiers_decision_id", table_name="dossiers")
    op.drop_index("ix_dossiers_updated_at_id", table_name="dossiers")
