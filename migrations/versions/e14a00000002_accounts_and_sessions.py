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
    # Two accounts whose names differ only in case cannot both keep their name: the operator decides which one is
    # renamed (nothing is renamed silently).
    clashes = op.get_bind().execute(sa.text(
        "SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1")).scalars().all()
    if clashes:
        raise RuntimeError("Usernames that differ only in case must be renamed before this migration: "
                           + ", ".join(sorted(clashes)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'session_version', sa.Integer(), nullable=False, server_default='1',
            comment='carried in the session cookie; raised at sign-out, a password change or reset and '
                    'deactivation, so every cookie issued before stops working'))
        batch_op.add_column(sa.Column(
            'must_change_password', sa.Boolean(), nullable=False, server_default=sa.false(),
            comment='an admin set a temporary password: every page leads to the change-password page until '
                    'changed'))
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)


def downgrade():
    op.drop_index('uq_users_username_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_version')
