"""The registry of activity kinds: the one list the rest of the code iterates.

The built-in kinds (``domain.kinds.builtin``) load on first use; another
kind joins with ``register`` before the app is built (the tests' launcher
does so for a kind that exists only in the tests). Nothing else names a
kind: the window, the counters, live events, audit, the schema's union and
the portal's input all ask here (the Home Assistant / pluggy pattern of
STYLE.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Set
from typing import TYPE_CHECKING, Any

from domain.kinds.builtin import BUILTIN_KINDS
from domain.kinds.names import ActivityType

if TYPE_CHECKING:
    from domain.kinds.base import Kind, PortalEvent

_kinds: dict[str, Kind[Any]] = {}
_names: dict[str, ActivityType] = {}
_events: dict[type[Any], Kind[Any]] = {}
_extra: list[tuple[str, str]] = []
_loaded = False


def register(name: str, module: str) -> None:
    """Add the kind ``name`` defined by ``module`` (its ``KIND``) after the
    built-in ones. Call it before the schema is built: it is built once."""
    if (name, module) in (*BUILTIN_KINDS, *_extra):
        return
    if name in _names or any(name == known for known, _ in (*BUILTIN_KINDS, *_extra)):
        raise ValueError(f"two kinds are named {name}")
    _extra.append((name, module))
    if _loaded:
        _declare(name)
        _load(name, module)


def _declare(name: str) -> None:
    _names[name] = ActivityType.declare(name)


def _load(name: str, module: str) -> None:
    kind: Kind[Any] = importlib.import_module(module).KIND
    if kind.name != name:
        raise ValueError(f"{module} defines {kind.name}, registered as {name}")
    if not getattr(kind, "label", ""):
        raise ValueError(f"{module} gives {name} no label (Kind.label)")
    _kinds[name] = kind
    _events[kind.event] = kind


def _ensure_loaded() -> None:
    """Declare every name first, then import the kinds' modules: a module a
    kind imports may name another kind while the registry is loading."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    every = (*BUILTIN_KINDS, *_extra)
    for name, _ in every:
        _declare(name)
    for name, module in every:
        _load(name, module)


def names() -> dict[str, ActivityType]:
    """Each registered kind's name, in registry order (``ActivityType``'s use)."""
    _ensure_loaded()
    return _names


def kinds() -> list[Kind[Any]]:
    """Every registered kind, built-in first, in registry order."""
    _ensure_loaded()
    return list(_kinds.values())


def kind(name: str) -> Kind[Any]:
    """The kind named ``name``; KeyError for a name no kind has."""
    _ensure_loaded()
    return _kinds[name]


def kind_of_event(event: PortalEvent) -> Kind[Any]:
    _ensure_loaded()
    return _events[type(event)]


def module_of(kind: Kind[Any]) -> str:
    """The module a kind is defined in (its schema module is found by its name)."""
    return type(kind).__module__


def types_where(policy: Callable[[Kind[Any]], bool]) -> frozenset[ActivityType]:
    """The names of the kinds ``policy`` holds for."""
    return frozenset(_names[k.name] for k in kinds() if policy(k))


class KindSet(Set[ActivityType]):
    """The kinds a policy holds for, read from the registry when first used:
    a module may hold one as a constant without loading the kinds at import."""

    def __init__(self, policy: Callable[[Kind[Any]], bool]) -> None:
        self._policy = policy
        self._members: frozenset[ActivityType] | None = None

    def _found(self) -> frozenset[ActivityType]:
        if self._members is None:
            self._members = types_where(self._policy)
        return self._members

    def __contains__(self, value: object) -> bool:
        return value in self._found()

    def __iter__(self) -> Iterator[ActivityType]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())

    def __repr__(self) -> str:
        return f"KindSet({sorted(self._found())})"
