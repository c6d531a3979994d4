"""The name of an activity kind, as stored on every entry (``type``).

Kinds are not a closed enum: each one lives in its own module and declares
itself to the registry (``domain.kinds.registry``). ``ActivityType`` is the
typed name: ``ActivityType("DROP")`` and ``ActivityType.DROP`` give the
one canonical value of a registered kind and refuse any other name, as an
enum would, so a typo fails at once instead of storing a stray type.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum

_names: dict[str, ActivityType] | None = None


def _registered() -> dict[str, ActivityType]:
    # The registry imports this module and the kinds lazily, on first use:
    # it is looked up here, once, rather than at import time.
    global _names
    if _names is None:
        from domain.kinds import registry

        _names = registry.names()
    return _names


class _KindNames(type):
    def __getattr__(cls, name: str) -> ActivityType:
        if name.startswith("_"):
            raise AttributeError(name)
        found = _registered().get(name)
        if found is None:
            raise AttributeError(f"no activity kind is named {name!r}")
        return found

    def __iter__(cls) -> Iterator[ActivityType]:
        return iter(list(_registered().values()))

    def __len__(cls) -> int:
        return len(_registered())


class ActivityType(str, metaclass=_KindNames):
    """ "There are notification types for the following Customer Portal events":
    the registered kinds' names."""

    __slots__ = ()

    def __new__(cls, value: object) -> ActivityType:
        name = value.value if isinstance(value, Enum) else value
        found = _registered().get(name) if isinstance(name, str) else None
        if found is None:
            raise ValueError(f"{value!r} is not an activity kind")
        return found

    @classmethod
    def declare(cls, name: str) -> ActivityType:
        """The canonical value for a kind being registered (the registry's use)."""
        return str.__new__(cls, name)

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def name(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"ActivityType.{self.value}"
