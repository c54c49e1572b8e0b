"""paper jobs: the certificates of a big decision made as one PDF outside the request

A decision of thousands of dossiers takes minutes to print as one PDF; the page asks for it, a `flask render-papers`
worker claims the job (a lease, FOR UPDATE SKIP LOCKED) and writes the file, and the page serves it when made.

Revision ID: e15a00000009
Revises: e15a00000008
Create Date: 2026-12-07 22:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e15a00000009'
down_revision = 'e15a00000008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "paper_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False, comment="what paper: decision_certificates"),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False, comment="sha256 of what the paper says, as asked"),
        sa.Column("status", sa.String(length=10), nullable=False, comment="queued, running, done, failed"),
        sa.Column("sheets", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("file_name", sa.String(length=120), nullable=False, comment="the PDF in PAPERS_FOLDER, once made"),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=op.f("fk_paper_jobs_decision_id_decisions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_paper_jobs_requested_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_jobs")),
        sa.UniqueConstraint("kind", "decision_id", "key", name=op.f("uq_paper_jobs_kind_decision_id_key")),
    )
    op.create_index("ix_paper_jobs_status_id", "paper_jobs", ["status", "id"])
    op.create_index(op.f("ix_paper_jobs_decision_id"), "paper_jobs", ["decision_id"])


def downgrade():
    op.drop_index(op.f("ix_paper_jobs_decision_id"), table_name="paper_jobs")
    op.drop_index("ix_paper_jobs_status_id", table_name="paper_jobs")
    op.drop_table("paper_jobs")
