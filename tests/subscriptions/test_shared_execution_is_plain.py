"""A shared subscription execution gives what graphql-core's plain one gives.

``schema.execution`` runs one execution per event and distinct selection and
viewer scope, and hands every subscriber its result. What buys that speed
must change nothing a subscriber receives: the same subscription is run on
the app's schema and on the same schema with graphql-core's plain execution
(``build_schema(shared_events=False)``), for staff of different rights and
locations, over entries of several kinds, and the results must be equal.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types.execution import ExecutionResult, PreExecutionError

from domain.viewer import Viewer, viewer_for_token
from domain.vocabulary import ActivityType, WindowStatus
from schema.build import build_schema, schema
from schema.context import Context
from service.services import Services
from tests.factories import add_entries, add_family
from tests.support import World

EVENTS = """
subscription Events($after: Int) {
  activityEvents(afterSequence: $after) {
    sequence change reason type status entryId
    entry {
      ... on PaymentActivity { id amount availableActions location { name } family { name } }
      ... on ActivityEntry { id status notes hasNotes family { name } location { name } }
    }
  }
}
"""


async def _events(
    run_on: strawberry.Schema, services: Services, viewer: Viewer, count: int
) -> list[ExecutionResult | PreExecutionError]:
    context = Context(services=services, viewer=viewer)
    subscription = await run_on.subscribe(
        EVENTS, variable_values={"after": 0}, context_value=context
    )
    assert not isinstance(subscription, ExecutionResult | PreExecutionError), subscription
    results: list[ExecutionResult | PreExecutionError] = []
    try:
        async for result in subscription:
            results.append(result)
            if len(results) == count:
                break
    finally:
        await subscription.aclose()
    return results


def _plain(result: ExecutionResult | PreExecutionError) -> tuple[Any, Any]:
    return result.data, [e.formatted for e in result.errors or []]


async def test_shared_and_plain_execution_give_every_subscriber_the_same_events(
    services: Services, world: World
) -> None:
    # Given entries of several kinds, in and out of one location, with notes or not
    riverside = world.riverside
    family_id, _ = await add_family(services.database, riverside.id)
    specs: list[dict[str, Any]] = [
        {"type": ActivityType.PAYMENT, "location_id": riverside.locations["north"]},
        {"type": ActivityType.PAYMENT, "location_id": riverside.locations["south"]},
        {"type": ActivityType.PAYMENT, "family_id": family_id, "notes": "paid at the desk"},
        {"type": ActivityType.NEW_ACCOUNT, "family_id": family_id},
        {"type": ActivityType.POLICY, "status": WindowStatus.NOTIFICATION},
    ]
    await add_entries(services.database, riverside.id, *specs)
    plain_schema = build_schema(shared_events=False)

    for token in (riverside.full, riverside.view_only, riverside.north_only):
        async with services.database.read() as session:
            viewer = await viewer_for_token(session, token)
        assert viewer is not None
        visible = 4 if viewer.location_ids else len(specs)

        # When the same subscription replays them, shared and plain
        shared = await _events(schema, services, viewer, visible)
        plain = await _events(plain_schema, services, viewer, visible)

        # Then each event is the same, data and errors alike
        assert [_plain(r) for r in shared] == [_plain(r) for r in plain]
        assert all(not r.errors for r in shared), [r.errors for r in shared]
