"""A long-lived subscription keeps nothing per event it has delivered.

Issue 10: "RSS back within 20% of its start after the load". A dashboard's
subscription lives for hours; graphql-core 3.3 kept every event's collected
subfields in the subscription's memo (``schema.execution._with_own_memo``),
so its memory grew with every event delivered until the socket closed.
"""

from __future__ import annotations

import gc

from graphql.execution.collect_fields import CollectedFields, FieldDetails
from strawberry.types.execution import ExecutionResult, PreExecutionError

from domain.viewer import viewer_for_token
from schema.build import schema
from schema.context import Context
from service.services import Services
from tests.factories import add_entries
from tests.support import World

EVENTS = """
subscription Events($after: Int) {
  activityEvents(afterSequence: $after) {
    sequence type
    entry { ... on PaymentActivity { id amount location { name } } }
  }
}
"""

EARLY = 20
LATE = 120


def _kept() -> int:
    """The graphql-core field collections alive now."""
    gc.collect()
    return sum(isinstance(o, CollectedFields | FieldDetails) for o in gc.get_objects())


async def test_a_subscription_keeps_no_field_collections_per_event(
    services: Services, world: World
) -> None:
    # Given a subscription that replays many events
    riverside = world.riverside
    await add_entries(services.database, riverside.id, *[{} for _ in range(LATE)])
    async with services.database.read() as session:
        viewer = await viewer_for_token(session, riverside.full)
    context = Context(services=services, viewer=viewer)
    subscription = await schema.subscribe(
        EVENTS, variable_values={"after": 0}, context_value=context
    )
    assert not isinstance(subscription, ExecutionResult | PreExecutionError), subscription
    received = 0
    try:
        # When it delivers a hundred events more, still open
        async for result in subscription:
            assert not result.errors, result.errors
            received += 1
            if received == EARLY:
                early = _kept()
            if received == LATE:
                break
        late = _kept()
    finally:
        await subscription.aclose()

    # Then what it keeps did not grow with them (it grew by 2-3 per event before)
    assert received == LATE
    assert late - early < (LATE - EARLY) // 10, (early, late)
