"""Which entries an action takes (the checked ids, or all matching a filter
up to a watermark) and the edit lock it acts under."""

from __future__ import annotations

import strawberry

from domain import actions as domain_actions
from schema.window import ActivityFilter

LOCK_TOKEN = "The edit-lock token of your window or widget (see acquireEditLock)."
IDS = f"The checked entries' ids (at most {domain_actions.MAX_IDS}); or pass `all`."
ALL = (
    "Every entry matching this window filter (the check-all box; `{}` for the whole window), "
    f"at most {domain_actions.MAX_SELECTION}."
)
WATERMARK = (
    "Required with `all` (WATERMARK_REQUIRED without it): the `sequence` of the window page "
    "you acted from, or the highest entry `sequence` you have seen. Entries recorded after "
    "it are never touched by an `all` selection. Not used with `ids`."
)


@strawberry.input
class MassSelectionInput:
    """The fields of every mass action: which entries, and the lock."""

    ids: list[strawberry.ID] | None = strawberry.field(default=None, description=IDS)
    all_: ActivityFilter | None = strawberry.field(default=None, name="all", description=ALL)
    watermark: int | None = strawberry.field(default=None, description=WATERMARK)
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)
