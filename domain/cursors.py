"""Opaque cursors for the window.

A keyset cursor names a row by its sort key ``(occurred_at, id)``; a page
cursor names a position (an offset) so staff can jump to a page by number.
Both are base64 JSON, versioned, and checked strictly: a malformed cursor is
a clear error, never a silent first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.errors import ErrorCode, InvalidRequest
from domain.ids import MAX_DATABASE_ID


@dataclass(frozen=True)
class KeysetCursor:
    occurred_at: datetime
    entry_id: int


@dataclass(frozen=True)
class OffsetCursor:
    """Points just before the row at ``offset`` (0 = before the first row)."""

    offset: int


Cursor = KeysetCursor | OffsetCursor


def _encode(document: dict[str, object]) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class PageErrorCode(ErrorCode):
    """The paged lists' area (the window and the audit log): refused paging arguments."""

    CONTRADICTORY_ARGUMENTS = (
        "CONTRADICTORY_ARGUMENTS",
        "Pass `first` or `last`, and `after` or `before`, not both.",
    )
    INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE", "A page size is negative or out of range."
    PAGE_SIZE_TOO_LARGE = "PAGE_SIZE_TOO_LARGE", "More entries than fit on one page."
    INVALID_CURSOR = "INVALID_CURSOR", "Not a cursor of this list."


def encode_keyset(occurred_at: datetime, entry_id: int) -> str:
    return _encode({"v": 1, "t": occurred_at.isoformat(), "i": entry_id})


def encode_offset(offset: int) -> str:
    return _encode({"v": 1, "o": offset})


def _storable(value: object) -> bool:
    return type(value) is int and -MAX_DATABASE_ID <= value <= MAX_DATABASE_ID


def decode(cursor: str, *, field: str) -> Cursor:
    invalid = InvalidRequest.one(
        PageErrorCode.INVALID_CURSOR, f"'{field}' is not a cursor of this list", field
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise invalid from None
    if not isinstance(document, dict) or document.get("v") != 1:
        raise invalid
    # Numbers and instants the database can hold (issue 10: an int64
    # overflow or a year-0 instant reached the client as the driver's error).
    if set(document) == {"v", "o"} and _storable(document["o"]) and document["o"] >= 0:
        return OffsetCursor(offset=document["o"])
    if set(document) == {"v", "t", "i"} and _storable(document["i"]):
        try:
            occurred_at = datetime.fromisoformat(str(document["t"]))
            occurred_at.astimezone(UTC)
        except (ValueError, OverflowError):
            raise invalid from None
        if occurred_at.tzinfo is None:
            raise invalid
        return KeysetCursor(occurred_at=occurred_at, entry_id=document["i"])
    raise invalid
