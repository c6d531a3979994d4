"""The executable schema, with the limits a public GraphQL endpoint needs."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from schema.entries import OBJECT_FOR_TYPE
from schema.execution import SharedEventExecutionContext
from schema.input_text import NulRefusal
from schema.introspection import IntrospectionPolicy
from schema.live import Subscription
from schema.masking import MaskingSchema, MaskInternalErrors
from schema.mutation import Mutation
from schema.people import Family, Location, Student
from schema.query import Query
from schema.scalars import SCALAR_OVERRIDES
from schema.telemetry import OperationTelemetry

# The limiters' rule classes, built once: each QueryDepthLimiter or
# MaxAliasesLimiter instance makes a new rule class, which would make every
# request a ValidationCache miss (the rules are part of its key).
DEPTH_RULES = QueryDepthLimiter(max_depth=12).validation_rules
ALIAS_RULES = MaxAliasesLimiter(max_alias_count=30).validation_rules


def build_schema() -> strawberry.Schema:
    return MaskingSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[*OBJECT_FOR_TYPE.values(), Location, Family, Student],
        config=StrawberryConfig(relay_max_results=100),
        scalar_overrides=SCALAR_OVERRIDES,  # DateTime refuses what it cannot keep
        # One execution per subscription event and distinct selection and viewer scope.
        execution_context_class=SharedEventExecutionContext,
        extensions=[
            # First: it sees each operation's final result, after the others.
            OperationTelemetry,
            MaskInternalErrors,  # internals never reach a client (schema/masking.py)
            lambda: AddValidationRules(DEPTH_RULES),
            lambda: AddValidationRules(ALIAS_RULES),
            lambda: MaxTokensLimiter(max_token_count=4000),
            # Bounded LRU caches shared across requests (module level in
            # strawberry): a repeated query skips parsing and validation.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            IntrospectionPolicy,  # after ValidationCache (schema/introspection.py)
            NulRefusal,  # after ValidationCache (schema/input_text.py)
        ],
    )


schema = build_schema()
