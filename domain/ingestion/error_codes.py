"""The portal events' area: why ``recordPortalEvent`` records nothing."""

from __future__ import annotations

from domain.errors import ErrorCode


class PortalEventErrorCode(ErrorCode):
    """Machine-readable reasons a portal event is refused; nothing is recorded."""

    UNAUTHENTICATED = "UNAUTHENTICATED", "Call with the organisation's portal key."
    ONE_EVENT_REQUIRED = "ONE_EVENT_REQUIRED", "The event must name exactly one kind."
    REQUIRED = "REQUIRED", "A required text is blank."
    TOO_LONG = "TOO_LONG", "A text is longer than its limit."
    INVALID_CHARACTER = "INVALID_CHARACTER", "A text contains a NUL character."
    INVALID_EMAIL = "INVALID_EMAIL", "Not an email address."
    NAIVE_DATETIME = "NAIVE_DATETIME", "A date-time without a time zone offset."
    IN_THE_FUTURE = "IN_THE_FUTURE", "occurredAt is in the future."
    INVALID_AMOUNT = "INVALID_AMOUNT", "Not an amount with at most 2 decimals."
    NOT_POSITIVE = "NOT_POSITIVE", "A number that must be greater than zero is not."
    NEGATIVE = "NEGATIVE", "A number that must not be negative is."
    TOO_LARGE = "TOO_LARGE", "An amount is too large."
    EMPTY_LIST = "EMPTY_LIST", "A list that must name at least one item is empty."
    TOO_MANY = "TOO_MANY", "A list holds more items than its limit."
    DUPLICATE = "DUPLICATE", "The same item is named twice."
    INVALID_CARD_LAST4 = "INVALID_CARD_LAST4", "cardLast4 is not 4 digits."
    SAME_BOOKING = "SAME_BOOKING", "The rescheduled booking is the original one."
    SAME_CLASS = "SAME_CLASS", "A transfer goes to the class it is from."
    DUPLICATE_RECORD = "DUPLICATE_RECORD", "The record was already recorded by another event."
    IDEMPOTENCY_KEY_REUSED = (
        "IDEMPOTENCY_KEY_REUSED",
        "The idempotency key was already used for a different event.",
    )
