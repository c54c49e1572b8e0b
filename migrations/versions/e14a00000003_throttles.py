"""throttles: failures per username and address; rate_limit_hits for Flask-Limiter's database store

Owned by: throttles (issue 14).

Revision ID: e14a00000003
Revises: e14a00000002
Create Date: 2026-12-07 12:45:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e14a00000003'
down_revision = 'e14a00000002'
branch_labels = None
depends_on = None


def _normalise(raw):
    # The same as workflow.services.accounts.normalise_username, frozen here as this revision knew it.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw or "").casefold())
    return folded.strip()[:80]


def upgrade():
    # Flask-Limiter's counters when RATELIMIT_STORAGE_URI is kieumau+db:// (one row per limit, key and window).
    op.create_table(
        'rate_limit_hits',
        sa.Column('key', sa.String(length=255), nullable=False, comment='the limit and who it counts'),
        sa.Column('count', sa.Integer(), nullable=False, comment='hits in the current window'),
        sa.Column('expires_at', sa.Double(), nullable=False, comment='end of the window, Unix seconds'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_hits')),
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_hits_expires_at'), ['expires_at'], unique=False)

    # Failures are now counted under the username as sign-in reads it ("Chairman\t" is chairman): fold the ones
    # already kept, so a guess made just before the upgrade still counts after it.
    failures = sa.table('login_failures', sa.column('id', sa.Integer), sa.column('username', sa.String))
    connection = op.get_bind()
    for row_id, username in connection.execute(sa.select(failures.c.id, failures.c.username)).all():
        if _normalise(username) != username:
            connection.execute(failures.update().where(failures.c.id == row_id).values(username=_normalise(username)))
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_username_address_at', ['username', 'address', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_username_address_at')
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_hits_expires_at'))
    op.drop_table('rate_limit_hits')
