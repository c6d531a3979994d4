"""Bounded work for every GraphQL document, before and during validation.

Issue 10, "Cheap denial of service": "An anonymous 825-byte fragment bomb
(20 levels of two spreads) keeps the event loop busy for 6 s, blocking
``/health`` and every client. Bound the work before and during validation:
token and fragment-spread limits, depth that follows fragments
(introspection included), and a time budget."

graphql-core validates any document before a resolver (or the sign-in
check) runs, so everything here holds for anonymous clients. In order:

1. Parsing stops past ``MAX_TOKENS`` tokens (graphql-core's ``max_tokens``).
2. ``document_shape`` measures the document with every fragment spread
   expanded, in one pass linear in the document's size (each fragment is
   measured once and reused): selections, fragment spreads and aliases as
   they would be executed, and the depth, introspection fields included.
   strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` re-walk a
   fragment at every spread, which is exponential in the nesting (they were
   most of the 6 s) and let introspection fields through.
3. graphql-core's validation then runs under ``QUERY_TIME_BUDGET_SECONDS`` of
   the server thread's CPU time (``time_budget``). Within the limits above it is
   still quadratic in fields that share a response name
   (``{ me { id } me { id } ... }``, 500 times, validated for 2 s).

A refusal is a top-level error with ``extensions.code``:
``QUERY_TOO_COMPLEX`` (``extensions.limit`` names the limit,
``extensions.maximum`` its value) or ``QUERY_TOO_SLOW``. Parse and
validation results are cached (LRU, keyed by the text, then the document):
a document refused by its shape is cached as refused; one that ran out of
time is not cached at all, so it is neither remembered as valid nor as
refused (under load a valid document may run out of time once).
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, Final, Generic, TypeVar

import graphql
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_TOKENS: Final = 4000
MAX_DEPTH: Final = 15
MAX_ALIASES: Final = 30
# Counted as executed, fragments expanded. The window's own query (web/,
# ``WINDOW``) has 130 selections and 1 spread.
MAX_SELECTIONS: Final = 500
MAX_FRAGMENT_SPREADS: Final = 100
# CPU seconds to parse and validate, together (the default of the setting
# ``QUERY_TIME_BUDGET_SECONDS``). The window's query validates in about 2 ms.
TIME_BUDGET_SECONDS: Final = 0.25
CACHE_SIZE: Final = 256

TOO_COMPLEX: Final = "QUERY_TOO_COMPLEX"
TOO_SLOW: Final = "QUERY_TOO_SLOW"


def too_complex(limit: str, maximum: int, what: str) -> GraphQLError:
    return GraphQLError(
        f"The document is too complex: {what} (at most {maximum}).",
        extensions={"code": TOO_COMPLEX, "limit": limit, "maximum": maximum},
    )


@dataclass(frozen=True, slots=True)
class Shape:
    """A selection set as executed: every fragment spread expanded."""

    selections: int = 0
    spreads: int = 0
    aliases: int = 0
    depth: int = 0


class _Measure:
    """Measures selection sets, each fragment once (``_fragments``), with
    counts capped just above their limits so they stay small integers."""

    def __init__(self, document: DocumentNode) -> None:
        self._definitions = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._fragments: dict[str, Shape] = {}
        self._visiting: set[str] = set()

    def fragment(self, name: str) -> Shape:
        known = self._fragments.get(name)
        if known is not None:
            return known
        definition = self._definitions.get(name)
        # Unknown or cyclic spreads are refused by validation itself.
        if definition is None or name in self._visiting:
            return Shape()
        self._visiting.add(name)
        try:
            shape = self.selection_set(definition.selection_set)
        finally:
            self._visiting.discard(name)
        self._fragments[name] = shape
        return shape

    def selection_set(self, selection_set: SelectionSetNode | None) -> Shape:
        if selection_set is None:
            return Shape()
        selections = spreads = aliases = depth = 0
        for selection in selection_set.selections:
            selections += 1
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                inner = self.selection_set(selection.selection_set)
                if selection.selection_set is not None:
                    depth = max(depth, inner.depth + 1)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set)
                depth = max(depth, inner.depth)
            elif isinstance(selection, FragmentSpreadNode):
                spreads += 1
                inner = self.fragment(selection.name.value)
                depth = max(depth, inner.depth)
            else:  # pragma: no cover - graphql-core has no other selection
                continue
            selections += inner.selections
            spreads += inner.spreads
            aliases += inner.aliases
        return Shape(
            min(selections, MAX_SELECTIONS + 1),
            min(spreads, MAX_FRAGMENT_SPREADS + 1),
            min(aliases, MAX_ALIASES + 1),
            min(depth, MAX_DEPTH + 1),
        )


def document_shape(document: DocumentNode) -> Shape:
    """Every operation of ``document`` as executed, added up (depth: the deepest)."""
    measure = _Measure(document)
    total = Shape()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            shape = measure.selection_set(definition.selection_set)
            total = Shape(
                total.selections + shape.selections,
                total.spreads + shape.spreads,
                total.aliases + shape.aliases,
                max(total.depth, shape.depth),
            )
    return total


def shape_errors(document: DocumentNode) -> list[GraphQLError]:
    """The first limit ``document`` exceeds, as a ``QUERY_TOO_COMPLEX`` error."""
    try:
        shape = document_shape(document)
    except RecursionError:
        return [too_complex("depth", MAX_DEPTH, "fragments nest too deeply")]
    if shape.depth > MAX_DEPTH:
        return [too_complex("depth", MAX_DEPTH, "selections nest too deeply")]
    if shape.spreads > MAX_FRAGMENT_SPREADS:
        return [too_complex("fragmentSpreads", MAX_FRAGMENT_SPREADS, "too many fragment spreads")]
    if shape.selections > MAX_SELECTIONS:
        return [too_complex("selections", MAX_SELECTIONS, "too many selections")]
    if shape.aliases > MAX_ALIASES:
        return [too_complex("aliases", MAX_ALIASES, "too many aliases")]
    return []


class OutOfTime(BaseException):
    """Raised into the work ``time_budget`` bounds. A ``BaseException``, so
    no ``except Exception`` inside graphql-core swallows it."""


class _CollectorTime:
    """CPU seconds the main thread has spent in garbage collections: a
    collection that happens to run during validation (hundreds of ms with
    thousands of sockets, BENCHMARKS.md) is not the document's work."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started: float | None = None

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if phase == "start":
            self._started = time.thread_time()
        elif self._started is not None:
            self.total += time.thread_time() - self._started
            self._started = None


