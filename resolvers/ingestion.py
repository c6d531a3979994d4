"""Recording portal events: authenticate the portal, one unit of work, publish."""

from __future__ import annotations

from domain import ingestion
from domain.errors import InvalidRequest
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import PortalEventRequest
from domain.journal import Journal
from resolvers.context import Deferred, RequestContext


async def record_portal_event(
    context: RequestContext, request: Deferred[PortalEventRequest]
) -> ingestion.IngestionResult | InvalidRequest:
    """Only the organisation's customer portal may record events: a staff
    token or no key is UNAUTHENTICATED and records nothing."""
    if context.portal is None:
        return InvalidRequest.one(
            PortalEventErrorCode.UNAUTHENTICATED,
            "Call with the organisation's portal key as bearer token.",
        )
    try:
        event = request()
        async with context.services.database.write() as session:
            journal = Journal(session)
            result = await ingestion.record_portal_event(
                session, journal, context.portal.organisation_id, event, now=context.now()
            )
    except InvalidRequest as refused:
        return refused
    await context.services.publish(journal.changes)
    return result
