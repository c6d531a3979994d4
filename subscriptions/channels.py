"""Channel names and the JSON messages that travel on them.

One channel per organisation carries window changes, another its settings
changes; one per staff member carries that member's edit-lock changes. A
message is only a wake-up: the database (``activity_changes``, the
organisation's row, ``edit_locks``) is the record, so every reader can
replay or re-read what a lost message would have told it.

On the wire every name carries the installation's namespace
(``BROADCAST_NAMESPACE``, ``service.settings.installation_namespace`` by
default): ``Broadcaster`` prefixes it, so no channel can be named without it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from domain.journal import ChangeKind, WindowChange

CHANGES_KIND: Final = "changes"
LOCK_KIND: Final = "lock"
SETTINGS_KIND: Final = "settings"


def window_channel(organisation_id: int) -> str:
    return f"org:{organisation_id}:window"


def settings_channel(organisation_id: int) -> str:
    """Apart from the window's: a settings change must not make every
    window feed replay (an unknown message there means "resync")."""
    return f"org:{organisation_id}:settings"


def lock_channel(staff_id: int) -> str:
    return f"staff:{staff_id}:lock"


def changes_message(organisation_id: int, changes: Sequence[WindowChange]) -> dict[str, Any]:
    """One message per committed action, however many entries it touched
    (a bulk action's changes share one time: it is formatted once)."""
    times: dict[datetime, str] = {}
    ordered = sorted(changes, key=lambda c: c.sequence)
    return {
        "kind": CHANGES_KIND,
        "organisation_id": organisation_id,
        "last_sequence": ordered[-1].sequence,
        "changes": [
            {
                "s": c.sequence,
                "e": c.entry_id,
                "c": c.change.value,
                "r": c.reason,
                "t": c.type,
                "st": c.status,
                "l": c.location_id,
                "at": times.get(c.at) or times.setdefault(c.at, c.at.isoformat()),
            }
            for c in ordered
        ],
    }


def lock_message(staff_id: int) -> dict[str, Any]:
    return {"kind": LOCK_KIND, "staff_id": staff_id}


def settings_message(organisation_id: int) -> dict[str, Any]:
    return {"kind": SETTINGS_KIND, "organisation_id": organisation_id}


@dataclass(frozen=True)
class ParsedChanges:
    changes: tuple[WindowChange, ...]
    last_sequence: int


PARSED_KEPT = 64
_parsed: OrderedDict[int, tuple[Mapping[str, Any], ParsedChanges | None]] = OrderedDict()


def parse_changes(message: Mapping[str, Any]) -> ParsedChanges | None:
    """The changes a ``changes`` message carries, oldest first; None for any
    other message (or one this version cannot read: treat it as a resync).

    Parsed once per message, not once per subscriber: the broadcaster hands
    every local subscriber the same read-only mapping, so the result is kept for the last
    few messages, by identity (the dict is kept alive with it)."""
    known = _parsed.get(id(message))
    if known is not None and known[0] is message:
        return known[1]
    parsed = _parse(message)
    _parsed[id(message)] = (message, parsed)
    while len(_parsed) > PARSED_KEPT:
        _parsed.popitem(last=False)
    return parsed


def _parse(message: Mapping[str, Any]) -> ParsedChanges | None:
    if message.get("kind") != CHANGES_KIND:
        return None
    try:
        organisation_id = int(message["organisation_id"])
        changes = tuple(
            WindowChange(
                organisation_id=organisation_id,
                sequence=int(raw["s"]),
                entry_id=int(raw["e"]),
                change=ChangeKind(raw["c"]),
                reason=str(raw["r"]),
                type=str(raw["t"]),
                status=str(raw["st"]),
                location_id=None if raw["l"] is None else int(raw["l"]),
                at=datetime.fromisoformat(raw["at"]),
            )
            for raw in message["changes"]
        )
        return ParsedChanges(changes, int(message["last_sequence"]))
    except (KeyError, TypeError, ValueError):
        return None
