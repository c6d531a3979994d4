"""The root Mutation: portal ingestion and staff actions."""

from __future__ import annotations

import strawberry

from schema.ingestion import IngestionMutations


@strawberry.type
class Mutation(IngestionMutations):
    pass
