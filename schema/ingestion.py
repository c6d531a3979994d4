"""Portal ingestion mutations (being written)."""

from __future__ import annotations

import strawberry


@strawberry.type
class IngestionMutations:
    @strawberry.mutation
    def noop(self) -> bool:
        return True
