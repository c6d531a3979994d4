"""Staff action mutations (being written)."""

from __future__ import annotations

import strawberry


@strawberry.type
class ActionMutations:
    @strawberry.mutation
    def actions_pending(self) -> bool:
        return True
