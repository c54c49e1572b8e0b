"""dossier search by trigrams: a name typed anywhere in the province is found through a GIN index

`search_text` already holds the folded name, personal number and tracking code (accents and case removed by the
app's own folding, which also turns đ into d — what `unaccent` would do, done once at write time). On
PostgreSQL a trigram GIN index (pg_trgm, a trusted extension the schema's owner may create) serves
`search_text LIKE '%…%'` for three characters or more instead of reading every dossier. SQLite keeps its scan.

Revision ID: e15a00000003
Revises: e15a00000002
Create Date: 2026-12-07 16:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e15a00000003'
down_revision = 'e15a00000002'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_dossiers_search_trgm ON dossiers USING gin (search_text gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_dossiers_search_trgm")
