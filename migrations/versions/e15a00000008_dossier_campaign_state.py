"""dossier campaign and state: a campaign's dossiers of one state found directly

The public pages ask, per campaign, for its recognized dossiers (which campaigns have a public list, the list
itself, its progress): with the campaign's index alone each probe read all of the campaign's dossiers to find
them. (campaign_id, state) replaces the index on campaign_id.

Revision ID: e15a00000008
Revises: e15a00000007
Create Date: 2026-12-07 20:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e15a00000008'
down_revision = 'e15a00000007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_dossiers_campaign_state", "dossiers", ["campaign_id", "state"])
    op.drop_index("ix_dossiers_campaign_id", table_name="dossiers")


def downgrade():
    op.create_index("ix_dossiers_campaign_id", "dossiers", ["campaign_id"])
    op.drop_index("ix_dossiers_campaign_state", table_name="dossiers")
