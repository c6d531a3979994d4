"""Who is asking: a staff member (or the portal) resolved from a credential.

Tokens carry a prefix that says what they are, as GitHub's do: ``oas_`` for
staff bearer tokens, ``oap_`` for an organisation's portal key. Only their
sha256 is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.vocabulary import ActivityType, PermissionLevel, Task, task_for
from models import Organisation, Staff, StaffLocation, StaffToken

STAFF_TOKEN_PREFIX = "oas_"
PORTAL_KEY_PREFIX = "oap_"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_staff_token() -> str:
    return STAFF_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_portal_key() -> str:
    return PORTAL_KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Viewer:
    """A signed-in staff member, with what they may see and do."""

    staff_id: int
    organisation_id: int
    name: str
    permissions: dict[Task, PermissionLevel]
    # None: every location. Otherwise only these (plus location-independent entries).
    location_ids: frozenset[int] | None

    def level(self, task: Task) -> PermissionLevel:
        return self.permissions.get(task, PermissionLevel.NONE)

    @property
    def can_view_window(self) -> bool:
        """ "staff members must have the "Manage Online Activity" task permission
        set to view or full"."""
        return self.level(Task.MANAGE_ONLINE_ACTIVITY).allows(PermissionLevel.VIEW)

    def can_act_on(self, activity_type: ActivityType) -> bool:
        """Acting needs FULL on "Manage Online Activity" and "full permissions to
        the [task] to approve/deny" the entry's type."""
        return self.level(Task.MANAGE_ONLINE_ACTIVITY) is PermissionLevel.FULL and (
            self.level(task_for(activity_type)) is PermissionLevel.FULL
        )

    def sees_location(self, location_id: int | None) -> bool:
        return location_id is None or self.location_ids is None or location_id in self.location_ids


@dataclass(frozen=True)
class PortalClient:
    """The customer portal of one organisation, authenticated by its portal key.

    It reads back the entries it records (their fields read the
    organisation's settings as a staff member's would).
    """

    organisation_id: int


def _parse_permissions(raw: dict[str, str]) -> dict[Task, PermissionLevel]:
    parsed: dict[Task, PermissionLevel] = {}
    for task, level in raw.items():
        if task in Task.__members__ and level in PermissionLevel.__members__:
            parsed[Task(task)] = PermissionLevel(level)
    return parsed


async def viewer_for_token(session: AsyncSession, token: str) -> Viewer | None:
    """The staff member a bearer token belongs to, or None for any bad token."""
    return (await viewers_for_tokens(session, [token])).get(token)


async def viewers_for_tokens(session: AsyncSession, tokens: Sequence[str]) -> dict[str, Viewer]:
    """The staff member of each token that resolves (a bad token is absent):
    one statement for any number of tokens (two when some staff member sees
    only some locations), so a process re-checking many open sockets does
    not read once per socket."""
    hashes = {hash_secret(t): t for t in tokens if t.startswith(STAFF_TOKEN_PREFIX)}
    if not hashes:
        return {}
    rows = (
        await session.execute(
            select(StaffToken.token_hash, Staff)
            .join(StaffToken, StaffToken.staff_id == Staff.id)
            .where(
                StaffToken.token_hash.in_(list(hashes)),
                StaffToken.revoked_at.is_(None),
                Staff.active.is_(True),
            )
        )
    ).all()
    limited = sorted({staff.id for _, staff in rows if not staff.all_locations})
    locations: dict[int, set[int]] = {staff_id: set() for staff_id in limited}
    if limited:
        pairs = await session.execute(
            select(StaffLocation.staff_id, StaffLocation.location_id).where(
                StaffLocation.staff_id.in_(limited)
            )
        )
        for staff_id, location_id in pairs:
            locations[staff_id].add(location_id)
    return {
        hashes[token_hash]: Viewer(
            staff_id=staff.id,
            organisation_id=staff.organisation_id,
            name=staff.name,
            permissions=_parse_permissions(staff.permissions),
            location_ids=None if staff.all_locations else frozenset(locations[staff.id]),
        )
        for token_hash, staff in rows
    }


class ViewerCache:
    """Recently resolved staff tokens: token hash -> Viewer, for ``ttl`` seconds.

    Saves the token lookup on every request. The price is staleness bounded
    by the TTL: a revoked token, a deactivated staff member or changed
    permissions take effect within ``ttl`` seconds (``TOKEN_CACHE_SECONDS``;
    0 disables the cache, so they take effect on the next request). Only
    valid tokens are kept (a bad token is looked up every time), at most
    ``size`` of them, least recently used first out.

    Concurrent misses for one token share one lookup (``resolve``): many
    sockets or requests of one staff member arriving together look it up
    once. (Open sockets' re-checks go through ``service.socket_rights``'s
    one watch per process, which reads its misses together.)
    """

    def __init__(
        self, ttl: float, *, size: int = 4096, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Viewer]] = OrderedDict()
        self._lookups: dict[str, asyncio.Future[Viewer | None]] = {}

    async def resolve(
        self, token: str, lookup: Callable[[], Awaitable[Viewer | None]]
    ) -> Viewer | None:
        """The token's cached viewer, else ``lookup()``'s (kept if valid),
        one lookup for however many callers miss at the same time."""
        viewer = self.get(token)
        if viewer is not None:
            return viewer
        key = hash_secret(token)
        pending = self._lookups.get(key)
        if pending is None:
            pending = self._lookups[key] = asyncio.ensure_future(lookup())
            pending.add_done_callback(lambda done: self._looked_up(key, done))
        # (a caller that gives up does not cancel the others' lookup)
        viewer = await asyncio.shield(pending)
        if viewer is not None:
            self.put(token, viewer)
        return viewer

    def _looked_up(self, key: str, done: asyncio.Future[Viewer | None]) -> None:
        self._lookups.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved: the callers still waiting get it raised

    def get(self, token: str) -> Viewer | None:
        if self.ttl <= 0:
            return None
        key = hash_secret(token)
        found = self._entries.get(key)
        if found is None:
            return None
        expires, viewer = found
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return viewer

    def put(self, token: str, viewer: Viewer) -> None:
        if self.ttl <= 0:
            return
        key = hash_secret(token)
        self._entries[key] = (self._clock() + self.ttl, viewer)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


async def portal_for_key(session: AsyncSession, key: str) -> PortalClient | None:
    if not key.startswith(PORTAL_KEY_PREFIX):
        return None
    organisation_id = await session.scalar(
        select(Organisation.id).where(Organisation.portal_key_hash == hash_secret(key))
    )
    if organisation_id is None:
        return None
    return PortalClient(organisation_id=organisation_id)
