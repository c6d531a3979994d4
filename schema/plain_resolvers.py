"""Resolvers called without strawberry's per-call chain, where it adds nothing.

Issue 12: "per-field resolver overhead on the union page". Every field with a
resolver goes through strawberry's chain on every call: a new ``Info``, the
argument conversion, the field extensions folded over the call, the
resolver's own ``__call__``, then an await check (the async ones in a
coroutine of their own). For a field whose resolver takes no GraphQL
argument, that has no field extension (permission classes are extensions
too) and that no exception handler covers, the chain only passes the source
(as ``self``, ``root`` or ``parent``) and, when asked for, an ``Info``: this
makes that call directly, and graphql-core awaits what it returns as it
would strawberry's. Everything else (fields with arguments or extensions,
subscriptions) keeps strawberry's resolver. The schema is the same; schema
extensions' ``resolve`` hooks still wrap these (graphql-core's middleware
applies to whatever resolver a field has). A window page calls about 45 of
them (location, family, availableActions, the per-kind fields).

Where a field's value is read from its source alone (a plain attribute, or
a method that takes nothing else), its reader is also kept in the field's
extensions (``direct_getter``) for ``schema.direct_fields``, which completes
such leaves without a resolver call at all.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, NamedTuple

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from schema.direct_fields import DIRECT_GETTER, ContextOnly, Reader, marked_reads_only_context

Resolve = Callable[..., Any]
Info = GraphQLResolveInfo[Any]  # graphql-core's, as graphql-core calls a resolver


class _Call(NamedTuple):
    """How a resolver is called: its function, whether the source is its
    ``self``, the names it takes the source under, and its ``Info``'s name."""

    call: Callable[..., Any]
    as_self: bool
    named: list[str]
    info_name: str | None


def _resolver_call(field: StrawberryField) -> _Call | None:
    """The call of ``field``'s resolver where strawberry's chain would only
    pass the source and an ``Info``: no argument, extension or permission
    class (permission classes are extensions too; checked should that change)."""
    resolver = field.base_resolver
    if resolver is None or resolver.arguments or field.extensions or field.permission_classes:
        return None
    if resolver.is_graphql_generic:
        return None
    call = resolver.wrapped_func
    if not callable(call):
        return None
    named = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    info_name = None if resolver.info_parameter is None else resolver.info_parameter.name
    return _Call(call, resolver.self_parameter is not None, named, info_name)


def plain_resolver(
    field: StrawberryField, info_class: type[strawberry.Info[Any, Any]]
) -> Resolve | None:
    """The direct call of ``field``'s resolver, or None where strawberry's
    chain does more than pass the source and an ``Info``."""
    found = _resolver_call(field)
    if found is None:
        return None
    call, as_self, named, info_name = found

    if as_self and not named and info_name is None:

        def resolve_self(source: Any, _info: Info) -> Any:
            return call(source)

        return resolve_self

    if as_self and not named and info_name is not None:

        def resolve_self_info(source: Any, info: Info) -> Any:
            return call(source, **{info_name: info_class(_raw_info=info, _field=field)})

        return resolve_self_info

    def resolve(source: Any, info: Info) -> Any:
        passed: dict[str, Any] = dict.fromkeys(named, source)
        if info_name is not None:
            passed[info_name] = info_class(_raw_info=info, _field=field)
        return call(source, **passed) if as_self else call(**passed)

    return resolve


def direct_getter(field: StrawberryField, resolve: Resolve | None) -> Reader | None:
    """How to read ``field``'s value from its source alone, where that is
    all its resolver does (``schema.direct_fields``): a plain attribute
    strawberry reads with ``getattr``, a method of the source that takes
    nothing else, or a resolver marked ``reads_only_context`` (given the
    source and a ``ContextOnly`` for its ``Info``)."""
    if field.base_resolver is None:
        plain_attribute = (
            not field.extensions
            and not field.permission_classes
            and getattr(resolve, "_is_default", False)
            and field.default_resolver is getattr
        )
        return Reader(attrgetter(field.python_name)) if plain_attribute else None
    found = _resolver_call(field)
    if found is None:
        return None
    call, as_self, named, info_name = found
    if info_name is None:
        return Reader(call) if as_self and not named else None
    if not marked_reads_only_context(call):
        return None

    def read(source: Any, holder: ContextOnly) -> Any:
        passed: dict[str, Any] = dict.fromkeys(named, source)
        passed[info_name] = holder
        return call(source, **passed) if as_self else call(**passed)

    return Reader(read, with_context=True)


def install_plain_resolvers(schema: strawberry.Schema) -> list[str]:
    """Give every qualifying field of ``schema``'s object types its plain
    resolver (the subscription type excepted); what was given, as
    ``Type.field``."""
    converter = schema.schema_converter
    info_class = schema.config.info_class
    graphql_schema = schema._schema
    skipped = graphql_schema.subscription_type
    given = []
    for named_type in graphql_schema.type_map.values():
        if not isinstance(named_type, GraphQLObjectType) or named_type is skipped:
            continue
        if named_type.name.startswith("__"):
            continue
        for name, graphql_field in named_type.fields.items():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            if converter._get_field_exception_handlers(field):
                continue
            getter = direct_getter(field, graphql_field.resolve)
            if getter is not None:
                graphql_field.extensions = {
                    **(graphql_field.extensions or {}),
                    DIRECT_GETTER: getter,
                }
            plain = plain_resolver(field, info_class)
            if plain is not None:
                graphql_field.resolve = plain
                given.append(f"{named_type.name}.{name}")
    return given
