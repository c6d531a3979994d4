"""Portal ingestion: the mutation the customer portal calls with its key."""

from __future__ import annotations

import strawberry

from domain.errors import InvalidRequest
from resolvers import ingestion as ingestion_resolvers
from schema.context import Info
from schema.entries import entry_object, global_id
from schema.errors import PortalEventError
from schema.ingestion.kinds import RecordPortalEventInput
from schema.ingestion.payload import RecordPortalEventPayload
from schema.review import NotApplied


@strawberry.type
class IngestionMutations:
    @strawberry.mutation(
        description="Record one customer-portal event as entries of the Online Activity "
        "window. Call it with the organisation's portal key as bearer token (`oap_...`)."
    )
    async def record_portal_event(
        self, info: Info, input: RecordPortalEventInput
    ) -> RecordPortalEventPayload:
        result = await ingestion_resolvers.record_portal_event(info.context, input.to_domain)
        if isinstance(result, InvalidRequest):
            # Nothing was recorded: the only case with ``userErrors``.
            return RecordPortalEventPayload(
                entries=[],
                replayed=False,
                not_applied=[],
                user_errors=[PortalEventError.from_problem(p) for p in result.problems],
            )
        return RecordPortalEventPayload(
            entries=[entry_object(row) for row in result.entries],
            replayed=result.replayed,
            # Recorded, but not applied as sent: not an error, the portal hears why.
            not_applied=[
                NotApplied.from_problem(item.problem, entry_id=global_id(item.entry))
                for item in result.not_applied
            ],
            user_errors=[],
        )
