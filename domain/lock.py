"""The window-or-widget edit lock: one lease per staff member, fenced.

"To avoid conflicting edits, only the window or the widget is accessible at
any given time, and not both." A staff member's window and widget (and a
second window in another tab) therefore share one lock. Whichever surface
acquires it gets a lease: a random token (only its sha256 is stored), the
surface, and an expiry a heartbeat (``renew``) pushes forward. Acquiring
while another live lease exists is refused with who holds it, unless the
caller takes over, as WordPress's post lock does; the previous token then
stops working at once.

The lock lives in ``edit_locks`` (the database every server process shares),
one row per staff member. Every action checks its token with ``check_lease``
inside the action's own transaction: on PostgreSQL the row is read ``FOR
SHARE``, so a take-over waits for an action already past its check to commit,
and an action that checks after the take-over sees the new token and is
refused. SQLite serialises all write transactions (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ErrorCode, InvalidRequest
from domain.viewer import Viewer, hash_secret
from models import EditLock, Staff
from models.statuses import Surface as Surface

LOCK_TOKEN_PREFIX = "oal_"
DEFAULT_LEASE_TTL = timedelta(seconds=120)
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)
TOKEN_FIELD = ("input", "lockToken")


class LockErrorCode(ErrorCode):
    """The edit lock's area: "only the window or the widget is accessible at
    any given time, and not both"."""

    LOCK_HELD = "LOCK_HELD", "Another surface holds your edit lock; close it, or take over."
    LOCK_REQUIRED = "LOCK_REQUIRED", "Acquire the edit lock first and pass its token."
    LOCK_LOST = "LOCK_LOST", "The lock was taken over, released or has expired; acquire it again."


@dataclass(frozen=True)
class Lease:
    """What the holder keeps: pass ``token`` to every action and heartbeat."""

    token: str
    surface: Surface
    expires_at: datetime
    fence: int


@dataclass(frozen=True)
class LockState:
    """The lock as a staff member's surfaces see it."""

    staff_id: int
    holder_name: str
    held: bool
    surface: Surface | None
    expires_at: datetime | None
    fence: int
    token_hash: str | None

    def is_held_by(self, token: str | None) -> bool:
        return self.held and token is not None and self.token_hash == hash_secret(token)


def _live(row: EditLock, now: datetime) -> bool:
    return not row.released and row.expires_at > now