_COLLECTOR = _CollectorTime()
gc.callbacks.append(_COLLECTOR)


def work_seconds() -> float:
    """The main thread's CPU time outside garbage collections: what a
    document is charged with. Other processes and threads do not count."""
    return time.thread_time() - _COLLECTOR.total


# Only raised inside graphql-core's own code (parser, validation rules), so
# never into a finalizer or weakref callback the collector happens to run
# meanwhile (where it would be swallowed, and leave that code half done):
# elsewhere the handler tries again a moment later.
_GRAPHQL_CODE: Final = os.path.dirname(graphql.__file__) + os.sep
_RETRY_SECONDS: Final = 0.002


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the synchronous graphql-core work in the block with
    ``OutOfTime`` once it has used ``seconds`` of ``work_seconds``.

    Parsing and validation are pure Python that never yields to the event
    loop, so nothing cooperative can stop them; a signal handler runs
    between two bytecodes of the main thread, where uvicorn runs the loop.
    A ``SIGVTALRM`` timer (the process's user CPU time, which runs at least
    as fast as the main thread's) wakes the handler, which raises once the
    block's own work has reached ``seconds`` and otherwise sets the timer
    again for what is left. Off the main thread (a test client running the
    app in a worker thread) signals cannot be used and the block runs
    unbounded: the shape limits still apply.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = True
    started = work_seconds()

    def on_alarm(_signal: int, frame: FrameType | None) -> None:
        if not armed:
            return
        left = seconds - (work_seconds() - started)
        if left <= 0 and frame is not None and frame.f_code.co_filename.startswith(_GRAPHQL_CODE):
            raise OutOfTime
        signal.setitimer(signal.ITIMER_VIRTUAL, max(left, _RETRY_SECONDS))

    previous = signal.signal(signal.SIGVTALRM, on_alarm)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def out_of_time(budget: float = TIME_BUDGET_SECONDS) -> GraphQLError:
    return GraphQLError(
        f"The document took more than {budget:g} s of server time to check; send a smaller one.",
        extensions={"code": TOO_SLOW, "maximum": budget},
    )


def configured_budget(context: object) -> float:
    """The operation's server's ``QUERY_TIME_BUDGET_SECONDS`` (its context's
    settings), else ``TIME_BUDGET_SECONDS``."""
    settings = getattr(getattr(context, "services", None), "settings", None)
    budget = getattr(settings, "query_time_budget_seconds", None)
    return budget if isinstance(budget, float) else TIME_BUDGET_SECONDS


R = TypeVar("R")


class _Key(list[Any]):
    """Arguments hashed once (as ``functools.lru_cache`` keys them): a
    document's hash walks its whole tree."""

    __slots__ = ("hashed",)

    def __init__(self, arguments: tuple[Any, ...]) -> None:
        super().__init__(arguments)
        self.hashed = hash(arguments)

    def __hash__(self) -> int:  # type: ignore[override]
        return self.hashed


class Kept(Generic[R]):
    """``compute``'s last ``size`` results by arguments (least recently used
    forgotten first), as ``functools.lru_cache`` keeps them, with a lookup
    that never computes (``known``): a document found there is not timed
    again (the timer is four system calls a step, a few percent of a cached
    window request). ``__wrapped__`` is ``compute``, as lru_cache's."""

    def __init__(self, compute: Callable[..., R], size: int) -> None:
        self.__wrapped__ = compute
        self._size = size
        self._results: OrderedDict[_Key, R] = OrderedDict()

    def _found(self, key: _Key) -> R | None:
        found = self._results.get(key)
        if found is not None:
            self._results.move_to_end(key)
        return found

    def known(self, *arguments: Any) -> R | None:
        return self._found(_Key(arguments))

    def __call__(self, *arguments: Any) -> R:
        key = _Key(arguments)
        found = self._found(key)
        if found is None:
            found = self._results[key] = self.__wrapped__(*arguments)
            if len(self._results) > self._size:
                self._results.popitem(last=False)
        return found


class SameDocument(Generic[R]):
    """A kept step's results by the identity of a document (and its schema),
    in front of its ``Kept``: the parser cache hands every request of a text
    the same ``DocumentNode``, and finding it by value hashed the whole tree
    on every request (~4 % of a window request, py-spy). The document and
    schema are held beside the result, so an identity cannot be reused; a
    document equal to a kept one but parsed anew is still found by value."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._results: OrderedDict[
            tuple[int, int, tuple[Any, ...]], tuple[object, DocumentNode, R]
        ] = OrderedDict()

    def get(self, schema: object, document: DocumentNode, rules: tuple[Any, ...]) -> R | None:
        key = (id(schema), id(document), rules)
        found = self._results.get(key)
        if found is None or found[0] is not schema or found[1] is not document:
            return None
        self._results.move_to_end(key)
        return found[2]

    def keep(
        self, schema: object, document: DocumentNode, rules: tuple[Any, ...], result: R
    ) -> None:
        self._results[(id(schema), id(document), rules)] = (schema, document, result)
        if len(self._results) > self._size:
            self._results.popitem(last=False)


def known(step: Callable[..., R], *arguments: Any) -> R | None:
    """What a kept step already holds for ``arguments`` (None: not kept, or
    a step without a cache: the benchmark's uncached baseline)."""
    return step.known(*arguments) if isinstance(step, Kept) else None


def _parse_text(query: str) -> DocumentNode:
    return parse(query, max_tokens=MAX_TOKENS)


def _validate_document(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    return shape_errors(document) or validate_document(schema, document, rules)


_parse: Kept[DocumentNode] = Kept(_parse_text, CACHE_SIZE)
_validate: Kept[list[GraphQLError]] = Kept(_validate_document, CACHE_SIZE)
_VALIDATED: SameDocument[list[GraphQLError]] = SameDocument(CACHE_SIZE)


def parse_bounded(query: str, parse_document: Callable[[str], DocumentNode]) -> DocumentNode:
    """Parse, a token limit as ``QUERY_TOO_COMPLEX``."""
    try:
        return parse_document(query)
    except GraphQLSyntaxError as error:
        if error.message.endswith("tokens. Parsing aborted."):
            raise too_complex("tokens", MAX_TOKENS, "too many tokens") from None
        raise
    except RecursionError:
        raise too_complex("depth", MAX_DEPTH, "selections nest too deeply") from None


class DocumentLimits(SchemaExtension):
    """Parse and validate with the limits above, in place of strawberry's
    ``ParserCache``, ``ValidationCache`` and limiters. One budget of
    ``QUERY_TIME_BUDGET_SECONDS`` covers both steps."""

    # The cached steps; the benchmark's no-cache baseline takes ``__wrapped__``.
    parse_document: Callable[[str], DocumentNode] = staticmethod(_parse)
    validate_document: Callable[..., list[GraphQLError]] = staticmethod(_validate)

    # No ``on_operation``: strawberry runs ``on_parse`` first for every
    # operation (a document already parsed included), and a subscription
    # would keep an operation hook's generator for its whole life (issue 12,
    # memory per idle subscriber).
    def on_parse(self) -> Iterator[None]:
        self._started = work_seconds()
        self._budget = configured_budget(self.execution_context.context)
        context = self.execution_context
        if context.query and context.graphql_document is None:
            context.graphql_document = known(self.parse_document, context.query)
        if context.query and context.graphql_document is None:
            try:
                with time_budget(self._budget):
                    context.graphql_document = parse_bounded(context.query, self.parse_document)
            except OutOfTime:
                raise out_of_time(self._budget) from None
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            rules = tuple(context.validation_rules)
            key = (context.schema._schema, context.graphql_document, rules)
            kept = isinstance(self.validate_document, Kept)
            errors = _VALIDATED.get(*key) if kept else None
            if errors is None:
                errors = known(self.validate_document, *key)
                if errors is not None:
                    _VALIDATED.keep(*key, errors)
            if errors is None:
                remaining = self._budget - (work_seconds() - self._started)
                try:
                    with time_budget(max(remaining, 0.001)):
                        errors = self.validate_document(*key)
                except OutOfTime:
                    errors = [out_of_time(self._budget)]
                else:
                    if kept:
                        _VALIDATED.keep(*key, errors)
            context.pre_execution_errors = list(errors)
        yield
