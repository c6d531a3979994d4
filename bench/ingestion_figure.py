"""Figure 6: portal ingestion over HTTP against raw INSERTs of the same rows."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite

from bench.figures import Distribution, Figure
from bench.http_figures import Plan, body, load_server, median
from bench.seed import World
from bench.servers import Server
from domain.viewer import hash_secret
from models import ActivityChange, ActivityCounter, ActivityEntry, Family, Organisation, PortalEvent
from models.db import Database

RECORD = """mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    replayed userErrors { code } entries { __typename ... on ActivityEntry { id } }
  }
}"""

INGEST_INPUT = {
    "idempotencyKey": "bench-__N__",
    "family": {
        "externalId": "ingest-family-__N__",
        "name": "Family __N__",
        "email": "f__N__@families.example",
    },
    "event": {"autopay": {"cardBrand": "Visa", "cardLast4": "4242"}},
}


async def _raw_ingest(database: Database, org: int, seconds: float, workers: int) -> int:
    """What one event writes, as plain INSERTs: the family, the portal event,
    the entry, its change row, the counter; the sequence from the organisation."""
    deadline = time.perf_counter() + seconds
    done = 0
    dialect = postgresql if not database.is_sqlite else sqlite

    async def worker(index: int) -> None:
        nonlocal done
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            key = f"raw-{index}-{n}-{time.monotonic_ns()}"
            now = datetime.now(UTC)
            async with database.write() as session:
                seq = await session.scalar(
                    update(Organisation)
                    .where(Organisation.id == org)
                    .values(activity_seq=Organisation.activity_seq + 1)
                    .returning(Organisation.activity_seq)
                )
                family = await session.scalar(
                    insert(Family)
                    .values(
                        organisation_id=org,
                        external_id=key,
                        name="Raw",
                        email="raw@families.example",
                        email_opt_in=True,
                        suspended=False,
                        notes="",
                    )
                    .returning(Family.id)
                )
                event = await session.scalar(
                    insert(PortalEvent)
                    .values(
                        organisation_id=org,
                        idempotency_key=key,
                        kind="autopay",
                        payload_sha256=hash_secret(key),
                        payload=INGEST_INPUT,
                        received_at=now,
                        entry_ids=[],
                    )
                    .returning(PortalEvent.id)
                )
                entry = await session.scalar(
                    insert(ActivityEntry)
                    .values(
                        organisation_id=org,
                        sequence=seq,
                        updated_seq=seq,
                        type="AUTOPAY",
                        status="NOTIFICATION",
                        family_id=family,
                        occurred_at=now,
                        recorded_at=now,
                        has_notes=False,
                        portal_event_id=event,
                        version=1,
                        details={"family_name": "Raw", "card_brand": "Visa", "card_last4": "4242"},
                    )
                    .returning(ActivityEntry.id)
                )
                await session.execute(
                    insert(ActivityChange).values(
                        organisation_id=org,
                        sequence=seq,
                        entry_id=entry,
                        change="ADDED",
                        reason="RECORDED",
                        type="AUTOPAY",
                        status="NOTIFICATION",
                        at=now,
                    )
                )
                upsert = dialect.insert(ActivityCounter).values(
                    organisation_id=org,
                    location_key=0,
                    type="AUTOPAY",
                    status="NOTIFICATION",
                    open_count=1,
                )
                await session.execute(
                    upsert.on_conflict_do_update(
                        index_elements=["organisation_id", "location_key", "type", "status"],
                        set_={"open_count": ActivityCounter.open_count + 1},
                    )
                )
            if time.perf_counter() < deadline:
                done += 1

    await asyncio.gather(*(worker(i) for i in range(workers)))
    return done


def ingestion_figure(
    app: Server, world: World, plan: Plan, label: str, database_url: str
) -> Figure:
    """Figure 6: recordPortalEvent over HTTP vs the same rows as raw INSERTs."""
    payload = body(RECORD, {"input": INGEST_INPUT})
    ours: list[float] = []
    theirs: list[float] = []
    latencies: list[float] = []

    async def raw(seconds: float) -> float:
        database = Database(database_url, pool_size=plan.ingest_concurrency)
        try:
            started = time.perf_counter()
            count = await _raw_ingest(database, world.ingest.id, seconds, plan.ingest_concurrency)
            return count / (time.perf_counter() - started)
        finally:
            await database.dispose()

    for _ in range(plan.rounds):
        result = load_server(
            app,
            world.ingest.portal_key,
            payload,
            mode="closed",
            concurrency=plan.ingest_concurrency,
            duration=plan.seconds,
            expect='"replayed":false',
        )
        ours.append(result.rps)
        latencies += result.latencies_ms
        theirs.append(asyncio.run(raw(plan.seconds)))
    app_rate, raw_rate = median(ours), median(theirs)
    ratio = app_rate / raw_rate if raw_rate else None
    return Figure(
        name="6. portal ingestion (recordPortalEvent over HTTP), events/s",
        measured=f"{app_rate:,.0f} events/s ({plan.ingest_concurrency} concurrent clients, "
        f"median of {plan.rounds})",
        baseline=f"{raw_rate:,.0f} events/s raw INSERTs of the same rows, same concurrency, "
        "in-process",
        ratio=ratio,
        target=">= 0.3x",
        met=None if ratio is None else ratio >= 0.3,
        backend=label,
        notes="each event: a new family, the portal event, the entry, its change row and "
        f"badge counter, one transaction. Runs: {', '.join(f'{r:,.0f}' for r in ours)} vs "
        f"{', '.join(f'{r:,.0f}' for r in theirs)}",
        distributions={"app request latency": Distribution.of(latencies)},
    )
