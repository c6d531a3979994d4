"""The executable schema, with the limits a public GraphQL endpoint needs."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from schema.activity import OBJECT_FOR_TYPE
from schema.live import Subscription
from schema.mutation import Mutation
from schema.people import Family, Location, Student
from schema.query import Query


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[*OBJECT_FOR_TYPE.values(), Location, Family, Student],
        config=StrawberryConfig(relay_max_results=100),
        extensions=[
            lambda: QueryDepthLimiter(max_depth=12),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=4000),
        ],
    )


schema = build_schema()
