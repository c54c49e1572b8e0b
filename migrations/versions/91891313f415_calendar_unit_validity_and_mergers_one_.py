"""calendar, unit validity and mergers, one meeting per group

Revision ID: 91891313f415
Revises: 500f11d8e521
Create Date: 2026-11-25 16:52:09.361988

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '91891313f415'
down_revision = '500f11d8e521'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='day_off | working_day'),
    sa.Column('name', sa.String(length=200), nullable=False, server_default=''),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_calendar_days_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_days_day'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_working_days', sa.Boolean(), nullable=False, server_default=sa.false(),
                                      comment='count the public notice in working days (else calendar days)'))
        batch_op.add_column(sa.Column('decision_days', sa.Integer(), nullable=False, server_default='10',
                                      comment='working days to decide a complete dossier'))
        batch_op.add_column(sa.Column('publication_days', sa.Integer(), nullable=False, server_default='15',
                                      comment='days to publish those recognized'))

    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_ends_on', sa.Date(), nullable=True, comment="last day of the public notice now running (Vietnam's date), fixed when it is posted"))

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True, comment='first day the unit exists (none: always)'))
        batch_op.add_column(sa.Column('valid_to', sa.Date(), nullable=True, comment='last day the unit exists (none: still exists)'))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True, comment='its successor after a merger'))
        batch_op.create_foreign_key(batch_op.f('fk_units_merged_into_id_units'), 'units', ['merged_into_id'], ['id'])

    # One meeting per group and campaign: the per-dossier meetings become one meeting (the latest recorded in the
    # group) plus each dossier's votes in favour.
    conn = op.get_bind()
    old = conn.execute(sa.text(
        "SELECT m.dossier_id, m.held_on, m.invited, m.attendees, m.votes_for, d.unit_id, d.campaign_id "
        "FROM group_meetings m JOIN dossiers d ON d.id = m.dossier_id ORDER BY m.held_on, m.id")).fetchall()
    op.drop_table('group_meetings')
    op.create_table('group_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False, comment='the residential group (or agency)'),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('chaired_by', sa.String(length=200), nullable=False, server_default='', comment='who chaired it (chủ trì)'),
    sa.Column('note', sa.Text(), nullable=False, server_default='', comment="the minutes' text"),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_group_meetings_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_group_meetings_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_group_meetings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_meetings')),
    sa.UniqueConstraint('unit_id', 'campaign_id', name=op.f('uq_group_meetings_unit_id_campaign_id'))
    )
    with op.batch_alter_table('group_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_meetings_campaign_id'), ['campaign_id'], unique=False)
    op.create_table('meeting_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_meeting_votes_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['group_meetings.id'], name=op.f('fk_meeting_votes_meeting_id_group_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_votes')),
    sa.UniqueConstraint('dossier_id', name=op.f('uq_meeting_votes_dossier_id'))
    )
    with op.batch_alter_table('meeting_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_votes_meeting_id'), ['meeting_id'], unique=False)

    meetings: dict = {}
    for row in old:  # the latest meeting of a group wins
        meetings[(row.unit_id, row.campaign_id)] = row
    now = datetime.now(UTC).replace(tzinfo=None)
    ids = {}
    for (unit_id, campaign_id), row in meetings.items():
        conn.execute(sa.text(
            "INSERT INTO group_meetings (unit_id, campaign_id, held_on, invited, attendees, chaired_by, note, "
            "updated_at) VALUES (:u, :c, :h, :i, :a, '', '', :now)"),
            {"u": unit_id, "c": campaign_id, "h": row.held_on, "i": row.invited, "a": row.attendees, "now": now})
        ids[(unit_id, campaign_id)] = conn.execute(sa.text(
            "SELECT id FROM group_meetings WHERE unit_id = :u AND campaign_id = :c"),
            {"u": unit_id, "c": campaign_id}).scalar_one()
    for row in old:
        conn.execute(sa.text("INSERT INTO meeting_votes (meeting_id, dossier_id, votes_for) VALUES (:m, :d, :v)"),
                     {"m": ids[(row.unit_id, row.campaign_id)], "d": row.dossier_id, "v": row.votes_for})


def downgrade():
    rows = op.get_bind().execute(sa.text(
        "SELECT v.dossier_id, m.held_on, m.invited, m.attendees, v.votes_for "
        "FROM meeting_votes v JOIN group_meetings m ON m.id = v.meeting_id")).fetchall()
    op.drop_table('meeting_votes')
    op.drop_table('group_meetings')
    op.create_table('group_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name='fk_group_meetings_dossier_id_dossiers', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_group_meetings'),
    sa.UniqueConstraint('dossier_id', name='uq_group_meetings_dossier_id'),
    )
    for row in rows:
        op.get_bind().execute(sa.text(
            "INSERT INTO group_meetings (dossier_id, held_on, invited, attendees, votes_for) "
            "VALUES (:d, :h, :i, :a, :v)"), dict(d=row.dossier_id, h=row.held_on, i=row.invited, a=row.attendees,
                                                  v=row.votes_for))

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_units_merged_into_id_units'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')

    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('notice_ends_on')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('publication_days')
        batch_op.drop_column('decision_days')
        batch_op.drop_column('notice_working_days')

    op.drop_table('calendar_days')
