"""audit records are scoped by what their subject touches

Issue 10: email and suspension records were written with no location and
records with no location were shown to every staff member, so staff limited
to one location read emails to another location's families. Each record now
says who may read it (``location_scope``); a record touching several
locations lists them in ``audit_record_locations``. Existing records about
no entry (emails, suspensions, settings, operators' acts) become
organisation-wide: only staff of all locations see them.

Revision ID: 0006_audit_scope
Revises: 0005_enrollment_type_unknown
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_audit_scope"
down_revision: str | None = "0005_enrollment_type_unknown"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "location_scope",
                sa.String(length=12),
                server_default="ORGANISATION",
                nullable=False,
            )
        )
    op.execute("UPDATE audit_records SET location_scope = 'LOCATION' WHERE entry_id IS NOT NULL")
    op.create_table(
        "audit_record_locations",
        sa.Column(
            "record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["audit_records.id"],
            name=op.f("fk_audit_record_locations_record_id_audit_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "location_id", name=op.f("pk_audit_record_locations")),
    )


def downgrade() -> None:
    op.drop_table("audit_record_locations")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_column("location_scope")
