"""Operation and execution hooks on exit stacks that keep less per operation.

Issue 12 (memory per idle subscriber): strawberry enters every operation's
``on_operation`` and ``on_execute`` hooks through a ``contextlib.AsyncExitStack``
each, and a subscription holds both open for its whole life. An exit stack
keeps its callbacks in a ``collections.deque``, whose first block alone is
~700 bytes, for the one to three callbacks our extensions register. Here the
same ``AsyncExitStack`` keeps them in a list: the stack only ever appends and
pops from the end, which a list does alike, so entering, exiting, exception
chaining and suppression are contextlib's own code, unchanged.
"""

from __future__ import annotations

import contextlib
from typing import Any

from strawberry.extensions.context import ExecutingContextManager, OperationContextManager


class _ListExitStack(contextlib.AsyncExitStack):
    def __init__(self) -> None:
        super().__init__()
        self._exit_callbacks: Any = []


async def _enter_hooks(manager: OperationContextManager | ExecutingContextManager) -> None:
    """strawberry's ``ExtensionContextManagerBase.__aenter__``, on a list stack."""
    manager.async_exit_stack = _ListExitStack()
    for hook in manager.hooks:
        if hook.is_async:
            await manager.async_exit_stack.enter_async_context(hook.hook())  # type: ignore[arg-type]
        else:
            manager.async_exit_stack.enter_context(hook.hook())  # type: ignore[arg-type]


class ListStackOperation(OperationContextManager):
    __slots__ = ()

    async def __aenter__(self) -> None:
        await _enter_hooks(self)


class ListStackExecuting(ExecutingContextManager):
    __slots__ = ()

    async def __aenter__(self) -> None:
        await _enter_hooks(self)
