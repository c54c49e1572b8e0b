"""accounts and sessions: session version, temporary passwords, case-insensitive usernames

Owned by: accounts and sessions (issue 14).

Revision ID: e14a00000002
Revises: e14a00000001
Create Date: 2026-12-07 12:45:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'e14a00000002'
down_revision = 'e14a00000001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
