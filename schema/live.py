"""Subscriptions and edit-lock mutations (being written)."""

from __future__ import annotations

import strawberry


@strawberry.type
class LockMutations:
    @strawberry.mutation
    def lock_pending(self) -> bool:
        return True
