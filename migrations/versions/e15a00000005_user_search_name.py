"""user search name: the audit log's person filter finds actors in SQL, not by folding every user's name in Python

`users.search_name` holds the full name folded as the app folds search text (lower case, no diacritics, đ → d);
the app keeps it at every write. On PostgreSQL a trigram index serves `LIKE '%…%'` on it. The existing rows are
folded here, a batch at a time.

Revision ID: e15a00000005
Revises: e15a00000004
Create Date: 2026-12-07 19:40:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e15a00000005'
down_revision = 'e15a00000004'
branch_labels = None
depends_on = None


def _fold(text: str) -> str:  # workflow/services/search.py `fold`, as it was when this ran
    text = text.replace("\x00", "")
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("search_name", sa.String(200), nullable=False, server_default=""))
    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("full_name", sa.String),
                     sa.column("search_name", sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(users.c.id, users.c.full_name).where(users.c.id > last)
                            .order_by(users.c.id).limit(5000)).all()
        if not rows:
            break
        bind.execute(sa.update(users).where(users.c.id == sa.bindparam("b_id"))
                     .values(search_name=sa.bindparam("b_name")),
                     [{"b_id": row.id, "b_name": _fold(row.full_name or "")} for row in rows])
        last = rows[-1].id
    if bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_users_search_name_trgm ON users USING gin (search_name gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_users_search_name_trgm")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("search_name")
