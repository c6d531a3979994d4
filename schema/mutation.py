"""The root Mutation: portal ingestion, staff actions and the edit lock."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.actions import ActionMutations
from schema.ingestion import IngestionMutations
from schema.live import LockMutations

Mutation = merge_types("Mutation", (IngestionMutations, ActionMutations, LockMutations))
