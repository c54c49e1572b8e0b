"""stats snapshots: a province's statistics computed by a job and read by its leaders' pages

At a million dossiers a province's figures read every dossier and every state change of its wards (seconds to
tens of seconds); `flask stats-refresh` computes them outside any request and stores them here, one row per unit
and title.

Revision ID: e15a00000006
Revises: e15a00000005
Create Date: 2026-12-07 20:05:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e15a00000006'
down_revision = 'e15a00000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=30), nullable=False, comment="a title's value; empty: every title"),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False, comment="services/stats.Stats.json() as computed then"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_stats_snapshots_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_snapshots")),
        sa.UniqueConstraint("unit_id", "title", name=op.f("uq_stats_snapshots_unit_id_title")),
    )


def downgrade():
    op.drop_table("stats_snapshots")
