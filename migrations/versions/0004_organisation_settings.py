"""organisation settings: time zone, drop criteria, recurring billing

Every calendar rule reads its dates in the organisation's time zone; staff
with the SETTINGS task change these through the API. Existing organisations
keep what the code assumed before: UTC, a drop reason required, any reason
valid, opt-out of recurring billing offered.

Revision ID: 0004_organisation_settings
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_organisation_settings"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC")
        )
        batch_op.add_column(
            sa.Column(
                "drop_reason_required", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
        batch_op.add_column(
            sa.Column("drop_reasons", json, nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column(
                "require_saved_payment_method",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("require_saved_payment_method")
        batch_op.drop_column("drop_reasons")
        batch_op.drop_column("drop_reason_required")
        batch_op.drop_column("time_zone")
