"""files and recovery: pending uploads

Owned by: files and recovery (issue 14). No schema change was needed: pending uploads are files (UPLOAD_FOLDER/.pending)
made final after the commit, and the outbox's claim lease uses the existing deliveries.claimed_by / claimed_until.
The revision stays so the chain of issue 14's migrations is unbroken.

Revision ID: e14a00000004
Revises: e14a00000003
Create Date: 2026-12-07 12:45:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'e14a00000004'
down_revision = 'e14a00000003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
