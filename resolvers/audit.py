"""Reading the audit log: the viewer's organisation and locations, newest first."""

from __future__ import annotations

import strawberry
from strawberry import relay

from domain import audit as domain_audit
from domain.audit import AuditErrorCode
from domain.errors import InvalidRequest
from domain.ids import database_id
from schema.audit import AuditConnection, AuditFilter
from schema.context import Context
from schema.errors import InvalidArguments


def _staff_id(raw: strawberry.ID) -> int:
    try:
        parsed = relay.GlobalID.from_id(str(raw))
        number = database_id(parsed.node_id) if parsed.type_name == "Staff" else None
        if number is not None:
            return number
    except (ValueError, TypeError):
        pass
    raise InvalidRequest.one(AuditErrorCode.NOT_FOUND, "no such staff member", "filter", "staffId")


def audit_filter(raw: AuditFilter | None) -> domain_audit.AuditFilter:
    if raw is None:
        return domain_audit.AuditFilter()
    return domain_audit.AuditFilter(
        actions=None if raw.action is None else frozenset(raw.action),
        entry_types=None if raw.entry_type is None else frozenset(raw.entry_type),
        staff_id=None if raw.staff_id is None else _staff_id(raw.staff_id),
        since=raw.from_,
        until=raw.to,
    )


async def audit_log(
    info: strawberry.Info, raw_filter: AuditFilter | None, first: int, after: str | None
) -> AuditConnection | InvalidArguments:
    """Readable by anyone who may view the window ("can be accessed through
    the iClassPro Audit Log for up to two years")."""
    context = info.context
    assert isinstance(context, Context)
    viewer = context.require_viewer()
    try:
        parsed = audit_filter(raw_filter)
        async with context.services.database.read() as session:
            page = await domain_audit.fetch_audit_page(
                session, viewer, parsed, first=first, after=after, now=context.now()
            )
    except InvalidRequest as refused:
        return InvalidArguments.from_problems(refused.problems)
    return AuditConnection.from_page(page, had_cursor=after is not None)
