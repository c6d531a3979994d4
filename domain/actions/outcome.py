"""What happened to each item of a staff action, and to the action as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from domain.actions.facts import EntryFacts
from domain.errors import ErrorCode
from domain.journal import WindowChange
from models import ActivityEntry

# An entry as an action reports it: loaded, or only its facts (a mass
# action loads entries only when the caller wants them shown).
Entry = ActivityEntry | EntryFacts


class Outcome(StrEnum):
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    DISMISSED = "DISMISSED"
    # Selected by "all matching the filter" but not the kind of entry the
    # action applies to; left as it was.
    SKIPPED = "SKIPPED"
    # Explicitly checked, but refused; left as it was.
    FAILED = "FAILED"


class Code(ErrorCode):
    """The staff actions' area: why one entry was refused (``Refusal``); the
    rules in domain.rules add their own areas, and the requests' own codes
    are ``SelectionErrorCode``, ``DenyErrorCode``, ``DismissErrorCode`` and
    ``ReviewErrorCode``."""

    NOT_FOUND = "NOT_FOUND", "No such entry in your window (another tenant's or location's too)."
    ACCESS_DENIED = "ACCESS_DENIED", "Your permissions do not allow this action."
    ALREADY_PROCESSED = "ALREADY_PROCESSED", "The entry was already approved, denied or dismissed."
    VERSION_CONFLICT = "VERSION_CONFLICT", "The entry changed since the version you reviewed."
    NOT_PENDING = "NOT_PENDING", "Only a PENDING request can be approved or denied."
    # The record a request was made against is gone, or is in another state
    # since (domain.actions.records): approving or denying changes nothing.
    RECORD_NOT_FOUND = "RECORD_NOT_FOUND", "The record the request was made against is gone."
    RECORD_CHANGED = (
        "RECORD_CHANGED",
        "The record the request was made against is in another state since.",
    )
    INVALID_REQUEST = "INVALID_REQUEST", "The request lacks what approving it needs."


@dataclass(frozen=True)
class Refusal:
    """Why one item was left alone (``field`` names an input field at fault)."""

    code: ErrorCode
    message: str
    field: tuple[str, ...] = ()


class ItemResult(NamedTuple):
    """One item of an action. ``ref`` is the id the caller gave (None when the
    item was selected by filter); ``entry`` the entry as it is now, if visible
    (a tuple: a mass action makes thousands)."""

    ref: str | None
    outcome: Outcome
    entry: Entry | None
    code: ErrorCode | None = None
    message: str | None = None
    field: tuple[str, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.outcome not in (Outcome.SKIPPED, Outcome.FAILED)


@dataclass
class ActionReport:
    """Every item's result, and the window changes to publish after commit."""

    results: list[ItemResult] = field(default_factory=list)
    changes: list[WindowChange] = field(default_factory=list)

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome in outcomes)


def refused(
    ref: str | None, entry: Entry | None, refusal: Refusal, *, explicit: bool
) -> ItemResult:
    """Explicitly checked items that cannot be processed FAIL; items the filter
    swept in are SKIPPED ("Mass dismissing filtered items will NOT dismiss any
    items that require action")."""
    return ItemResult(
        ref=ref,
        outcome=Outcome.FAILED if explicit else Outcome.SKIPPED,
        entry=entry,
        code=refusal.code,
        message=refusal.message,
        field=refusal.field,
    )


def failed(ref: str | None, entry: Entry | None, refusal: Refusal) -> ItemResult:
    """An eligible item a rule refused (CLASS_FULL, NOTICE_PERIOD_NOT_MET...)."""
    return ItemResult(
        ref=ref,
        outcome=Outcome.FAILED,
        entry=entry,
        code=refusal.code,
        message=refusal.message,
        field=refusal.field,
    )
