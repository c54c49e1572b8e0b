"""certificates printed on the ward's pre-printed blanks (phôi): where each text goes, set once per ward

A ward prints its certificates onto cards that already carry the national name, the motto, the emblem, the frame
and CÔNG NHẬN; the system prints only the variable text, each piece where that ward's card expects it. The layout
(page size, and per piece x, y, width and font size in millimetres and points) is kept on the ward's unit row;
none means the defaults of a typical A4-landscape card (workflow/services/blanks.py). Nullable: every unit
migrates as "not set".

Revision ID: e16a00000004
Revises: e16a00000003
Create Date: 2026-12-08 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e16a00000004'
down_revision = 'e16a00000003'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (nullable, no constraint) on both databases: no table copy on SQLite.
    op.add_column("units", sa.Column(
        "blank_layout", sa.JSON(), nullable=True,
        comment="a ward's pre-printed certificate blanks: page size and where each text goes "
                "(services/blanks.py); none: the defaults"))


def downgrade():
    with op.batch_alter_table("units") as batch:
        batch.drop_column("blank_layout")
