"""Plain resolvers answer what strawberry's resolver chain answers.

``schema.plain_resolvers`` calls the resolvers of argument-less fields
without strawberry's per-call chain. The same document, every field of every
kind of entry that takes no argument, is run on the app's schema and on the
same schema with strawberry's chain on every field, for staff of different
rights and locations, and the results must be equal.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)

from domain.viewer import viewer_for_token
from domain.vocabulary import ActivityType
from schema.build import build_schema, schema
from schema.context import Context
from schema.plain_resolvers import install_plain_resolvers
from service.services import Services
from tests.factories import add_entries, add_family
from tests.support import World


def _every_field_documents() -> list[str]:
    """Window queries selecting every argument-less field of each kind, one
    kind a document (object-typed fields by their leaf fields, one level
    down), within the document limits."""
    union = schema._schema.get_type("Activity")
    assert isinstance(union, GraphQLUnionType)

    def selection(kind: GraphQLObjectType, depth: int) -> str:
        chosen = []
        for name, field in kind.fields.items():
            if any(a.type is not None and "!" in str(a.type) for a in field.args.values()):
                continue
            target = get_named_type(field.type)
            if is_leaf_type(target):
                chosen.append(name)
            elif isinstance(target, GraphQLObjectType) and depth == 0:
                chosen.append(f"{name} {{ {selection(target, 1) or '__typename'} }}")
            elif depth == 0:
                chosen.append(f"{name} {{ __typename }}")
        return " ".join(chosen)

    return [
        "query Every { onlineActivity(first: 50) { ... on ActivityConnection { "
        f"totalCount nodes {{ __typename ... on {kind.name} {{ {selection(kind, 0)} }} }} }} }} }}"
        for kind in union.types
    ]


def test_argument_less_entry_fields_are_plain_and_fields_with_arguments_are_not() -> None:
    given = set(install_plain_resolvers(build_schema(plain_resolvers=False)))
    assert {"PaymentActivity.location", "DropActivity.family", "DropActivity.dropDate"} <= given
    assert "PaymentActivity.availableActions" in given
    assert not any(name.startswith("Query.") and "onlineActivity" in name for name in given)
    assert not any(name.startswith("Subscription.") for name in given)


async def test_plain_and_strawberry_resolvers_answer_the_same(
    services: Services, world: World
) -> None:
    # Given an entry of every kind, in and out of one location, with a family or not
    riverside = world.riverside
    family_id, _ = await add_family(services.database, riverside.id)
    locations = [riverside.locations["north"], riverside.locations["south"], None]
    specs: list[dict[str, Any]] = [
        {"type": kind, "location_id": locations[i % 3], "family_id": family_id if i % 2 else None}
        for i, kind in enumerate(ActivityType)
    ]
    await add_entries(services.database, riverside.id, *specs)
    documents = _every_field_documents()
    chained = build_schema(plain_resolvers=False)

    for token in (riverside.full, riverside.view_only, riverside.north_only):
        async with services.database.read() as session:
            viewer = await viewer_for_token(session, token)
        assert viewer is not None
        for document in documents:
            # When the same document runs with plain resolvers and with strawberry's chain
            plain = await schema.execute(
                document, context_value=Context(services=services, viewer=viewer)
            )
            chain = await chained.execute(
                document, context_value=Context(services=services, viewer=viewer)
            )
            # Then the answers are the same, data and errors alike
            assert plain.data == chain.data
            assert [e.formatted for e in plain.errors or []] == [
                e.formatted for e in chain.errors or []
            ]
            assert not plain.errors, (document, plain.errors)
            assert plain.data is not None
            assert len(plain.data["onlineActivity"]["nodes"]) >= 4
