"""Recording portal events: authenticate the portal, one unit of work, publish."""

from __future__ import annotations

from domain import ingestion
from domain.errors import InvalidRequest
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.journal import Journal
from resolvers.actions import global_id
from schema.context import Context, Info
from schema.entries import entry_object
from schema.errors import PortalEventError
from schema.ingestion.kinds import RecordPortalEventInput
from schema.ingestion.payload import RecordPortalEventPayload
from schema.review import NotApplied


def _refused(*errors: PortalEventError) -> RecordPortalEventPayload:
    """Nothing was recorded: the only case with ``userErrors``."""
    return RecordPortalEventPayload(
        entries=[], replayed=False, not_applied=[], user_errors=list(errors)
    )


async def record_portal_event(
    info: Info, input: RecordPortalEventInput
) -> RecordPortalEventPayload:
    """Only the organisation's customer portal may record events: a staff
    token or no key is UNAUTHENTICATED and records nothing."""
    context: Context = info.context
    if context.portal is None:
        return _refused(
            PortalEventError(
                code=PortalEventErrorCode.UNAUTHENTICATED,
                message="Call with the organisation's portal key as bearer token.",
                field=None,
            )
        )
    try:
        request = input.to_domain()
        async with context.services.database.write() as session:
            journal = Journal(session)
            result = await ingestion.record_portal_event(
                session, journal, context.portal.organisation_id, request, now=context.now()
            )
    except InvalidRequest as refused:
        return _refused(*(PortalEventError.from_problem(p) for p in refused.problems))
    await context.services.publish(journal.changes)
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
