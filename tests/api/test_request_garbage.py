"""A request's executor leaves little for the garbage collector.

graphql-core's executor sits in a reference cycle (its ``async_helpers``
hold two of its bound methods), so it outlives the request until a
collection, with everything it holds; its subfield memo was most of a
window request's cyclic garbage (bench/FIXES.md, eighth pass), and the
longer the collector waits, the longer its pause. The executor now drops
the memo once its response is built (``schema/execution.py``), and a
request's loaders, in a cycle with its context, go once it is answered
(``Context.release``).
"""

from __future__ import annotations

import gc
from datetime import timedelta

from graphql.execution.collect_fields import FieldDetails
from strawberry.dataloader import DataLoader

from models.base import utcnow
from service.services import Services
from tests.factories import add_entries, add_family
from tests.support import Api, World

ROWS = """
query Rows($first: Int) {
  onlineActivity(first: $first) {
    ... on ActivityConnection {
      nodes { ... on ActivityEntry { id location { name } family { name } student { name } } }
    }
  }
}
"""
REQUESTS = 10


def alive(kind: type) -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


async def test_window_requests_leave_no_field_lists_for_the_collector(
    api: Api, world: World, services: Services
) -> None:
    # Given a window of 10 entries of one family and a signed-in viewer
    family_id, student_id = await add_family(services.database, world.riverside.id)
    drop = {"type": "DROP", "family_id": family_id, "student_id": student_id}
    await add_entries(
        services.database, world.riverside.id, *[drop] * 10, start=utcnow() - timedelta(hours=20)
    )
    await api.data(ROWS, {"first": 10}, token=world.riverside.full)
    gc.collect()
    # when 10 more pages are read with the collector off
    gc.disable()
    try:
        before = alive(FieldDetails), alive(DataLoader)
        for _ in range(REQUESTS):
            data = await api.data(ROWS, {"first": 10}, token=world.riverside.full)
            assert len(data["onlineActivity"]["nodes"]) == 10
        left = alive(FieldDetails) - before[0], alive(DataLoader) - before[1]
    finally:
        gc.enable()
    # then reference counting freed their field lists and loaders already:
    # before, each request left its executor's memo (8 FieldDetails for
    # this document) and its 5 loaders, with the rows they loaded, waiting
    # for a collection
    assert left[0] < REQUESTS
    assert left[1] < REQUESTS
