"""Recording one portal event: validate, claim its key, upsert what it
refers to, write its records and entries, all in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Problem
from domain.ingestion.context import Ingestion
from domain.ingestion.events import PortalEventRequest
from domain.ingestion.idempotency import claim_key, remember_entries
from domain.ingestion.references import References
from domain.ingestion.validation import validate_request
from domain.journal import Journal
from domain.recording import not_applied_problem, record_entries
from models import ActivityEntry


@dataclass(frozen=True)
class NotAppliedEntry:
    """An entry recorded for an event a rule could not apply as sent, and why."""

    entry: ActivityEntry
    problem: Problem


@dataclass(frozen=True)
class IngestionResult:
    entries: list[ActivityEntry]
    # True when the key was already used with the same payload: nothing new.
    replayed: bool

    @property
    def not_applied(self) -> list[NotAppliedEntry]:
        """The entries recorded but not applied as sent (an opt-out the
        organisation does not offer, an auto-approved transfer a rule
        refuses), each with its reason; the same on a retry. Not a refusal:
        the event was recorded ("nothing a family sent is lost")."""
        found = ((row, not_applied_problem(row.details)) for row in self.entries)
        return [NotAppliedEntry(row, p) for row, p in found if p is not None]


async def record_portal_event(
    session: AsyncSession,
    journal: Journal,
    organisation_id: int,
    request: PortalEventRequest,
    *,
    now: datetime,
) -> IngestionResult:
    """Record what a family did in the portal as entries of the window.

    Raises ``InvalidRequest`` (the caller rolls back: nothing is recorded)
    for malformed input, a reused idempotency key, or a record the portal
    already sent under another key. An event well formed but that a rule
    cannot apply as sent is recorded all the same, with the reason
    (``IngestionResult.not_applied``), and does not raise: nothing a family
    sent is lost. A
    retry with the same key and payload returns the first result and writes
    nothing. The caller commits once, then publishes ``journal.changes``.
    """
    validate_request(request, now=now)
    claim = await claim_key(session, organisation_id, request, now=now)
    if claim.event_id is None:
        return IngestionResult(
            await _entries(session, organisation_id, claim.replayed_entry_ids), replayed=True
        )
    await request.event.lock_first(session, organisation_id)
    refs = References(session, organisation_id)
    ingestion = Ingestion(
        session=session,
        journal=journal,
        refs=refs,
        organisation_id=organisation_id,
        portal_event_id=claim.event_id,
        family=request.family,
        family_id=await refs.family(request.family),
        occurred_at=request.occurred_at or now,
        now=now,
        notes=request.notes,
        path=("input", "event", request.event.field),
    )
    new = await request.event.record(ingestion)
    rows = await record_entries(session, journal, organisation_id, new)
    await remember_entries(session, claim.event_id, [row.id for row in rows])
    return IngestionResult(rows, replayed=False)


async def _entries(
    session: AsyncSession, organisation_id: int, ids: Sequence[int]
) -> list[ActivityEntry]:
    if not ids:
        return []
    rows = await session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.organisation_id == organisation_id, ActivityEntry.id.in_(ids))
        .order_by(ActivityEntry.sequence)
    )
    return list(rows)
