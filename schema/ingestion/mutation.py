"""Portal ingestion: the mutation the customer portal calls with its key."""

from __future__ import annotations

import strawberry

from resolvers import ingestion as ingestion_resolvers
from schema.context import Info
from schema.ingestion.kinds import RecordPortalEventInput
from schema.ingestion.payload import RecordPortalEventPayload


@strawberry.type
class IngestionMutations:
    @strawberry.mutation(
        description="Record one customer-portal event as entries of the Online Activity "
        "window. Call it with the organisation's portal key as bearer token (`oap_...`)."
    )
    async def record_portal_event(
        self, info: Info, input: RecordPortalEventInput
    ) -> RecordPortalEventPayload:
        return await ingestion_resolvers.record_portal_event(info, input)
