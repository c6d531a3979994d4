"""Operation, parsing, validation and execution hooks that keep less per operation.

Issue 12 (memory per idle subscriber): strawberry enters every operation's
``on_operation`` and ``on_execute`` hooks through a ``contextlib.AsyncExitStack``
each, and a subscription holds both open for its whole life. For every
operation, strawberry's ``ExtensionContextManagerBase`` also wraps each
extension's hook anew (``contextlib.contextmanager`` over a bound method: a
wrapper function with its copied ``__dict__``, ~0.3 KiB a hook), and an exit
stack keeps its callbacks in a ``collections.deque``, whose first block alone
is ~700 bytes, for the one to three callbacks our extensions register.

Here each extension class's hook is wrapped once (``_factory``: the same
``contextlib.contextmanager`` over the plain function, called with the
extension), and the same exit stacks keep their callbacks in a list: the
stack only ever appends and pops from the end, which a list does alike. So
entering, exiting, exception chaining and suppression are contextlib's own
code, unchanged, in the same order strawberry enters them. Parsing and
validation are entered the same way: not held open, but wrapped anew per
operation they were ~2 % of a window request (py-spy, in-process).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, NamedTuple, cast

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
)


class _ListExitStack(contextlib.AsyncExitStack):
    def __init__(self) -> None:
        super().__init__()
        self._exit_callbacks: Any = []


class _SyncListExitStack(contextlib.ExitStack):
    def __init__(self) -> None:
        super().__init__()
        self._exit_callbacks: Any = []


class BoundHook(NamedTuple):
    """One extension's hook: ``hook(extension)`` is its context manager."""

    extension: SchemaExtension
    hook: Callable[[SchemaExtension], Any]
    is_async: bool


_FACTORIES: dict[tuple[type[SchemaExtension], str], tuple[Any, bool] | None] = {}


def _factory(extension_type: type[SchemaExtension], name: str) -> tuple[Any, bool] | None:
    """The hook ``name`` of ``extension_type`` as a context-manager factory
    taking the extension, and whether it is async; None when the class does
    not override the hook. Strawberry's ``get_hook``, made once per class."""
    key = (extension_type, name)
    if key not in _FACTORIES:
        _FACTORIES[key] = _wrapped(extension_type, name)
    return _FACTORIES[key]


def _wrapped(extension_type: type[SchemaExtension], name: str) -> tuple[Any, bool] | None:
    function = getattr(extension_type, name)
    if function is getattr(SchemaExtension, name):
        return None
    if inspect.isgeneratorfunction(function):
        return contextlib.contextmanager(function), False
    if inspect.isasyncgenfunction(function):
        return contextlib.asynccontextmanager(function), True
    if not callable(function):
        raise ValueError(f"Hook {name} on {extension_type} must be callable, received {function!r}")
    if inspect.iscoroutinefunction(function):

        @contextlib.asynccontextmanager
        async def awaited(extension: SchemaExtension) -> AsyncIterator[None]:
            await function(extension)
            yield

        return awaited, True

    @contextlib.contextmanager
    def called(extension: SchemaExtension) -> Iterator[None]:
        function(extension)
        yield

    return called, False


class _CheapHooks(ExtensionContextManagerBase):
    """Strawberry's hook context with hooks wrapped once per class."""

    __slots__ = ()

    def __init__(self, extensions: list[SchemaExtension]) -> None:
        self.default_hook = getattr(SchemaExtension, self.HOOK_NAME)
        hooks: list[Any] = []
        for extension in extensions:
            found = _factory(type(extension), self.HOOK_NAME)
            if found is not None:
                hooks.append(BoundHook(extension, *found))
        self.hooks = hooks

    def __enter__(self) -> None:
        """Strawberry's ``__enter__``, on a list stack."""
        self.exit_stack = _SyncListExitStack()
        for hook in cast("list[BoundHook]", self.hooks):
            if hook.is_async:
                raise RuntimeError(
                    f"SchemaExtension hook {hook.extension}.{self.HOOK_NAME} "
                    "failed to complete synchronously."
                )
            self.exit_stack.enter_context(hook.hook(hook.extension))

    async def __aenter__(self) -> None:
        """Strawberry's ``__aenter__``, on a list stack."""
        self.async_exit_stack = _ListExitStack()
        for hook in cast("list[BoundHook]", self.hooks):
            if hook.is_async:
                await self.async_exit_stack.enter_async_context(hook.hook(hook.extension))
            else:
                self.async_exit_stack.enter_context(hook.hook(hook.extension))


class ListStackOperation(_CheapHooks, OperationContextManager):
    __slots__ = ()


class ListStackExecuting(_CheapHooks, ExecutingContextManager):
    __slots__ = ()


class ListStackParsing(_CheapHooks, ParsingContextManager):
    __slots__ = ()


class ListStackValidation(_CheapHooks, ValidationContextManager):
    __slots__ = ()
