"""One GraphQL execution per subscription event and distinct selection.

"Execute GraphQL once per event per distinct selection where possible, not
once per subscriber." graphql-core executes a subscription's selection set
once per event for every subscriber (``execute_subscription_event``): with a
thousand dashboards open that is a thousand identical executions of the same
resolvers and the same result completion. This executor shares them.

A per-event execution is shared when its payload says it may be (it has a
``shared_key``: the event's identity, e.g. the organisation, its sequence
number and the snapshot of the entry it carries), and only between
subscribers whose execution provably yields the same result, that is with
the same:

- document (its printed operation and fragments),
- values of the variables the selection set uses (the root field's own
  arguments are spent on the subscribe resolver and do not reach the
  per-event execution, so ``afterSequence`` does not split subscribers),
- operation name,
- viewer scope: everything about the staff member a field of an event may
  read (organisation, permissions, locations, the organisation's notice
  period). Full and view-only staff get different ``availableActions``, so
  they never share.

Subscribers with the same key await one execution (in flight or finished);
the last ``kept`` executions are kept; one that raised or returned errors is
not kept for later subscribers. Queries, mutations and payloads without a
``shared_key`` (``editLockState``: its ``yours`` is per token) execute as
graphql-core always does.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import dataclasses
import inspect
import json
from collections import OrderedDict
from collections.abc import AsyncIterable, Callable, Hashable, Iterator
from functools import partial
from typing import Any, Final, TypeVar

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLResolveInfoHelpers,
    Node,
    OperationDefinitionNode,
    VariableNode,
    print_ast,
)

from domain.process_caches import ProcessCache, Same
from domain.viewer import Viewer
from schema.direct_fields import DirectFieldsExecutionContext
from schema.frames import SharedData

SHARED_EXECUTIONS_KEPT = 256

Execution = asyncio.Future[ExecutionResult]


def viewer_scope(viewer: Viewer) -> Hashable:
    """What a field of an event may read about the viewer: never the staff
    member or the socket themselves, so colleagues with the same rights share."""
    return (
        viewer.organisation_id,
        frozenset(viewer.permissions.items()),
        viewer.location_ids,
    )


class SharedExecutions:
    """The last executions of subscription events, by key, finished or in flight."""

    def __init__(self, kept: int = SHARED_EXECUTIONS_KEPT) -> None:
        self._kept = kept
        self._executions: OrderedDict[Hashable, Execution] = OrderedDict()
        # Observability (and tests): executions started, and results reused.
        self.executed = 0
        self.reused = 0

    def clear(self) -> None:
        self._executions.clear()

    async def result(self, key: Hashable, execute: Callable[[], Any]) -> ExecutionResult:
        execution = self._executions.get(key)
        if execution is None:
            self.executed += 1
            execution = asyncio.ensure_future(_complete(execute))
            self._executions[key] = execution
            execution.add_done_callback(partial(self._forget_failed, key))
            while len(self._executions) > self._kept:
                self._executions.popitem(last=False)
        else:
            self.reused += 1
            self._executions.move_to_end(key)
        # shield: one subscriber going away must not cancel the others' execution
        shared = await asyncio.shield(execution)
        # Each subscriber its own result object; the data is shared, read-only.
        return ExecutionResult(shared.data, shared.errors, shared.extensions)

    def _forget_failed(self, key: Hashable, done: Execution) -> None:
        failed = done.cancelled() or done.exception() is not None or bool(done.result().errors)
        if failed and self._executions.get(key) is done:
            del self._executions[key]


async def _complete(execute: Callable[[], Any]) -> ExecutionResult:
    result = execute()
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, ExecutionResult):  # pragma: no cover - incremental delivery
        raise TypeError(f"a subscription event executed to {type(result).__name__}")
    if isinstance(result.data, dict):
        result.data = SharedData(result.data)
    return result


SHARED_EXECUTIONS = SharedExecutions()
T = TypeVar("T")


def _variables_in(node: Node, skip: object = None) -> Iterator[str]:
    """The names of the variables used under ``node``, not under ``skip``."""
    for name in node.keys:
        value = getattr(node, name, None)
        if name == "loc" or value is None or value is skip:
            continue
        children = value if isinstance(value, tuple | list) else (value,)
        for child in children:
            if not isinstance(child, Node):
                continue
            if isinstance(child, VariableNode):
                yield child.name.value
            else:
                yield from _variables_in(child, skip)


def _with_own_memo(executor: Any) -> Any:
    """A per-event executor with a subfield memo of its own.

    graphql-core 3.3 builds each event's executor as a shallow ``copy()`` of
    the subscription's, so every event shares the subscription's
    ``collect_subfields`` memo. That memo is keyed by the ``id()`` of field
    lists each execution builds afresh, and keeps them alive: every event
    added two to three entries (the lists, their ``FieldDetails`` and
    ``CollectedFields``) for as long as the subscription lived, about 9,000
    ``FieldDetails`` per process in one soak (``tests/live/test_soak.py``).
    Within one event the memo still saves what it is for (a list's items
    share their subfields); across events nothing is ever found in it.
    """
    if isinstance(getattr(executor, "_relevant_sub_fields", None), dict):
        executor._relevant_sub_fields = {}
    return executor


def _finished(*_: Any) -> Any:
    raise RuntimeError("this subscription's execution has ended")


_FINISHED_HELPERS: Final = GraphQLResolveInfoHelpers(gather=_finished, track=_finished)


class _SharedEvent:
    """What graphql-core takes for a per-event executor of a shared event:
    it only asks it to ``execute_operation``."""

    __slots__ = ("execute", "key")

    def __init__(self, key: Hashable, execute: Callable[[bool | None], Any]) -> None:
        self.key = key
        self.execute = execute

    def execute_operation(self, serially: bool | None = None) -> Any:
        return SHARED_EXECUTIONS.result(self.key, partial(self.execute, serially))


class SharedEventExecutionContext(DirectFieldsExecutionContext):
    """graphql-core's executor, sharing the per-event executions of
    subscriptions whose payloads carry a ``shared_key`` (see the module)."""

    # The operation's part of the key, computed once per subscription (None:
    # not shareable).
    _selection_key: Hashable | None = None
    _selection_key_known = False
    # The viewer the key was made from: every event renders as that viewer
    # (``_execute_event``), whatever the socket's rights became since.
    _key_viewer: Viewer | None = None

    def build_per_event_executor(self, payload: Any) -> Any:
        event = getattr(payload, "shared_key", None)
        selection = None if event is None else self._selection()
        if selection is None:
            return _with_own_memo(super().build_per_event_executor(payload))
        # graphql-core copies the executor per subscriber and event; a shared
        # event builds that copy only for the execution the others reuse.
        return _SharedEvent((selection, event), partial(self._execute_event, payload))

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """The response, and the subfield memo let go.

        graphql-core's executor is in a reference cycle (its
        ``async_helpers`` hold two of its bound methods), so reference
        counting never frees it: it waits for a collection, with all it
        holds. Its ``collect_subfields`` memo is most of that: of the ~715
        objects a window request left in cycles, ~580 were the memo's field
        lists, ``FieldDetails`` and ``CollectedFields`` (``gc.DEBUG_SAVEALL``
        over 200 requests, bench/FIXES.md's eighth pass). Once the response
        is built nothing looks in it again (a later lookup would only
        compute again), so this executor's reference is dropped and the memo
        is freed at once.
        """
        response = super().build_response(data)
        self._relevant_sub_fields = {}
        return response

    def cancellable_iterable(self, iterable: AsyncIterable[T]) -> AsyncIterable[T]:
        """graphql-core wraps a subscription's source stream here, before its
        generator runs: the generator finds its executor (``subscription_executor``)."""
        _SUBSCRIPTION_EXECUTOR.set(self)
        return super().cancellable_iterable(iterable)

    def detached(self) -> SharedEventExecutionContext:
        """A copy to render events with after this operation's run has ended
        (a direct group's, ``subscriptions.direct``): the same operation,
        variables and selection key, with a context that holds nothing of
        the socket (``Context.detached``), so the group keeps no member's
        socket alive."""
        self._selection()  # known before the copy: the copy keeps the scope it was made for
        copied = copy.copy(self)
        # Its own helpers: this executor's are bound to this executor.
        copied.async_helpers = GraphQLResolveInfoHelpers(
            gather=copied.gather_async_work, track=copied.track_async_work
        )
        detach = getattr(self.context_value, "detached", None)
        if callable(detach):
            copied.context_value = detach()
        return copied

    def finished(self) -> None:
        """Its operation's run is over (``service.parked_operations``): the
        reference cycle graphql-core's helpers make (two bound methods of
        the executor) is broken, so the executor and all it holds are freed
        at once rather than at the next collection (a parked subscription's
        ended run left ~2 KiB a socket in cycles, ``python -m
        bench.idle_memory``). The per-event executors copied from it keep
        the helpers they were made with."""
        self.async_helpers = _FINISHED_HELPERS

    def selection_key(self) -> Hashable | None:
        """This operation's part of a shared execution's key (None: not shareable)."""
        return self._selection()

    async def shared_text(self, payload: Any) -> str | None:
        """The data of ``payload``'s shared execution as JSON text, the one
        every subscriber of this selection gets (``subscriptions.direct``);
        None when it is not shared or has errors (those go the ordinary way)."""
        event = getattr(payload, "shared_key", None)
        selection = None if event is None else self._selection()
        if selection is None:
            return None
        result = await SHARED_EXECUTIONS.result(
            (selection, event), partial(self._execute_event, payload, None)
        )
        if result.errors or result.extensions or not isinstance(result.data, SharedData):
            return None
        return result.data.text

    def _execute_event(self, payload: Any, serially: bool | None) -> Any:
        executor = _with_own_memo(super().build_per_event_executor(payload))
        viewer = self._key_viewer
        context = executor.context_value
        if (
            viewer is not None
            and getattr(context, "viewer", viewer) is not viewer
            and dataclasses.is_dataclass(context)
            and not isinstance(context, type)
        ):
            # The socket's rights were widened since (narrowed ones end the
            # operation: ``service.socket_rights``), and its context holds
            # the new viewer for later operations. This execution is shared
            # under the old scope's key, with every subscriber of that scope
            # (a direct group renders with its first member): it renders as
            # that scope, as "the old feed keeps the scope it started with".
            executor.context_value = dataclasses.replace(context, viewer=viewer)
        return DirectFieldsExecutionContext.execute_operation(executor, serially)

    def _selection(self) -> Hashable | None:
        if not self._selection_key_known:
            self._selection_key = self._compute_selection_key()
            self._selection_key_known = True
        return self._selection_key

    def _compute_selection_key(self) -> Hashable | None:
        viewer = getattr(self.context_value, "viewer", None)
        if not isinstance(viewer, Viewer):
            return None
        document, used = _document_of(self.operation, self.fragment_definitions)
        coerced = self.variable_values.coerced
        variables = json.dumps(
            {name: coerced.get(name) for name in used}, sort_keys=True, default=repr
        )
        name = self.operation.name.value if self.operation.name else None
        self._key_viewer = viewer
        key = (document, variables, name, viewer_scope(viewer))
        # One object per distinct key, not one per subscription: a parked
        # subscription keeps its key for its life (``subscriptions.direct``),
        # and a scope's permissions set is ~1 KiB (issue 12, idle memory).
        return _selections.get(key, lambda: key)


_SUBSCRIPTION_EXECUTOR: contextvars.ContextVar[SharedEventExecutionContext | None] = (
    contextvars.ContextVar("online_activity_subscription_executor", default=None)
)


def subscription_executor() -> SharedEventExecutionContext | None:
    """The executor of the subscription whose task this is (set as graphql-core
    starts reading its source stream)."""
    return _SUBSCRIPTION_EXECUTOR.get()


SELECTIONS_KEPT = 256
_selections: ProcessCache[Hashable, Hashable] = ProcessCache(SELECTIONS_KEPT)

DOCUMENTS_KEPT = 256
_documents: ProcessCache[Same, tuple[str, tuple[str, ...]]] = ProcessCache(DOCUMENTS_KEPT)


def _document_of(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> tuple[str, tuple[str, ...]]:
    """The printed operation with its fragments, and the variables its
    selection uses; once per parsed document (the parser cache hands every
    subscriber of one query string the same nodes), not per subscriber."""
    return _documents.get(Same(operation), partial(_print_document, operation, fragments))


def _print_document(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> tuple[str, tuple[str, ...]]:
    roots = operation.selection_set.selections
    root = roots[0] if len(roots) == 1 and isinstance(roots[0], FieldNode) else None
    # The root field's arguments only reach the subscribe resolver.
    skip = None if root is None else root.arguments
    used = set(_variables_in(operation.selection_set, skip))
    for fragment in fragments.values():
        used.update(_variables_in(fragment))
    ordered = sorted(fragments.items())
    printed = "\n".join([print_ast(operation), *(print_ast(f) for _, f in ordered)])
    return printed, tuple(sorted(used))
