"""dossier ward and due_on: each scope's list and "overdue" served by an index

A dossier keeps its campaign's ward (`ward_id`) and its current stage's last day (`due_on`, set when the state
changes), so a ward's list, a state's filter and "overdue" read one index range instead of every dossier of the
province with a deadline counted per row in Python (issue 15). The two single-column indexes on state and unit
become the first columns of the list's indexes.

Revision ID: e15a00000002
Revises: e15a00000001
Create Date: 2026-12-07 15:45:00

"""
from collections import defaultdict
from datetime import UTC, date, timedelta, timezone

import holidays
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e15a00000002'
down_revision = 'e15a00000001'
branch_labels = None
depends_on = None

DUE_FIELD = {  # as workflow.services.deadlines had it when this was written
    "registration_closes": ["draft"],
    "assessment_due": ["registered", "self_assessment"],
    "inspection_due": ["public_notice", "ward_inspection"],
    "decision_due": ["council_review", "awaiting_decision"],
}
VIETNAM = timezone(timedelta(hours=7))  # no daylight saving


def _working_period_end(start: date, days: int, announced: dict, known) -> date:
    """`days` working days after `start` (weekends, the law's holidays and the admin's announced days)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        kind = announced.get(day)
        if kind is not None:
            off = kind != "working_day"
        elif day in known.weekend_workdays:
            off = False
        else:
            off = day in known or day.weekday() >= 5
        counted += 0 if off else 1
    return day


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # ADD COLUMN … REFERENCES: no table copy (alembic's batch would reflect all)
        op.execute("ALTER TABLE dossiers ADD COLUMN ward_id INTEGER "
                   "CONSTRAINT fk_dossiers_ward_id_units REFERENCES units (id)")
    else:
        op.add_column("dossiers", sa.Column("ward_id", sa.Integer(), nullable=True,
                                            comment="the campaign's ward, kept on the row so a ward's scope is one "
                                                    "index range"))
        op.create_foreign_key("fk_dossiers_ward_id_units", "dossiers", "units", ["ward_id"], ["id"])
    op.add_column("dossiers", sa.Column("due_on", sa.Date(), nullable=True,
                                        comment="the current stage's last day (Vietnam's date), set when the state "
                                                "changes; null when none"))
    bind.execute(sa.text("UPDATE dossiers SET ward_id = (SELECT c.unit_id FROM campaigns c "
                         "WHERE c.id = dossiers.campaign_id)"))
    for field, states in DUE_FIELD.items():
        bind.execute(sa.text(f"UPDATE dossiers SET due_on = (SELECT c.{field} FROM campaigns c "
                             f"WHERE c.id = dossiers.campaign_id) WHERE state IN :states")
                     .bindparams(sa.bindparam("states", expanding=True)), {"states": states})
    # Awaiting the decision: the earlier of the campaign's date and `decision_days` working days after completion.
    rows = bind.execute(sa.text(
        "SELECT d.id, d.state_changed_at, c.decision_days, c.decision_due FROM dossiers d "
        "JOIN campaigns c ON c.id = d.campaign_id WHERE d.state = 'awaiting_decision' AND c.decision_days > 0"))
    groups = defaultdict(list)
    for row in rows:
        moment = row.state_changed_at
        if isinstance(moment, str):  # SQLite hands the stored text back
            from datetime import datetime
            moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        groups[(moment.astimezone(VIETNAM).date(), row.decision_days, row.decision_due)].append(row.id)
    if groups:
        announced = {(d if isinstance(d, date) else date.fromisoformat(d)): kind
                     for d, kind in bind.execute(sa.text("SELECT day, kind FROM calendar_days"))}
        years = {start.year for start, _, _ in groups}
        known = holidays.country_holidays("VN", years=range(min(years), max(years) + 3), language="vi")
        update = sa.text("UPDATE dossiers SET due_on = :due WHERE id = :id")
        for (start, days, decision_due), ids in groups.items():
            due = _working_period_end(start, days, announced, known)
            if isinstance(decision_due, str):
                decision_due = date.fromisoformat(decision_due)
            bind.execute(update, [{"due": min(due, decision_due), "id": i} for i in ids])
    op.drop_index("ix_dossiers_state", table_name="dossiers")
    op.drop_index("ix_dossiers_unit_id", table_name="dossiers")
    op.create_index("ix_dossiers_ward_updated", "dossiers", ["ward_id", "updated_at", "id"])
    op.create_index("ix_dossiers_unit_updated", "dossiers", ["unit_id", "updated_at", "id"])
    op.create_index("ix_dossiers_state_updated", "dossiers", ["state", "updated_at", "id"])
    op.create_index("ix_dossiers_ward_state_updated", "dossiers", ["ward_id", "state", "updated_at", "id"])
    op.create_index("ix_dossiers_ward_due", "dossiers", ["ward_id", "due_on"])
    op.create_index("ix_dossiers_due", "dossiers", ["due_on"])


def downgrade():
    for name in ("ix_dossiers_due", "ix_dossiers_ward_due", "ix_dossiers_ward_state_updated",
                 "ix_dossiers_state_updated", "ix_dossiers_unit_updated", "ix_dossiers_ward_updated"):
        op.drop_index(name, table_name="dossiers")
    op.create_index("ix_dossiers_unit_id", "dossiers", ["unit_id"])
    op.create_index("ix_dossiers_state", "dossiers", ["state"])
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_constraint("fk_dossiers_ward_id_units", type_="foreignkey")
        batch.drop_column("due_on")
        batch.drop_column("ward_id")
