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
    user_errors: list[UserError] = strawberry.field(
        description="Why the event was refused, or not applied as sent. With no `entries` "
        "nothing was recorded (fix the input and send it again). With `entries` the event "
        "was recorded all the same, nothing a family sent is lost, and each entry's "
        "`notApplied` says why: e.g. OPT_OUT_NOT_OFFERED (the organisation requires a saved "
        "payment method), or an auto-approved transfer a rule refuses "
        "(TRANSFER_ALREADY_EXISTS...), which waits as PENDING for staff."
    )
