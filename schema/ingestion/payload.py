"""What recording a portal event returns."""

from __future__ import annotations

import strawberry

from schema.entries import Activity
from schema.errors import PortalEventError
from schema.review import NotApplied


@strawberry.type(
    description="The outcome of one portal event. `userErrors` empty: the event is recorded "
    "(`entries`, possibly none), and `notApplied` lists what a rule kept from applying as "
    "sent. `userErrors` not empty: nothing was recorded."
)
class RecordPortalEventPayload:
    entries: list[Activity] = strawberry.field(
        description="The window entries this event made (several for an absence at several "
        "locations; none when the event is not shown in the window)."
    )
    replayed: bool = strawberry.field(
        description="A retry of an event already recorded: the first result, nothing new."
    )
    not_applied: list[NotApplied] = strawberry.field(
        description="Recorded, but not applied as sent, one item per entry concerned (its "
        "`entryId`, the rule's `code` and `message`); empty when everything applied. Not an "
        "error: the event is recorded; sending it again only returns the same payload. "
        "An auto-approved transfer a rule refuses (TRANSFER_ALREADY_EXISTS, "
        "INVALID_TRANSFER_DATE, ENROLLMENT_TYPE_LOCKED) waits as a PENDING request for "
        "staff; an opt-out while the organisation requires a saved payment method "
        "(OPT_OUT_NOT_OFFERED) is a notification saying it was refused, and the family stays "
        "on recurring billing. Staff see the same on the entry (`notApplied`)."
    )
    user_errors: list[PortalEventError] = strawberry.field(
        description="Why the event was refused: nothing was recorded (no `entries`, no "
        "`notApplied`). Fix the input and send it again. Empty whenever the event was "
        "recorded, even when it was not applied as sent (see `notApplied`)."
    )
