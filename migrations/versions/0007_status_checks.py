"""status checks: the database refuses a status the models do not know

Issue 11: "Status values ("REQUESTED", "ACTIVE", "BOOKED"...) are enums in
the models with CHECK constraints in the migrations." Each constraint lists
the values of its enum in ``models/statuses.py`` as they are today (a
migration is a snapshot: it never imports the models); the values stored
are the same strings as before, so existing rows pass.

On SQLite a constraint is added by recreating the table (batch mode);
``env.py`` runs migrations with foreign keys off there, so recreating a
table cascades nothing, and checks them before committing.

Revision ID: 0007_status_checks
Revises: 0006_audit_scope
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_status_checks"
down_revision: str | None = "0006_audit_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WINDOW_STATUSES = ("NOTIFICATION", "PENDING", "APPROVED")

# table -> column -> the values it may hold (NULL passes a CHECK: nullable
# columns stay nullable).
CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "activity_entries": {
        "status": WINDOW_STATUSES,
        "resolution": ("APPROVED", "DENIED", "DISMISSED", "EXPIRED", "SUPERSEDED"),
    },
    "activity_changes": {
        "change": ("ADDED", "CHANGED", "REMOVED"),
        "status": WINDOW_STATUSES,
    },
    "activity_counters": {"status": WINDOW_STATUSES},
    "enrollments": {
        "type": ("STANDARD", "TRIAL", "MAKEUP", "WAITLIST"),
        "status": ("REQUESTED", "ACTIVE", "DROPPED", "TRANSFERRED"),
    },
    "absences": {"status": ("REQUESTED", "APPROVED", "DENIED")},
    "appointment_bookings": {
        "status": ("REQUESTED", "BOOKED", "CANCELED", "RESCHEDULED", "DENIED"),
    },
    "edit_locks": {"surface": ("WINDOW", "WIDGET")},
    "audit_records": {"location_scope": ("LOCATION", "LOCATIONS", "ORGANISATION")},
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({listed})"


def upgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), _condition(column, values)
                )


def downgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