async def _locked_row(session: AsyncSession, viewer: Viewer, *, create: bool) -> EditLock | None:
    """The staff member's lock row, locked for update (created if asked)."""
    if create:
        dialect = session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(EditLock)
        await session.execute(
            insert.values(
                staff_id=viewer.staff_id,
                organisation_id=viewer.organisation_id,
                surface=Surface.WINDOW.value,
                token_hash="",
                fence=0,
                acquired_at=_NEVER,
                expires_at=_NEVER,
                released=True,
            ).on_conflict_do_nothing(index_elements=["staff_id"])
        )
    row: EditLock | None = await session.scalar(
        select(EditLock)
        .where(EditLock.staff_id == viewer.staff_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return row


def _state(row: EditLock | None, staff_id: int, name: str, now: datetime) -> LockState:
    if row is None or not _live(row, now):
        return LockState(staff_id, name, False, None, None, 0 if row is None else row.fence, None)
    return LockState(
        staff_id, name, True, Surface(row.surface), row.expires_at, row.fence, row.token_hash
    )


def _held_elsewhere(state: LockState) -> InvalidRequest:
    assert state.surface is not None and state.expires_at is not None
    where = "another window" if state.surface is Surface.WINDOW else "the widget"
    return InvalidRequest.one(
        LockErrorCode.LOCK_HELD,
        f"{state.holder_name} has Online Activity open in {where} "
        f"({state.surface.value}) until {state.expires_at.isoformat()}: only the window or "
        "the widget is accessible at any given time, and not both. Close it, or take over.",
        "input",
        "takeOver",
    )


async def acquire(
    session: AsyncSession,
    viewer: Viewer,
    surface: Surface,
    *,
    take_over: bool,
    now: datetime,
    ttl: timedelta = DEFAULT_LEASE_TTL,
) -> Lease:
    """Grant the staff member's edit lock to ``surface``.

    "only the window or the widget is accessible at any given time, and not
    both": while another lease is live this raises ``LOCK_HELD`` (naming the
    surface and until when) unless ``take_over``; taking over, or any new
    grant, bumps the fence so every earlier token is refused from now on.
    """
    row = await _locked_row(session, viewer, create=True)
    assert row is not None
    current = _state(row, viewer.staff_id, viewer.name, now)
    if current.held and not take_over:
        raise _held_elsewhere(current)
    token = LOCK_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row.surface = surface
    row.token_hash = hash_secret(token)
    row.fence += 1
    row.acquired_at = now
    row.expires_at = now + ttl
    row.released = False
    await session.flush()
    return Lease(token=token, surface=surface, expires_at=row.expires_at, fence=row.fence)


async def _own_live_row(
    session: AsyncSession, viewer: Viewer, token: str | None, now: datetime
) -> tuple[EditLock, str]:
    if not token:
        raise InvalidRequest.one(
            LockErrorCode.LOCK_REQUIRED,
            "Acquire the edit lock first and pass its token: only the window or the widget "
            "is accessible at any given time, and not both.",
            *TOKEN_FIELD,
        )
    row = await _locked_row(session, viewer, create=False)
    if row is None or row.token_hash != hash_secret(token) or not _live(row, now):
        raise InvalidRequest.one(
            LockErrorCode.LOCK_LOST,
            "This edit lock was taken over, released or has expired; acquire it again.",
            *TOKEN_FIELD,
        )
    return row, token


async def renew(
    session: AsyncSession,
    viewer: Viewer,
    token: str | None,
    *,
    now: datetime,
    ttl: timedelta = DEFAULT_LEASE_TTL,
) -> Lease:
    """The heartbeat: extend a live lease; a lost one stays lost (``LOCK_LOST``)."""
    row, token = await _own_live_row(session, viewer, token, now)
    row.expires_at = now + ttl
    await session.flush()
    return Lease(
        token=token, surface=Surface(row.surface), expires_at=row.expires_at, fence=row.fence
    )


async def release(
    session: AsyncSession, viewer: Viewer, token: str | None, *, now: datetime
) -> bool:
    """End the lease ``token`` names. Releasing a lease that is already gone
    (taken over, expired) changes nothing and returns False: it must never
    end the lease of whoever holds the lock now."""
    if not token:
        return False
    row = await _locked_row(session, viewer, create=False)
    if row is None or row.token_hash != hash_secret(token) or not _live(row, now):
        return False
    row.released = True
    await session.flush()
    return True


async def release_by_token(
    session: AsyncSession, staff_id: int, token: str, *, now: datetime
) -> bool:
    """Release on behalf of a dropped connection: the lease ends only if
    ``token`` still holds it (a set-based update, so it never touches a
    lease taken over meanwhile)."""
    result = await session.execute(
        update(EditLock)
        .where(
            EditLock.staff_id == staff_id,
            EditLock.token_hash == hash_secret(token),
            EditLock.released.is_(False),
            EditLock.expires_at > now,
        )
        .values(released=True)
    )
    return bool(getattr(result, "rowcount", 0))


async def check_lease(
    session: AsyncSession, viewer: Viewer, token: str | None, *, now: datetime
) -> None:
    """The fencing check every action runs inside its own transaction.

    "To avoid conflicting edits, only the window or the widget is accessible
    at any given time, and not both": an action needs the token of the live
    lease (``LOCK_REQUIRED`` without one, ``LOCK_LOST`` for a token that was
    taken over, released or has expired). Raises before anything changed.
    """
    if not token:
        await _own_live_row(session, viewer, token, now)  # raises LOCK_REQUIRED
    dialect = session.get_bind().dialect.name
    query = select(EditLock).where(EditLock.staff_id == viewer.staff_id)
    if dialect == "postgresql":
        query = query.with_for_update(read=True)
    row = await session.scalar(query.execution_options(populate_existing=True))
    if row is None or row.token_hash != hash_secret(token or "") or not _live(row, now):
        raise InvalidRequest.one(
            LockErrorCode.LOCK_LOST,
            "This edit lock was taken over, released or has expired; nothing was changed. "
            "Acquire it again.",
            *TOKEN_FIELD,
        )


async def lock_state(session: AsyncSession, staff_id: int, *, now: datetime) -> LockState:
    """Who holds the staff member's lock, from which surface, until when."""
    row = (
        await session.execute(
            select(Staff.name, EditLock)
            .outerjoin(EditLock, EditLock.staff_id == Staff.id)
            .where(Staff.id == staff_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        return LockState(staff_id, "", False, None, None, 0, None)
    name, lock = row
    return _state(lock, staff_id, name, now)
