"""The socket quota's lease renewal stops when the server does.

``RedisSocketQuota`` renews its leases in a task that ``aclose`` cancels.
redis-py writes each command through Python 3.11's ``asyncio.wait_for``,
which returns normally to a task cancelled as the write completes; the
renewal then went on renewing for ever, and ``aclose`` (a server's
shutdown) waited on it. ``subscriptions.waits.within`` raises the swallowed
cancellation. Redis is played by a script that writes as redis-py does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.socket_quota import RedisSocketQuota, SocketLease

pytestmark = pytest.mark.backend_free


class _WritingScript:
    """A registered script whose call writes as redis-py does with a socket
    timeout: through ``asyncio.wait_for`` until ``written`` completes."""

    def __init__(self) -> None:
        self.written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.writing = asyncio.Event()

    async def __call__(self, keys: list[str], args: list[Any]) -> int:
        self.writing.set()
        await asyncio.wait_for(asyncio.shield(self.written), 5)
        return len(keys)


class _Client:
    async def aclose(self) -> None:
        return None


async def test_aclose_ends_a_renewal_cancelled_as_its_command_is_written() -> None:
    quota = RedisSocketQuota(4, "redis://127.0.0.1:1/0", lease_seconds=1, namespace="test")
    script = _WritingScript()
    quota._client = _Client()
    quota._scripts = {"renew": script}
    quota._leases.add(SocketLease(1))
    renewal = quota._renewal = asyncio.create_task(quota._renew_forever())
    await asyncio.wait_for(script.writing.wait(), 5)  # the first renewal is being written
    script.written.set_result(None)  # the write completes as the server stops
    closing = asyncio.create_task(quota.aclose())
    done, _ = await asyncio.wait([closing], timeout=2)
    renewal.cancel()  # a renewal that swallowed its cancellation, were there one
    await asyncio.gather(closing, return_exceptions=True)
    assert closing in done, "aclose() still waits for a renewal it cancelled"
    assert renewal.cancelled()
