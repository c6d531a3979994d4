"""What recording a portal event returns."""

from __future__ import annotations

import strawberry

from schema.activity import Activity
from schema.errors import UserError


@strawberry.type
class RecordPortalEventPayload:
    entries: list[Activity] = strawberry.field(
        description="The window entries this event made (several for an absence at several "
        "locations; none when the event is not shown in the window)."
    )
    replayed: bool = strawberry.field(
        description="A retry of an event already recorded: the first result, nothing new."
    )
    user_errors: list[UserError]
