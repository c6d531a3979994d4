"""A subscriber's inbox and uvicorn's lean receive queue (``subscriptions.inbox``).

Issue 12: an idle subscriber must cost little; the inbox replaces an
``asyncio.Queue`` and must deliver exactly like one: first in, first out,
a waiting reader woken by a put, a cancelled reader's wake-up passed on.
"""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from service.ws_protocol import Writable
from subscriptions.inbox import Inbox


async def test_items_come_out_in_the_order_they_were_put() -> None:
    inbox: Inbox[int] = Inbox()
    for item in (1, 2, 3):
        inbox.put(item)
    assert len(inbox) == 3
    assert [await inbox.get() for _ in range(3)] == [1, 2, 3]
    assert inbox.empty()


async def test_a_waiting_reader_gets_the_next_item() -> None:
    inbox: Inbox[str] = Inbox()
    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done()
    inbox.put("event")
    assert await asyncio.wait_for(reader, 1) == "event"


async def test_a_reader_cancelled_after_its_wake_up_passes_the_item_on() -> None:
    inbox: Inbox[str] = Inbox()
    first = asyncio.create_task(inbox.get())
    second = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    inbox.put("only")  # wakes the first reader ...
    first.cancel()  # ... which is cancelled before it runs
    assert await asyncio.wait_for(second, 1) == "only"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_timed_out_read_leaves_the_inbox_usable() -> None:
    inbox: Inbox[int] = Inbox()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(inbox.get(), 0.01)
    inbox.put(7)
    assert await inbox.get() == 7


async def test_clear_drops_what_was_not_read() -> None:
    inbox: Inbox[int] = Inbox()
    inbox.put(1)
    inbox.clear()
    inbox.put(2)
    assert await inbox.get() == 2


async def test_an_idle_inbox_is_much_smaller_than_an_asyncio_queue() -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        queues = [asyncio.Queue[int]() for _ in range(200)]
        queued = tracemalloc.get_traced_memory()[0] - before
        del queues
        before = tracemalloc.get_traced_memory()[0]
        inboxes = [Inbox[int]() for _ in range(200)]
        held = tracemalloc.get_traced_memory()[0] - before
        del inboxes
    finally:
        tracemalloc.stop()
    assert held * 10 < queued


async def test_a_send_waits_until_the_transport_is_writable_again() -> None:
    writable = Writable()
    await asyncio.wait_for(writable.wait(), 1)  # set: no wait
    writable.clear()
    senders = [asyncio.create_task(writable.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    senders[0].cancel()  # one sender gives up: the other still waits
    await asyncio.sleep(0)
    assert not senders[1].done()
    writable.set()
    await asyncio.wait_for(senders[1], 1)
