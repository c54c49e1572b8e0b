"""numbers per year and symbol, the register of certificates, revocation by a decision

A decision's number ("135/QĐ-UBND") is kept as its year, symbol and serial, unique per ward (the same number next
year is another paper); existing numbers are read the same way, one that does not read (or repeats an earlier one)
keeps a null serial. Each certificate gets its Số vào sổ per ward and year in the order issued (existing ones
numbered by their decision's date), with the ward's counter per year; a revoked title points at the decision that
took it back (issue 16).

Revision ID: e16a00000001
Revises: e15a00000009
Create Date: 2026-12-07 22:40:00

"""
import re
import unicodedata
import warnings
from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e16a00000001'
down_revision = 'e15a00000009'
branch_labels = None
depends_on = None

_SHAPE = re.compile(r"^([0-9]{1,6})/([^\W_]+(?:-[^\W_]+)*)$")  # as workflow/numbers.py reads it


def _parse(raw):
    text = re.sub(r"\s+", "", unicodedata.normalize("NFC", raw or "")).replace("–", "-").replace("—", "-")
    found = _SHAPE.match(text)
    if found is None or int(found.group(1)) == 0 or len(found.group(2)) > 40:
        return None
    return int(found.group(1)), found.group(2).upper()


def _day(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _quietly(step):
    """SQLite's batch copy reflects the tables the decisions refer to: users' expression index is not reflected
    (nor needed) and says so."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        step()


def upgrade():
    _quietly(_upgrade)


def downgrade():
    _quietly(_downgrade)


def _upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number_year", sa.Integer(), nullable=True,
                                      comment="the register's year: the year it was signed"))
        batch_op.add_column(sa.Column("number_symbol", sa.String(length=40), nullable=True,
                                      comment="QĐ-UBND, TB-UBND (upper case)"))
        batch_op.add_column(sa.Column("number_serial", sa.Integer(), nullable=True,
                                      comment="135 (leading zeros dropped); null for an older number that is not "
                                              "serial/symbol"))
        batch_op.drop_constraint(batch_op.f("uq_decisions_unit_id_number"), type_="unique")

    seen = set()
    update = sa.text("UPDATE decisions SET number_year = :year, number_symbol = :symbol, number_serial = :serial "
                     "WHERE id = :id")
    for row in bind.execute(sa.text("SELECT id, unit_id, number, signed_on FROM decisions ORDER BY signed_on, id")):
        parsed, year = _parse(row.number), _day(row.signed_on).year
        key = (row.unit_id, year, *(parsed or ()))
        if parsed is None or key in seen:
            bind.execute(update, {"year": year, "symbol": parsed[1] if parsed else None, "serial": None, "id": row.id})
            continue
        seen.add(key)
        bind.execute(update, {"year": year, "symbol": parsed[1], "serial": parsed[0], "id": row.id})

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_decisions_unit_id_number_year_number_symbol_number_serial"),
            ["unit_id", "number_year", "number_symbol", "number_serial"])

    op.create_table(
        "certificate_registers",
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False, comment="the last Số vào sổ given this year"),
        sa.ForeignKeyConstraint(["ward_id"], ["units.id"], name=op.f("fk_certificate_registers_ward_id_units")),
        sa.PrimaryKeyConstraint("ward_id", "year", name=op.f("pk_certificate_registers")),
    )

    if bind.dialect.name == "sqlite":  # ADD COLUMN … REFERENCES: no table copy
        op.execute("ALTER TABLE dossiers ADD COLUMN revoked_by_decision_id INTEGER "
                   "CONSTRAINT fk_dossiers_revoked_by_decision_id_decisions REFERENCES decisions (id)")
    else:
        op.add_column("dossiers", sa.Column(
            "revoked_by_decision_id", sa.Integer(), nullable=True,
            comment="the numbered decision that took the title back (Quyết định thu hồi)"))
        op.create_foreign_key(op.f("fk_dossiers_revoked_by_decision_id_decisions"), "dossiers", "decisions",
                              ["revoked_by_decision_id"], ["id"])
    op.add_column("dossiers", sa.Column(
        "certificate_year", sa.Integer(), nullable=True,
        comment="the year of the ward's register of certificates it was entered in (the decision's year)"))
    op.add_column("dossiers", sa.Column(
        "certificate_number", sa.Integer(), nullable=True,
        comment="Số vào sổ: 1, 2, 3… per ward and year in the order issued; kept when revoked"))

    # Certificates already issued, in the order their decisions were signed.
    rows = bind.execute(sa.text(
        "SELECT d.id, d.ward_id, c.unit_id AS campaign_ward, x.signed_on FROM dossiers d "
        "JOIN campaigns c ON c.id = d.campaign_id JOIN decisions x ON x.id = d.decision_id "
        "WHERE d.certificate_code IS NOT NULL ORDER BY x.signed_on, x.id, d.id"))
    last = defaultdict(int)
    numbered = sa.text("UPDATE dossiers SET certificate_year = :year, certificate_number = :number WHERE id = :id")
    for row in rows:
        key = (row.ward_id or row.campaign_ward, _day(row.signed_on).year)
        last[key] += 1
        bind.execute(numbered, {"year": key[1], "number": last[key], "id": row.id})
    if last:
        bind.execute(sa.text("INSERT INTO certificate_registers (ward_id, year, last_number) "
                             "VALUES (:ward_id, :year, :last_number)"),
                     [{"ward_id": ward_id, "year": year, "last_number": n} for (ward_id, year), n in last.items()])

    op.create_index("ix_dossiers_revoked_by_decision_id", "dossiers", ["revoked_by_decision_id"])
    op.create_index("uq_dossiers_certificate_register", "dossiers",
                    ["ward_id", "certificate_year", "certificate_number"], unique=True)


def _downgrade():
    op.drop_index("uq_dossiers_certificate_register", table_name="dossiers")
    op.drop_index("ix_dossiers_revoked_by_decision_id", table_name="dossiers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_dossiers_revoked_by_decision_id_decisions"), type_="foreignkey")
        batch_op.drop_column("revoked_by_decision_id")
        batch_op.drop_column("certificate_number")
        batch_op.drop_column("certificate_year")
    op.drop_table("certificate_registers")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_decisions_unit_id_number_year_number_symbol_number_serial"),
                                 type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_decisions_unit_id_number"), ["unit_id", "number"])
        batch_op.drop_column("number_serial")
        batch_op.drop_column("number_symbol")
        batch_op.drop_column("number_year")
