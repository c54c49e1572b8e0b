"""certificate codes, the published list of a decision, a campaign's grounds

Revision ID: c3d8e2a41f07
Revises: 91891313f415
Create Date: 2026-12-06 15:50:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d8e2a41f07'
down_revision = '91891313f415'
branch_labels = None
depends_on = None

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_code', sa.String(length=20), nullable=True,
                                      comment='printed on the certificate and its QR; set when recognized'))
        batch_op.create_unique_constraint(batch_op.f('uq_dossiers_certificate_code'), ['certificate_code'])
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_on', sa.Date(), nullable=True,
                                      comment="the day the list of those recognized was posted publicly (Vietnam's date)"))
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_decisions_published_by_id_users'), 'users', ['published_by_id'],
                                    ['id'])
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grounds', sa.Text(), nullable=False, server_default='',
                                      comment="the decision's Căn cứ, one per line; empty: the standard grounds"))

    # Dossiers recognized (or later revoked) before certificates existed get their code now.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT d.id, c.year FROM dossiers d JOIN campaigns c ON c.id = d.campaign_id "
        "WHERE d.state IN ('recognized', 'revoked') AND d.certificate_code IS NULL")).all()
    used = set()
    for dossier_id, year in rows:
        code = None
        while code is None or code in used:
            code = f"{year}-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))
        used.add(code)
        conn.execute(sa.text("UPDATE dossiers SET certificate_code = :code WHERE id = :id"),
                     {"code": code, "id": dossier_id})


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('grounds')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_decisions_published_by_id_users'), type_='foreignkey')
        batch_op.drop_column('published_by_id')
        batch_op.drop_column('published_on')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_dossiers_certificate_code'), type_='unique')
        batch_op.drop_column('certificate_code')
