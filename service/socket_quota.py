"""How many websockets one staff member may hold open, across processes.

Issue 10: "One token may open 100 sockets of 20 subscriptions each: cap
sockets per staff member (clear close code)." A socket holds a lease from
the moment its ``connection_init`` is accepted until it closes; the
``max_sockets_per_staff``-th lease more is refused, and that socket is closed
with ``TOO_MANY_SOCKETS`` (4290) before its ``connection_ack``.

- ``memory://`` broadcast (the embedded default, one process by design):
  leases are counted in the process (``LocalSocketQuota``).
- Redis (production, several processes): ``RedisSocketQuota`` keeps a
  sorted set per staff member, members the socket ids, scores the instant
  each lease expires on the Redis server's clock. Admission (drop expired
  leases, count, add) is one Lua script, so two processes cannot both take
  the last place. Each process renews the leases of its open sockets every
  third of ``socket_lease_seconds``; a process that dies stops renewing and
  its leases expire, so a crash frees its places within that time.
  If Redis cannot be reached the socket is admitted (the cap protects the
  server; it must not take live updates down with Redis) and a warning is
  logged.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from service.settings import Settings
from subscriptions.waits import stop_task, within

TOO_MANY_SOCKETS: Final = 4290

log = logging.getLogger(__name__)


class SocketLimitReached(Exception):
    def __init__(self, maximum: int) -> None:
        super().__init__(f"Too many open sockets for this staff member (at most {maximum})")


@dataclass(frozen=True, slots=True)
class SocketLease:
    staff_id: int
    socket_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class SocketQuota:
    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    async def admit(self, staff_id: int) -> SocketLease:
        """A lease for one more socket of ``staff_id``, or ``SocketLimitReached``."""
        raise NotImplementedError

    async def release(self, lease: SocketLease) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


class LocalSocketQuota(SocketQuota):
    """One process's sockets: right when this process is the only one."""

    def __init__(self, maximum: int) -> None:
        super().__init__(maximum)
        self._open: dict[int, set[str]] = {}

    async def admit(self, staff_id: int) -> SocketLease:
        held = self._open.setdefault(staff_id, set())
        if len(held) >= self.maximum:
            raise SocketLimitReached(self.maximum)
        lease = SocketLease(staff_id)
        held.add(lease.socket_id)
        return lease

    async def release(self, lease: SocketLease) -> None:
        held = self._open.get(lease.staff_id)
        if held is not None:
            held.discard(lease.socket_id)
            if not held:
                del self._open[lease.staff_id]


# KEYS[1] the staff member's set; ARGV: maximum, lease ms, socket id.
_ADMIT = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
# KEYS: sets; ARGV[1] lease ms, then one socket id per key. XX: a lease
# released meanwhile is not brought back.
_RENEW = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', ms + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS
"""
_RENEW_BATCH: Final = 500


class RedisSocketQuota(SocketQuota):
    def __init__(self, maximum: int, url: str, lease_seconds: float, namespace: str) -> None:
        super().__init__(maximum)
        self.url = url
        # The installation's namespace (Settings.channel_namespace), as its channels.
        self.prefix = f"{namespace}:sockets:staff:"
        self.lease_ms = max(int(lease_seconds * 1000), 1000)
        self._client: Any = None
        self._scripts: dict[str, Any] = {}
        self._leases: set[SocketLease] = set()
        self._renewal: asyncio.Task[None] | None = None

    def _redis(self) -> Any:
        if self._client is None:
            from redis.asyncio import Redis

            self._client = Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
            # EVALSHA, loading the script again after a Redis restart.
            self._scripts = {
                "admit": self._client.register_script(_ADMIT),
                "renew": self._client.register_script(_RENEW),
            }
        return self._client

    def _script(self, name: str) -> Any:
        self._redis()
        return self._scripts[name]

    async def admit(self, staff_id: int) -> SocketLease:
        from redis.exceptions import RedisError

        lease = SocketLease(staff_id)
        try:
            admitted = await self._script("admit")(
                keys=[self.prefix + str(staff_id)],
                args=[self.maximum, self.lease_ms, lease.socket_id],
            )
        except (RedisError, OSError) as error:
            log.warning("socket quota: Redis unreachable, socket admitted uncounted: %s", error)
            return lease
        if not admitted:
            raise SocketLimitReached(self.maximum)
        self._leases.add(lease)
        if self._renewal is None or self._renewal.done():
            # Not in the admitting request's context (its request id in the logs).
            self._renewal = asyncio.create_task(
                self._renew_forever(), name="socket-leases", context=contextvars.Context()
            )
        return lease

    async def release(self, lease: SocketLease) -> None:
        from redis.exceptions import RedisError

        if lease not in self._leases:
            return
        self._leases.discard(lease)
        try:
            await self._redis().zrem(self.prefix + str(lease.staff_id), lease.socket_id)
        except (RedisError, OSError) as error:  # it expires on its own
            log.warning("socket quota: lease not released (expires by itself): %s", error)

    async def renew(self) -> None:
        """Push back the expiry of every lease this process holds."""
        leases = list(self._leases)
        for start in range(0, len(leases), _RENEW_BATCH):
            batch = leases[start : start + _RENEW_BATCH]
            keys = [self.prefix + str(lease.staff_id) for lease in batch]
            await self._script("renew")(
                keys=keys, args=[self.lease_ms, *(lease.socket_id for lease in batch)]
            )

    async def _renew_forever(self) -> None:
        from redis.exceptions import RedisError

        while self._leases:
            await asyncio.sleep(self.lease_ms / 3000)
            try:
                # redis-py writes through 3.11's wait_for: a cancellation (aclose)
                # as a renewal is written would come back swallowed, and the
                # loop would renew for ever (subscriptions.waits).
                async with within(None):
                    await self.renew()
            except (RedisError, OSError) as error:
                log.warning("socket quota: leases not renewed: %s", error)

    async def aclose(self) -> None:
        await stop_task(self._renewal)
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def socket_quota_for(settings: Settings) -> SocketQuota:
    """Counted in Redis when the processes share one, else in this process."""
    maximum = settings.max_sockets_per_staff
    if settings.broadcast_url.startswith(("redis://", "rediss://")):
        return RedisSocketQuota(
            maximum,
            settings.broadcast_url,
            settings.socket_lease_seconds,
            settings.channel_namespace,
        )
    return LocalSocketQuota(maximum)
