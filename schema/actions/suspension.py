"""Suspending a family (the spec's answer to an account deletion request)."""

from __future__ import annotations

import strawberry

from schema.actions.selection import LOCK_TOKEN
from schema.errors import SuspendFamilyError
from schema.people import Family


@strawberry.input(description="The family, or the entry (e.g. a deletion request) naming it.")
class SuspendFamilyInput:
    family_id: strawberry.ID | None = None
    entry_id: strawberry.ID | None = None
    note: str | None = strawberry.field(
        default=None,
        description="Why; optional when suspending from a deletion request, whose note says so.",
    )
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


@strawberry.type
class SuspendFamilyPayload:
    family: Family | None
    user_errors: list[SuspendFamilyError]
