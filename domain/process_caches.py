"""Per-process caches of values made once and shared by every subscriber.

What they buy (BENCHMARKS.md, third pass, measured by ``make bench``): with
a thousand subscribers of one organisation, each event's work is done once
per process instead of once per subscriber: the printed document and the
variables a subscription's selection uses (``schema.execution``), the event
object for a change and its loaded entry, and the DataLoaders that read its
location, family and student (``schema.live``). Current figures: to be
measured by ``make bench``.

Every cache is a ``ProcessCache``: the last ``kept`` values, each made at
most once per key, first made first forgotten. Keys that hold a loaded
object use ``Same``, equal only to that very object. A cached value is
exactly the value its ``make`` returns (``tests/test_process_caches.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Same:
    """A key part equal only to itself: the very object (a loaded row, a
    parsed document), kept alive by the key so its identity cannot be reused
    while it is cached."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


class ProcessCache(Generic[K, V]):
    """The last ``kept`` values by key, each made once."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``make()``'s, kept from now on."""
        try:
            return self._values[key]
        except KeyError:
            pass
        value = self._values[key] = make()
        while len(self._values) > self.kept:
            self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        self._values.clear()
