"""Strawberry's extension runner, asking only the extensions that have something to say.

Every frame of a subscription passes through two of the runner's calls:
``get_extensions_results`` (each extension's ``get_results``, each awaited
when it might be awaitable) and ``on_stream_result`` (a context manager that
looks up each extension's hook by name). With our seven extensions that was
about a fifth of a live frame's Python calls (issue 12: "per-socket objects
... the live path"), though only ``MaskInternalErrors`` has a stream-result
hook and none adds results. The runner below finds, once per operation,
which extensions override each hook and only calls those, and wraps the
stream-result hooks once per operation instead of once per frame; what each
extension sees is unchanged. The hooks a subscription keeps open for its
life sit on list-backed exit stacks (``schema.extension_hooks``).
"""

from __future__ import annotations

import inspect
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    OperationContextManager,
    ParsingContextManager,
    StreamResultContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext, StreamExecutionResult
from strawberry.types.graphql import OperationType

from schema.context import Context
from schema.extension_hooks import (
    ListStackExecuting,
    ListStackOperation,
    ListStackParsing,
    ListStackValidation,
)

_OVERRIDES: dict[tuple[type[SchemaExtension], str], bool] = {}


def _overrides(extension: SchemaExtension, hook: str) -> bool:
    key = (type(extension), hook)
    found = _OVERRIDES.get(key)
    if found is None:
        found = _OVERRIDES[key] = getattr(key[0], hook) is not getattr(SchemaExtension, hook)
    return found


class _StreamResult(StreamResultContextManager):
    """Strawberry's stream-result context with its hooks wrapped already."""

    def __init__(self, prepared: StreamResultContextManager, result: StreamExecutionResult) -> None:
        self.result = result
        self.hooks = prepared.hooks
        self.default_hook = prepared.default_hook


class _Executing(ListStackExecuting):
    """The execution hooks, entered when the operation is valid and its type
    known: where an HTTP request that is not a query lets go of the read
    session its token was read in (``Context.before_execution``)."""

    __slots__ = ("_execution",)

    def __init__(self, extensions: list[SchemaExtension], execution: ExecutionContext) -> None:
        super().__init__(extensions)
        self._execution = execution

    async def __aenter__(self) -> None:
        context = self._execution.context
        if isinstance(context, Context) and context.request_reads is not None:
            query = self._execution.operation_type is OperationType.QUERY
            await context.before_execution(query=query)
        await super().__aenter__()


class LeanExtensionsRunner(SchemaExtensionsRunner):
    def __init__(
        self,
        execution_context: ExecutionContext,
        extensions: list[SchemaExtension] | None = None,
    ) -> None:
        super().__init__(execution_context, extensions)
        self._with_results = [e for e in self.extensions if _overrides(e, "get_results")]
        self._stream_hooks: StreamResultContextManager | None = None

    def _stream_context(self) -> StreamResultContextManager:
        """The stream-result hooks, wrapped on a subscription's first frame
        (an HTTP query has none: wrapping them for each was ~2 % of a small
        query); each frame's context then only binds its result."""
        if self._stream_hooks is None:
            on_stream = [e for e in self.extensions if _overrides(e, "on_stream_result")]
            self._stream_hooks = StreamResultContextManager(on_stream, None)  # type: ignore[arg-type]
        return self._stream_hooks

    def operation(self) -> OperationContextManager:
        return ListStackOperation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return ListStackParsing(self.extensions)

    def validation(self) -> ValidationContextManager:
        return ListStackValidation(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions, self.execution_context)

    def on_stream_result(self, result: StreamExecutionResult) -> StreamResultContextManager:
        return _StreamResult(self._stream_context(), result)

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self._with_results:
            results = extension.get_results()
            data.update(await results if inspect.isawaitable(results) else results)
        data.update(ctx.extensions_results)
        return data
