"""The root Mutation: portal ingestion, staff actions, the edit lock, the settings."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.actions.mutation import ActionMutations
from schema.ingestion.mutation import IngestionMutations
from schema.live import LockMutations
from schema.settings import SettingsMutations

Mutation = merge_types(
    "Mutation", (IngestionMutations, ActionMutations, LockMutations, SettingsMutations)
)
