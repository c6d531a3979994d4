"""The edit-lock mutations: one unit of work each, then the push."""

from __future__ import annotations

from datetime import timedelta

from domain import lock as domain_lock
from domain.errors import InvalidRequest
from resolvers.context import RequestContext


def _ttl(context: RequestContext) -> timedelta:
    return timedelta(seconds=context.services.settings.edit_lock_ttl_seconds)


async def acquire_edit_lock(
    context: RequestContext, surface: domain_lock.Surface, take_over: bool
) -> domain_lock.Lease | InvalidRequest:
    viewer = context.require_viewer()
    try:
        async with context.services.database.write() as session:
            lease = await domain_lock.acquire(
                session, viewer, surface, take_over=take_over, now=context.now(), ttl=_ttl(context)
            )
    except InvalidRequest as refused:
        return refused
    await context.services.publish_lock(viewer.staff_id)
    return lease


async def current_lock(context: RequestContext) -> domain_lock.LockState:
    viewer = context.require_viewer()
    async with context.services.database.read() as session:
        return await domain_lock.lock_state(session, viewer.staff_id, now=context.now())


async def renew_edit_lock(
    context: RequestContext, token: str
) -> domain_lock.Lease | InvalidRequest:
    viewer = context.require_viewer()
    try:
        async with context.services.database.write() as session:
            lease = await domain_lock.renew(
                session, viewer, token, now=context.now(), ttl=_ttl(context)
            )
    except InvalidRequest as refused:
        return refused
    await context.services.publish_lock(viewer.staff_id)
    return lease


async def release_edit_lock(context: RequestContext, token: str) -> bool:
    viewer = context.require_viewer()
    async with context.services.database.write() as session:
        released = await domain_lock.release(session, viewer, token, now=context.now())
    if released:
        await context.services.publish_lock(viewer.staff_id)
    return released
