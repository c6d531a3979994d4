"""The executable schema, with the limits a public GraphQL endpoint needs."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.direct_fields import DirectFieldsExecutionContext
from schema.document_limits import DocumentLimits
from schema.entries import OBJECT_FOR_TYPE
from schema.execution import SharedEventExecutionContext
from schema.input_limits import InputLimits
from schema.input_text import NulRefusal
from schema.introspection import IntrospectionPolicy
from schema.live import Subscription
from schema.masking import MaskingSchema, MaskInternalErrors
from schema.mutation import Mutation
from schema.people import Family, Location, Student
from schema.plain_resolvers import install_plain_resolvers
from schema.query import Query
from schema.scalars import SCALAR_OVERRIDES
from schema.telemetry import OperationTelemetry
from schema.unavailable import DatabaseUnavailable


def build_schema(*, shared_events: bool = True, plain_resolvers: bool = True) -> strawberry.Schema:
    """The schema; ``shared_events=False`` gives graphql-core's plain
    execution (tests compare the two: ``schema.execution`` must change
    nothing a subscriber receives), ``plain_resolvers=False`` strawberry's
    resolver chain on every field (``schema.plain_resolvers``, compared the
    same way)."""
    built = MaskingSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[*OBJECT_FOR_TYPE.values(), Location, Family, Student],
        config=StrawberryConfig(relay_max_results=100),
        scalar_overrides=SCALAR_OVERRIDES,  # DateTime refuses what it cannot keep
        # One execution per subscription event and distinct selection and viewer scope.
        execution_context_class=(
            SharedEventExecutionContext if shared_events else DirectFieldsExecutionContext
        ),
        extensions=[
            # First: it sees each operation's final result, after the others.
            OperationTelemetry,
            MaskInternalErrors,  # internals never reach a client (schema/masking.py)
            # After the masker: a busy database's errors become DATABASE_UNAVAILABLE
            # with retryAfter before it looks (schema/unavailable.py).
            DatabaseUnavailable,
            # Token, depth, alias and fragment limits and a time budget, with
            # bounded LRU caches shared across requests: a repeated query
            # skips parsing and validation.
            DocumentLimits,
            # After DocumentLimits: every input list, once the document is valid.
            InputLimits,
            IntrospectionPolicy,  # after DocumentLimits (schema/introspection.py)
            NulRefusal,  # after DocumentLimits (schema/input_text.py)
        ],
    )
    if plain_resolvers:
        install_plain_resolvers(built)
    return built


schema = build_schema()
