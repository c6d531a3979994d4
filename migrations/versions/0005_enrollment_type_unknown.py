"""enrollment type may be unknown

The portal may name an enrollment without its type (a drop request that
leaves it out). Omitted means unknown, not STANDARD: a new enrollment seen
without one gets none, and a known type is never replaced by a default.

On SQLite the table is recreated (batch mode); ``env.py`` runs migrations
with foreign keys off there, so recreating it cascades nothing, and checks
them before committing.

Revision ID: 0005_enrollment_type_unknown
Revises: 0004_organisation_settings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_enrollment_type_unknown"
down_revision: str | None = "0004_organisation_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.alter_column("type", existing_type=sa.String(length=20), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE enrollments SET type = 'STANDARD' WHERE type IS NULL")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.alter_column("type", existing_type=sa.String(length=20), nullable=False)
