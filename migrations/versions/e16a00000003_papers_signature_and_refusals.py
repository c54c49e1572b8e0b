"""papers as a ward issues them: who signs (decision_authority), the chairman's days counted per rule, the reasons
of a refusal notice

A campaign says whether its decisions are the chairman's own (signed CHỦ TỊCH, the default of Decree 86/2023) or
the People's Committee's as a body (TM. ỦY BAN NHÂN DÂN), and whether the chairman's days count working days
(default: calendar days, as Decree 86/2023 gives them). A refusal is a notice with each household's reasons.

Revision ID: e16a00000003
Revises: e16a00000002
Create Date: 2026-12-07 22:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e16a00000003'
down_revision = 'e16a00000002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column(
            "decision_working_days", sa.Boolean(), nullable=False, server_default=sa.false(),
            comment="count the chairman's days in working days (else calendar days, Decree 86)"))
        batch.add_column(sa.Column(
            "decision_authority", sa.String(length=10), nullable=False, server_default="chairman",
            comment="who signs: chairman (CHỦ TỊCH) or committee (TM. ỦY BAN NHÂN DÂN)"))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("reasons", sa.JSON(), nullable=True,
                                   comment="a refusal notice: each dossier's reasons, {dossier_id: text}"))


def downgrade():
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("reasons")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("decision_authority")
        batch.drop_column("decision_working_days")
