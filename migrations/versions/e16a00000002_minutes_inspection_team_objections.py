"""minutes v2, the inspection team, objections written down for a resident

The group meeting's minutes carry start and end time, place, secretary, who attended by name and role, how the
vote was taken and what was said; the ward's inspection its team (a head and members) and its start and end time;
an objection the group's committee or the inspector writes down names the resident who made it (issue 16). Every
new column is nullable: existing rows migrate as "not recorded".

Revision ID: e16a00000002
Revises: e16a00000001
Create Date: 2026-12-07 22:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e16a00000002'
down_revision = 'e16a00000001'
branch_labels = None
depends_on = None


def _meeting():
    return (
        sa.Column("started_at", sa.Time(), nullable=True, comment="when the meeting began (Vietnam time)"),
        sa.Column("ended_at", sa.Time(), nullable=True, comment="when it ended (Vietnam time)"),
        sa.Column("place", sa.String(length=300), nullable=True, comment="where it was held"),
        sa.Column("secretary", sa.String(length=200), nullable=True, comment="who wrote the minutes (thư ký)"),
        sa.Column("participants", sa.JSON(), nullable=True,
                  comment="who attended by name and role: [{name, role}] (party cell secretary, the Front, ...)"),
        sa.Column("vote_method", sa.String(length=20), nullable=True,
                  comment="VoteMethod value: show_of_hands | secret_ballot"),
        sa.Column("opinions", sa.Text(), nullable=True, comment="what was said at the meeting"),
    )


def _dossier():
    return (
        sa.Column("inspection_team", sa.JSON(), nullable=True,
                  comment="the steering committee's inspection team: [{name, role: head | member}]"),
        sa.Column("inspection_started_at", sa.Time(), nullable=True, comment="the inspection's start (Vietnam time)"),
        sa.Column("inspection_ended_at", sa.Time(), nullable=True, comment="the inspection's end (Vietnam time)"),
    )


def _objection():
    return (
        sa.Column("resident_name", sa.String(length=200), nullable=True,
                  comment="the resident who objected on paper or in person, when written down for them"),
    )


TABLES = (("group_meetings", _meeting), ("dossiers", _dossier), ("objections", _objection))


def upgrade():
    # Plain ADD COLUMN (nullable, no constraint) on both databases: no table copy on SQLite.
    for table, columns in TABLES:
        for column in columns():
            op.add_column(table, column)


def downgrade():
    for table, columns in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns()):
                batch.drop_column(column.name)
