"""Retention: 90 days in the window, two years in the audit log.

"Online Activity data is accessible for a maximum of 90 days from the Online
Activity window. However, Online Activity data (whether approved, denied, or
dismissed) can be accessed through the iClassPro Audit Log for up to two
years."

``purge`` first expires entries still open after 90 days (each gets an
EXPIRED audit record, so nothing leaves unrecorded), then deletes what is past
its time. Every step is set-based, batched and conditional on the state it
changes, so concurrent and repeated runs are safe: a second run finds nothing
left to do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.closing import close_entries
from domain.audit import audit_cutoff
from domain.journal import WindowChange
from domain.vocabulary import Resolution
from domain.window import window_cutoff
from models import ActivityChange, ActivityEntry, AuditRecord
from models.base import utcnow
from models.db import Database

BATCH = 1000
log = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    expired: int = 0
    entries_deleted: int = 0
    changes_deleted: int = 0
    audit_deleted: int = 0
    # Window changes (entries expired) to publish once committed.
    changes: list[WindowChange] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        return (
            f"expired {self.expired} open entries older than 90 days; deleted "
            f"{self.entries_deleted} window entries, {self.changes_deleted} change records "
            f"and {self.audit_deleted} audit records past their retention"
        )


async def _expire_batch(
    session: AsyncSession, organisation_id: int, now: datetime
) -> tuple[int, list[WindowChange]]:
    rows = list(
        await session.scalars(
            select(ActivityEntry)
            .where(
                ActivityEntry.organisation_id == organisation_id,
                ActivityEntry.resolution.is_(None),
                ActivityEntry.occurred_at < window_cutoff(now),
            )
            .order_by(ActivityEntry.id)
            .limit(BATCH)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    changes = await close_entries(session, rows, Resolution.EXPIRED, viewer=None, now=now)
    return len(rows), changes


async def expire_open_entries(database: Database, now: datetime, report: PurgeReport) -> None:
    """Open entries past 90 days leave the window as EXPIRED, per organisation."""
    async with database.read() as session:
        organisations = list(
            await session.scalars(
                select(ActivityEntry.organisation_id)
                .where(
                    ActivityEntry.resolution.is_(None),
                    ActivityEntry.occurred_at < window_cutoff(now),
                )
                .distinct()
            )
        )
    for organisation_id in sorted(organisations):
        while True:
            async with database.write() as session:
                count, changes = await _expire_batch(session, organisation_id, now)
            report.expired += count
            report.changes.extend(changes)
            if count == 0:
                break


async def _delete_batched(
    database: Database, column: ColumnElement[int], *conditions: ColumnElement[bool]
) -> int:
    table = column.table
    deleted = 0
    while True:
        async with database.write() as session:
            result = await session.execute(
                delete(table).where(column.in_(select(column).where(*conditions).limit(BATCH)))
            )
        count = int(getattr(result, "rowcount", 0) or 0)
        deleted += count
        if count == 0:
            return deleted


async def purge(database: Database, *, now: datetime) -> PurgeReport:
    """Expire, then delete window entries and change records past 90 days and
    audit records past two years. Returns what it did; publish ``changes``."""
    report = PurgeReport()
    await expire_open_entries(database, now, report)
    cutoff = window_cutoff(now)
    # Only resolved entries: one recorded late with an old date is expired
    # (and audited) by the next run before it is deleted.
    report.entries_deleted = await _delete_batched(
        database,
        ActivityEntry.__table__.c.id,
        ActivityEntry.occurred_at < cutoff,
        ActivityEntry.resolution.is_not(None),
    )
    async with database.write() as session:
        result = await session.execute(delete(ActivityChange).where(ActivityChange.at < cutoff))
        report.changes_deleted = int(getattr(result, "rowcount", 0) or 0)
    report.audit_deleted = await _delete_batched(
        database, AuditRecord.__table__.c.id, AuditRecord.at < audit_cutoff(now)
    )
    return report


class PurgeHost(Protocol):
    """What the periodic task needs of the running service."""

    @property
    def database(self) -> Database: ...

    async def publish(self, changes: Sequence[WindowChange]) -> None: ...


async def run_periodic_purge(services: PurgeHost, interval_seconds: float) -> None:
    """Purge now and then every ``interval_seconds`` until cancelled; a failed
    run is logged and retried at the next interval."""
    while True:
        try:
            report = await purge(services.database, now=utcnow())
            await services.publish(report.changes)
            if report.expired or report.entries_deleted or report.audit_deleted:
                log.info("purge: %s", report)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("purge failed; retrying in %s s", interval_seconds)
        await asyncio.sleep(max(interval_seconds, 1.0))
