"""Staff actions: unpack the input, check the viewer may act, run one unit of
work, publish its changes after commit. The rules live in ``domain``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain import actions
from domain import email as domain_email
from domain.actions.outcome import Code
from domain.actions.selection import resolve
from domain.errors import InvalidRequest, Problem
from domain.families import suspend_family as domain_suspend_family
from domain.journal import WindowChange
from domain.lock_fence import LockClaim, domain_lock_check
from domain.viewer import Viewer
from domain.vocabulary import PermissionLevel, Task
from domain.window import WindowFilter
from models import Family
from resolvers.context import Deferred, RequestContext

T = TypeVar("T")


@dataclass
class Done(Generic[T]):
    """What a mutation returns: its value, or the problems that stopped it."""

    value: T | None = None
    problems: list[Problem] = field(default_factory=list)


def require_actor(viewer: Viewer) -> None:
    """ "VIEW may read and email nothing": every action needs FULL on Manage
    Online Activity (and, per item, on the entry type's task)."""
    if viewer.level(Task.MANAGE_ONLINE_ACTIVITY) is not PermissionLevel.FULL:
        raise InvalidRequest.one(
            Code.ACCESS_DENIED, "needs full permission on Manage Online Activity"
        )


def selection(
    ids: Sequence[actions.EntryRef] | None,
    everything: Deferred[WindowFilter] | None,
    watermark: int | None,
) -> actions.Selection:
    return actions.Selection(
        refs=None if ids is None else tuple(ids),
        window_filter=None if everything is None else everything(),
        watermark=watermark,
    )


async def _unit_of_work(
    context: RequestContext,
    work: Callable[[AsyncSession, Viewer, datetime], Awaitable[T]],
    changes_of: Callable[[T], Sequence[WindowChange]] | None = None,
) -> Done[T]:
    viewer = context.require_viewer()
    try:
        require_actor(viewer)
        async with context.services.database.write() as session:
            value = await work(session, viewer, context.now())
    except InvalidRequest as refused:
        return Done(problems=refused.problems)
    if changes_of is not None:
        await context.services.publish(changes_of(value))
    return Done(value=value)


def _claim(context: RequestContext, token: str | None) -> LockClaim:
    return LockClaim(token, required=context.services.settings.require_edit_lock)


def _report_changes(report: actions.ActionReport) -> Sequence[WindowChange]:
    return report.changes


class MassAction(Protocol):
    """A bulk domain action: ``actions.approve_activities`` or ``dismiss_activities``."""

    async def __call__(
        self,
        session: AsyncSession,
        viewer: Viewer,
        chosen: actions.Selection,
        *,
        now: datetime,
        lock: LockClaim,
        with_entries: bool = True,
    ) -> actions.ActionReport: ...


async def mass_action(
    context: RequestContext,
    apply: MassAction,
    *,
    ids: Sequence[actions.EntryRef] | None,
    everything: Deferred[WindowFilter] | None,
    watermark: int | None,
    lock_token: str | None,
    with_entries: bool = True,
) -> Done[actions.ActionReport]:
    """The checked entries, or all matching the window's filter up to the
    watermark, through one bulk action in one unit of work; the entries are
    loaded for the results only ``with_entries``."""

    async def work(session: AsyncSession, viewer: Viewer, now: datetime) -> actions.ActionReport:
        chosen = selection(ids, everything, watermark)
        return await apply(
            session,
            viewer,
            chosen,
            now=now,
            lock=_claim(context, lock_token),
            with_entries=with_entries,
        )

    return await _unit_of_work(context, work, _report_changes)


async def approve_activity(
    context: RequestContext,
    *,
    ref: actions.EntryRef,
    options: actions.ApproveOptions,
    lock_token: str | None,
) -> Done[actions.ActionReport]:
    async def work(session: AsyncSession, viewer: Viewer, now: datetime) -> actions.ActionReport:
        chosen = actions.Selection(refs=(ref,))
        return await actions.approve_activities(
            session, viewer, chosen, now=now, lock=_claim(context, lock_token), options=options
        )

    return await _unit_of_work(context, work, _report_changes)


async def deny_activity(
    context: RequestContext,
    *,
    ref: actions.EntryRef,
    expected_version: int | None,
    reason: str | None,
    lock_token: str | None,
) -> Done[actions.ActionReport]:
    async def work(session: AsyncSession, viewer: Viewer, now: datetime) -> actions.ActionReport:
        return await actions.deny_activity(
            session,
            viewer,
            ref,
            expected_version=expected_version,
            reason=reason,
            now=now,
            lock=_claim(context, lock_token),
        )

    return await _unit_of_work(context, work, _report_changes)


async def review_online_order(
    context: RequestContext, *, ref: actions.EntryRef, lock_token: str | None
) -> Done[actions.OrderReview]:
    async def work(session: AsyncSession, viewer: Viewer, now: datetime) -> actions.OrderReview:
        return await actions.review_online_order(
            session, viewer, ref, now=now, lock=_claim(context, lock_token)
        )

    return await _unit_of_work(context, work, lambda review: review.changes)


async def suspend_family(
    context: RequestContext,
    *,
    family: Deferred[int] | None,
    entry: actions.EntryRef | None,
    note: str | None,
    lock_token: str | None,
) -> Done[Family]:
    async def work(session: AsyncSession, viewer: Viewer, now: datetime) -> Family:
        return await domain_suspend_family(
            session,
            viewer,
            family_id=None if family is None else family(),
            entry_ref=entry,
            note=note,
            now=now,
            lock=_claim(context, lock_token),
        )

    return await _unit_of_work(context, work)


def _email_selection(
    viewer: Viewer,
    ids: Sequence[actions.EntryRef] | None,
    everything: Deferred[WindowFilter] | None,
    watermark: int | None,
    subject: str,
    body: str,
) -> actions.Selection:
    """The checks of an email before anything is read: rights, selection, template."""
    require_actor(viewer)
    chosen = selection(ids, everything, watermark)
    chosen.validate()
    domain_email.check_template(subject, body)
    return chosen


async def _plan_email(
    session: AsyncSession,
    viewer: Viewer,
    chosen: actions.Selection,
    now: datetime,
    subject: str,
    body: str,
) -> domain_email.EmailPlan:
    """Who an email to the selected entries' families reaches, and who is
    skipped and why: the same plan for the preview and the send."""
    targets = await resolve(session, viewer, chosen, now, lock=False)
    missing = [
        Problem(Code.NOT_FOUND, f"no such entry: {t.ref}", ("input", "ids", str(index)))
        for index, t in enumerate(targets)
        if t.row is None
    ]
    if missing:
        raise InvalidRequest(missing)
    return await domain_email.plan_emails(
        session, viewer, [t.row for t in targets if t.row is not None], subject=subject, body=body
    )


async def email_preview(
    context: RequestContext,
    *,
    ids: Sequence[actions.EntryRef] | None,
    everything: Deferred[WindowFilter] | None,
    watermark: int | None,
    subject: str,
    body: str,
) -> Done[domain_email.EmailPlan]:
    """The email's plan, read only: nothing is sent, recorded or locked."""
    viewer = context.require_viewer()
    try:
        chosen = _email_selection(viewer, ids, everything, watermark, subject, body)
        async with context.read() as session:
            plan = await _plan_email(session, viewer, chosen, context.now(), subject, body)
    except InvalidRequest as refused:
        return Done(problems=refused.problems)
    return Done(value=plan)


async def email_families(
    context: RequestContext,
    *,
    ids: Sequence[actions.EntryRef] | None,
    everything: Deferred[WindowFilter] | None,
    watermark: int | None,
    subject: str,
    body: str,
    lock_token: str | None,
) -> Done[domain_email.EmailPlan]:
    """Plan in a read session, send outside any transaction (SMTP may be
    slow), then record who was emailed in the audit log."""
    viewer = context.require_viewer()
    services = context.services
    try:
        chosen = _email_selection(viewer, ids, everything, watermark, subject, body)
        # The lease checked holds (FOR SHARE) until the plan is made.
        async with services.database.locking_read() as session:
            await domain_lock_check(session, viewer, _claim(context, lock_token))
            plan = await _plan_email(session, viewer, chosen, context.now(), subject, body)
    except InvalidRequest as refused:
        return Done(problems=refused.problems)
    delivered = await services.mailer_in_use().send(plan.messages)
    async with services.database.write() as session:
        await domain_email.record_emails(
            session, viewer, plan, delivered=delivered, now=context.now()
        )
    return Done(value=plan)
