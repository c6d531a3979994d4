"""The shared entry reads of the live path keep a bounded number of rows.

Issue 10: "bound memory". Every subscriber on a process shares one read of
a batch's entries; the reads kept were bounded by count only, so 64 mass
actions of 5,000 entries could hold 320,000 rows for as long as nothing
newer came.
"""

from __future__ import annotations

from domain.journal import WindowChange
from service.services import Services
from subscriptions.activity import SharedEntries
from tests.factories import add_entries, added_payment
from tests.support import World


def batch(organisation_id: int, first_sequence: int, entry_ids: list[int]) -> list[WindowChange]:
    return [
        added_payment(organisation_id, first_sequence + index, entry_id)
        for index, entry_id in enumerate(entry_ids)
    ]


async def test_reads_are_kept_up_to_a_number_of_rows(services: Services, world: World) -> None:
    # Given 40 entries and a shared read cache that keeps 20 rows
    org = world.riverside.id
    ids = await add_entries(services.database, org, *[{} for _ in range(40)])
    shared = SharedEntries(kept=64, rows=20)
    first, second, third = (batch(org, 1 + 10 * n, ids[10 * n : 10 * n + 10]) for n in range(3))

    # When three batches of 10 are read
    for changes in (first, second, third):
        entries = await shared.entries(services.database, org, changes)
        assert sorted(entries) == sorted(c.entry_id for c in changes)

    # Then only the newest two are kept
    assert shared.held == (2, 20)

    # And a batch larger than the bound is kept alone, being read now
    everything = batch(org, 100, ids)
    assert len(await shared.entries(services.database, org, everything)) == 40
    assert shared.held == (1, 40)

    # And a forgotten batch is read again, whole
    again = await shared.entries(services.database, org, first)
    assert sorted(again) == ids[:10]
    assert shared.held == (1, 10)


async def test_the_number_of_reads_is_bounded_too(services: Services, world: World) -> None:
    org = world.riverside.id
    ids = await add_entries(services.database, org, *[{} for _ in range(5)])
    shared = SharedEntries(kept=3, rows=1_000)
    for n, entry_id in enumerate(ids):
        await shared.entries(services.database, org, batch(org, 1 + n, [entry_id]))
    assert shared.held == (3, 3)
