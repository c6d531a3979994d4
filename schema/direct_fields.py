"""Leaf fields completed in one loop, without graphql-core's per-field chain.

Issue 12: "per-field resolver overhead on the union page". graphql-core
completes every field of every object the same way: a response path, the
field's definition looked up, an ``Info`` of fifteen values built, the
resolver called (strawberry's, for a plain attribute, calls its own
``get_result`` with the default resolver), two await checks, then
``complete_value`` down the non-null wrapper to ``complete_leaf_value``.
A window page has about 190 fields, 170 of them leaves read straight off
the entry object, and that chain was about half of a window request
(py-spy, in-process).

For a field that takes no argument, whose value is read from its source
without an ``Info`` (``DIRECT_GETTER``: strawberry's plain attributes, the
plain resolvers of ``schema.plain_resolvers`` that need no ``Info``, and
resolvers marked ``reads_only_context``, which get a ``ContextOnly`` in its
place) and whose type is a leaf or a list of leaves, this executor reads
the value and coerces it in one loop over the object's fields; for an
object type (an entry's location and family) it reads the value and goes
straight on to that object's own fields. ``__typename`` is the
object type's name. Anything unusual (a value that is missing, an error, an
awaitable, a coercion that fails) goes the ordinary way with the value
already read, so errors, their paths and null propagation are graphql-core's
own; every other field (abstract types, arguments, resolvers that take an
``Info``) is executed by graphql-core as before. A schema with field middleware (a
schema extension's ``resolve`` hook) never takes this path, since
middleware wraps every field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from types import CoroutineType, GeneratorType
from typing import Any, TypeVar

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.kept_subfields import KEPT_SUBFIELDS

# Where a field's extensions keep its value's reader (``schema.plain_resolvers``).
DIRECT_GETTER = "online_activity.direct_getter"

Getter = Callable[..., Any]

_READS_ONLY_CONTEXT = "__reads_only_context__"

F = TypeVar("F", bound=Callable[..., Any])


def reads_only_context(resolver: F) -> F:
    """Marks a resolver whose ``Info`` is only ever asked for its
    ``context``: completed directly, it gets a ``ContextOnly`` instead (one
    per execution) and no ``Info`` is built for it."""
    setattr(resolver, _READS_ONLY_CONTEXT, True)
    return resolver


def marked_reads_only_context(resolver: Callable[..., Any]) -> bool:
    return getattr(resolver, _READS_ONLY_CONTEXT, False) is True


class ContextOnly:
    """What a ``reads_only_context`` resolver gets for its ``Info``."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


@dataclass(frozen=True, slots=True)
class Reader:
    """How a field's value is read from its source: ``read(source)``, or
    ``read(source, ContextOnly)`` where ``with_context``."""

    read: Getter
    with_context: bool = False


class Way(IntEnum):
    ORDINARY = 0  # graphql-core's execute_field
    TYPENAME = 1
    LEAF = 2
    LEAF_LIST = 3
    OBJECT = 4


@dataclass(frozen=True, slots=True)
class Step:
    """How one response key of an object is completed."""

    way: Way
    field: GraphQLField | None = None
    reader: Reader | None = None
    coerce: Callable[[Any], Any] | None = None
    nullable: bool = True
    object_type: GraphQLObjectType | None = None


ORDINARY = Step(Way.ORDINARY)
TYPENAME = Step(Way.TYPENAME)
Plan = tuple[Step, ...]
# (field name, whether its node has arguments or directives, e.g. ``@stream``)
# per response key, in order.
Shape = tuple[tuple[str, bool], ...]


def _leaf_coercer(of: GraphQLOutputType) -> Callable[[Any], Any] | None:
    return of.coerce_output_value if is_leaf_type(of) else None


