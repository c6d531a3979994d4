"""The many-organisations workload's data: N organisations, each with a
full-rights staff member (their token) and a portal key, a few dozen open
entries with their change rows, counters and sequence (as ``bench.seed``
leaves the main organisation's), so each window read has a page to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bench.seed import _tenant, _window
from models.db import Database

PER_TRANSACTION = 50


@dataclass(frozen=True)
class Org:
    index: int
    id: int
    token: str
    portal_key: str
    sequence: int  # the organisation's sequence number after seeding


async def seed_orgs(database: Database, count: int, entries: int) -> list[Org]:
    now = datetime.now(UTC)
    made: list[Org] = []
    for start in range(0, count, PER_TRANSACTION):
        async with database.write() as session:
            for index in range(start, min(count, start + PER_TRANSACTION)):
                tenant, _ = await _tenant(session, f"bench-org-{index}")
                await _window(session, tenant, entries, now)
                made.append(Org(index, tenant.id, tenant.token, tenant.portal_key, entries))
    return made
