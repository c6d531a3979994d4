"""A subscriber's messages waiting to be read: a lean one-reader queue.

Issue 12: an idle subscriber cost the server 56 KiB. An ``asyncio.Queue``
is four deques and an ``asyncio.Event`` (another deque), ~3 KiB before
its first message, for every subscription of every socket; most sit idle
for hours. This holds nothing until a message comes (the deque is made on
the first and dropped once drained) and, while a reader waits, its future
in a list. Bounding is the caller's (``Subscription._deliver``); uvicorn's
websocket protocol gets the same for its receive queue (``service.ws_protocol``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

Item = TypeVar("Item")


class Inbox(Generic[Item]):
    """First in, first out, unbounded (the caller bounds it); readers that
    wait are woken in turn, like ``asyncio.Queue.get``."""

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: deque[Item] | None = None
        self._waiters: list[asyncio.Future[None]] | None = None

    def __len__(self) -> int:
        return 0 if self._items is None else len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put(self, item: Item) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._wake_one()

    put_nowait = put  # asyncio.Queue's name, for code written against it

    def clear(self) -> None:
        self._items = None

    async def get(self) -> Item:
        """The oldest item, waiting for one if there is none (cancellable)."""
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # woken, then cancelled: the item is the next reader's
                raise
            finally:
                self._forget(waiter)
        item = self._items.popleft()
        if not self._items:
            self._items = None  # an idle subscriber keeps no block
        return item

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return

    def _forget(self, waiter: asyncio.Future[None]) -> None:
        if self._waiters is not None:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            if not self._waiters:
                self._waiters = None
