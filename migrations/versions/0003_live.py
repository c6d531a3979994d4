"""live: nothing to add

The live area needs no table beyond the initial schema: ``activity_changes``
(the ordered record subscribers replay from), ``activity_counters`` (the
badge) and ``edit_locks`` (one lease row per staff member) are in 0001.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
