"""Reading the audit log: the viewer's organisation and locations, newest first."""

from __future__ import annotations

from domain import audit as domain_audit
from domain.errors import InvalidRequest
from resolvers.context import Deferred, RequestContext


async def audit_log(
    context: RequestContext,
    filter: Deferred[domain_audit.AuditFilter],
    first: int,
    after: str | None,
) -> domain_audit.AuditPage | InvalidRequest:
    """Readable by anyone who may view the window ("can be accessed through
    the iClassPro Audit Log for up to two years")."""
    viewer = context.require_viewer()
    try:
        parsed = filter()
        async with context.services.database.read() as session:
            return await domain_audit.fetch_audit_page(
                session, viewer, parsed, first=first, after=after, now=context.now()
            )
    except InvalidRequest as refused:
        return refused
