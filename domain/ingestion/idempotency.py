"""Idempotent ingestion: each event's key is claimed once per organisation.

The ``portal_events`` row is inserted FIRST, with ``ON CONFLICT DO NOTHING
RETURNING id``. Whoever gets an id back records the event; anyone else is a
retry. On PostgreSQL a concurrent retry blocks on the unique index until the
first transaction ends, then sees its committed row (or, if it rolled back,
claims the key itself); on SQLite ``BEGIN IMMEDIATE`` serialises writers.
Either way exactly one set of entries exists per key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidRequest
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import NOT_SENT, PortalEventRequest
from models import PortalEvent


def _plain(value: Any) -> Any:
    """JSON-safe form of the request: dates ISO, money as exact strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A field left out is absent, unlike one sent as null.
        return {
            f.name: _plain(field)
            for f in dataclasses.fields(value)
            if (field := getattr(value, f.name)) is not NOT_SENT
        }
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # 10.5 and 10.50 are the same amount; the hash must agree.
        return format(value.normalize(), "f")
    return value


def canonical_payload(request: PortalEventRequest) -> dict[str, Any]:
    """The request as stored and hashed: kind, then every field as sent."""
    payload: dict[str, Any] = _plain(request)
    payload["kind"] = request.event.type
    return payload


def payload_hash(payload: dict[str, Any]) -> str:
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """Either a fresh event to record (``event_id``) or a retry of one
    already recorded (``replayed_entry_ids``)."""

    event_id: int | None
    replayed_entry_ids: list[int]


async def claim_key(
    session: AsyncSession, organisation_id: int, request: PortalEventRequest, *, now: datetime
) -> Claim:
    """Claim the idempotency key, or find the event that holds it.

    A retry with the same payload returns the original entries; the same
    key with a different payload is ``IDEMPOTENCY_KEY_REUSED``.
    """
    payload = canonical_payload(request)
    digest = payload_hash(payload)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PortalEvent)
    claimed = await session.scalar(
        insert.values(
            organisation_id=organisation_id,
            idempotency_key=request.idempotency_key,
            kind=request.event.type,
            payload_sha256=digest,
            payload=payload,
            received_at=now,
            entry_ids=[],
        )
        .on_conflict_do_nothing(index_elements=["organisation_id", "idempotency_key"])
        .returning(PortalEvent.id)
    )
    if claimed is not None:
        return Claim(event_id=int(claimed), replayed_entry_ids=[])
    existing = (
        await session.execute(
            select(PortalEvent.payload_sha256, PortalEvent.entry_ids).where(
                PortalEvent.organisation_id == organisation_id,
                PortalEvent.idempotency_key == request.idempotency_key,
            )
        )
    ).one()
    if existing.payload_sha256 != digest:
        raise InvalidRequest.one(
            PortalEventErrorCode.IDEMPOTENCY_KEY_REUSED,
            "this idempotency key was already used for a different event",
            "input",
            "idempotencyKey",
        )
    return Claim(event_id=None, replayed_entry_ids=[int(i) for i in existing.entry_ids])


async def remember_entries(session: AsyncSession, event_id: int, entry_ids: list[int]) -> None:
    """Keep the ids a retry will get back."""
    await session.execute(
        update(PortalEvent).where(PortalEvent.id == event_id).values(entry_ids=entry_ids)
    )