def step_for(parent: GraphQLObjectType, name: str, arguments_or_directives: bool) -> Step:
    """The step of field ``name`` of ``parent`` (``ORDINARY`` unless it qualifies)."""
    if name == "__typename":
        return TYPENAME
    field = parent.fields.get(name)
    if field is None or arguments_or_directives or field.args:
        return ORDINARY
    reader = (field.extensions or {}).get(DIRECT_GETTER)
    if not isinstance(reader, Reader):
        return ORDINARY
    of = field.type
    nullable = not isinstance(of, GraphQLNonNull)
    if isinstance(of, GraphQLNonNull):
        of = of.of_type
    coerce = _leaf_coercer(of)
    if coerce is not None:
        return Step(Way.LEAF, field, reader, coerce, nullable)
    if isinstance(of, GraphQLList) and isinstance(of.of_type, GraphQLNonNull):
        coerce = _leaf_coercer(of.of_type.of_type)
        if coerce is not None:
            return Step(Way.LEAF_LIST, field, reader, coerce, nullable)
    # An object: its own fields are completed as these are.
    if isinstance(of, GraphQLObjectType):
        return Step(Way.OBJECT, field, reader, None, nullable, of)
    return ORDINARY


@lru_cache(maxsize=2048)
def plan_for(parent: GraphQLObjectType, shape: Shape) -> Plan | None:
    """The steps of an object's response keys; None when every one is ordinary."""
    plan = tuple(
        step_for(parent, name, arguments_or_directives) for name, arguments_or_directives in shape
    )
    return None if all(step is ORDINARY for step in plan) else plan


_PLAIN_TYPES: dict[type, bool] = {}


def _plain_value_type(kind: type) -> bool:
    """Whether values of ``kind`` are final: not an error to raise, not
    something to await (what ``complete_value`` would treat otherwise)."""
    known = _PLAIN_TYPES.get(kind)
    if known is None:
        known = _PLAIN_TYPES[kind] = not (
            issubclass(kind, BaseException)
            or issubclass(kind, (CoroutineType, GeneratorType, Awaitable))
            or hasattr(kind, "__await__")
        )
        if len(_PLAIN_TYPES) > 512:  # classes made at run time: never grow without bound
            _PLAIN_TYPES.clear()
    return known


class DirectFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with leaf fields completed directly (see the module)."""

    # Plans of this execution's grouped field sets, by identity (the set
    # itself kept beside its plan, so an identity is never reused).
    _direct_plans: dict[int, tuple[GroupedFieldSet, Plan | None]] | None = None
    _context_only: ContextOnly | None = None

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        if isinstance(executor, DirectFieldsExecutionContext):
            executor._direct_plans = None  # each event's field sets are its own
            executor._context_only = None
        return executor

    def build_response(self, data: dict[str, Any] | None) -> Any:
        response = super().build_response(data)
        self._direct_plans = None
        self._context_only = None
        return response

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """graphql-core's, kept across requests where the operation allows it
        (``schema.kept_subfields``)."""
        kept = None
        if KEPT_SUBFIELDS.plain(self.operation, self.fragment_definitions):
            kept = KEPT_SUBFIELDS.get(return_type, field_details_list)
        if kept is None:
            return super().collect_subfields(return_type, field_details_list)
        key, held, collected = kept
        if collected is None:
            collected = super().collect_subfields(return_type, field_details_list)
            KEPT_SUBFIELDS.keep(key, held, collected)
        return collected

    def _plan(self, parent: GraphQLObjectType, fields: GroupedFieldSet) -> Plan | None:
        plans = self._direct_plans
        if plans is None:
            plans = self._direct_plans = {}
        known = plans.get(id(fields))
        if known is not None and known[0] is fields:
            return known[1]
        plan = None
        middleware = self.middleware_manager
        if middleware is None or not middleware.middlewares:
            shape = tuple(
                (
                    details[0].node.name.value,
                    bool(details[0].node.arguments or details[0].node.directives),
                )
                for details in fields.values()
            )
            plan = plan_for(parent, shape)
        plans[id(fields)] = (fields, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        waiting: list[str] = []
        try:
            for step, (name, details) in zip(plan, grouped_field_set.items(), strict=True):
                way = step.way
                if way is Way.TYPENAME:
                    results[name] = parent_type.name
                    continue
                if way is Way.ORDINARY:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        details,
                        Path(path, name, parent_type.name),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                else:
                    result = self._direct(
                        step, parent_type, source_value, path, name, details, position_context
                    )
                results[name] = result
                if is_awaitable(result):
                    waiting.append(name)
        except Exception:
            if waiting:
                self.settle_in_background([results[name] for name in waiting])
            raise
        if not waiting:
            return results
        return _gathered(results, waiting)

    def _direct(
        self,
        step: Step,
        parent: GraphQLObjectType,
        source: Any,
        path: Path | None,
        name: str,
        details: FieldDetailsList,
        position: Any,
    ) -> Any:
        """A leaf's (or a list of leaves') coerced value, the ordinary way
        (``_completed``) for anything a plain value would not be."""
        reader, field = step.reader, step.field
        assert reader is not None and field is not None
        try:
            if reader.with_context:
                holder = self._context_only
                if holder is None or holder.context is not self.context_value:
                    holder = self._context_only = ContextOnly(self.context_value)
                value = reader.read(source, holder)
            else:
                value = reader.read(source)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, details, Path(path, name, parent.name))
            return None
        if value is None:
            if step.nullable:
                return None
        elif _plain_value_type(type(value)):
            if step.way is Way.OBJECT:
                assert step.object_type is not None
                return self._object(
                    step.object_type, parent, field, path, name, details, value, position
                )
            coerce = step.coerce
            assert coerce is not None
            try:
                if step.way is Way.LEAF:
                    coerced = coerce(value)
                    if coerced is not None and coerced is not Undefined:
                        return coerced
                elif isinstance(value, list | tuple):
                    items = []
                    for item in value:
                        if item is None or not _plain_value_type(type(item)):
                            break
                        coerced = coerce(item)
                        if coerced is None or coerced is Undefined:
                            break
                        items.append(coerced)
                    else:
                        return items
            except Exception:  # completed again below, where it is reported
                pass
        return self._completed(field, parent, path, name, details, value, position)

    def _object(
        self,
        object_type: GraphQLObjectType,
        parent: GraphQLObjectType,
        field: GraphQLField,
        path: Path | None,
        name: str,
        details: FieldDetailsList,
        value: Any,
        position: Any,
    ) -> Any:
        """An object's fields, by ``complete_object_value`` (which checks the
        type's ``is_type_of``); an error they raise is this field's, as in
        ``execute_field``."""
        field_path = Path(path, name, parent.name)
        try:
            if object_type.is_type_of is None:
                completed = self.collect_and_execute_subfields(
                    object_type, details, field_path, value, position
                )
            else:
                nodes = [detail.node for detail in details]
                info = self.build_resolve_info(field, nodes, parent, field_path)
                completed = self.complete_object_value(
                    object_type, details, info, field_path, value, position
                )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, details, field_path)
            return None
        if self.is_awaitable(completed):
            return self._awaited(completed, field.type, details, field_path)
        return completed

    def _completed(
        self,
        field: GraphQLField,
        parent: GraphQLObjectType,
        path: Path | None,
        name: str,
        details: FieldDetailsList,
        value: Any,
        position_context: Any,
    ) -> Any:
        """What ``execute_field`` does with a resolver's ``value``."""
        field_path = Path(path, name, parent.name)
        nodes = [detail.node for detail in details]
        info = self.build_resolve_info(field, nodes, parent, field_path)
        return_type = field.type
        try:
            if self.is_awaitable(value):
                return self.complete_awaitable_value(
                    return_type, details, info, field_path, value, position_context
                )
            completed = self.complete_value(
                return_type, details, info, field_path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, field_path)
            return None
        if self.is_awaitable(completed):
            return self._awaited(completed, return_type, details, field_path)
        return completed

    async def _awaited(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None


async def _gathered(results: dict[str, Any], waiting: list[str]) -> dict[str, Any]:
    """``results`` with its awaitables awaited, as ``execute_fields`` does."""
    if len(waiting) == 1:
        results[waiting[0]] = await results[waiting[0]]
        return results
    values = await gather_with_cancel(*(results[name] for name in waiting))
    results.update(zip(waiting, values, strict=True))
    return results
