"""Leaves completed directly answer what graphql-core's own completion answers.

``schema.direct_fields`` reads and coerces leaf fields in one loop and
``schema.kept_subfields`` keeps collected subfields across requests. A
small schema with every case (plain values, nulls, errors, a non-null field
that returns null, awaitables, lists of leaves with a null, a failed
coercion, aliases, directives) runs on the app's execution context with its
plain resolvers and on strawberry's own, and data and errors must be the
same; a schema extension's ``resolve`` hook still sees every field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache, SchemaExtension

from schema.direct_fields import DIRECT_GETTER, DirectFieldsExecutionContext, reads_only_context
from schema.kept_subfields import KEPT_SUBFIELDS, KeptSubfields
from schema.plain_resolvers import install_plain_resolvers


@strawberry.interface
class Named:
    label: str


@strawberry.type
class Owner(Named):
    """Implements an interface: strawberry gives it an ``is_type_of``."""

    initials: str


@strawberry.type
class Place:
    """No interface: no ``is_type_of``."""

    city: str
    code: int


@reads_only_context
def _tagged(root: Thing, info: strawberry.Info) -> str:
    return f"{info.context['tag']} {root.name}"


@reads_only_context
def _place_later(root: Thing, info: strawberry.Info) -> Awaitable[Place]:
    async def later() -> Place:
        return root.place

    return later()


@strawberry.type
class Thing:
    name: str
    place: Place
    no_place: Place | None
    owner: Owner | None
    wrong_owner: Owner | None
    tagged: str = strawberry.field(resolver=_tagged)
    place_later: Place = strawberry.field(resolver=_place_later)
    maybe: str | None
    count: int
    tags: list[str]
    loose: list[str | None] | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("boom")

    @strawberry.field
    def soft_broken(self) -> str | None:
        raise ValueError("soft boom")

    @strawberry.field
    def missing(self) -> str:
        return None  # type: ignore[return-value]

    @strawberry.field
    async def later(self) -> str:
        return f"later {self.name}"

    @strawberry.field
    def holes(self) -> list[str]:
        return ["a", None]  # type: ignore[list-item]

    @strawberry.field
    def failure(self) -> str | None:
        return ValueError("returned, not raised")  # type: ignore[return-value]

    @strawberry.field
    def missing_place(self) -> Place:
        return None  # type: ignore[return-value]


def _things() -> list[Thing]:
    here = Place(city="Ghent", code=9000)
    return [
        Thing(
            name="a",
            place=here,
            no_place=None,
            owner=Owner(label="o", initials="AB"),
            wrong_owner=here,  # type: ignore[arg-type]
            maybe=None,
            count=1,
            tags=["x", "y"],
            loose=["p", None],
        ),
        Thing(
            name="b",
            place=Place(city="Bruges", code="no code"),  # type: ignore[arg-type]
            no_place=None,
            owner=None,
            wrong_owner=None,
            maybe="m",
            count="not a number",  # type: ignore[arg-type]
            tags=[],
            loose=None,
        ),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return _things()


def _schemas(
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] | None = None,
) -> tuple[strawberry.Schema, strawberry.Schema]:
    # The app's parser cache gives every request of a document the same
    # nodes, which is what kept subfields are kept by.
    parser_cache = ParserCache()
    direct = strawberry.Schema(
        query=Query,
        execution_context_class=DirectFieldsExecutionContext,
        extensions=[lambda: parser_cache, *(extensions or [])],
    )
    install_plain_resolvers(direct)
    ordinary = strawberry.Schema(query=Query, extensions=extensions or [])
    return direct, ordinary


def _errors(result: Any) -> list[tuple[str, Any, Any]]:
    return sorted(
        (error.message, error.path, [(loc.line, loc.column) for loc in error.locations or []])
        for error in result.errors or []
    )


DOCUMENTS = [
    "{ things { __typename name maybe count tags loose shout later } }",
    "{ things { first: name again: name n: count } }",
    "{ things { name broken } }",
    "{ things { name softBroken } }",
    "{ things { name missing } }",
    "{ things { name holes } }",
    "{ things { name failure } }",
    "{ things { ... on Thing { name } ...More } } fragment More on Thing { maybe tags }",
    "query($yes: Boolean!) { things { name maybe @include(if: $yes) count @skip(if: $yes) } }",
    "{ things { name place { city } noPlace { city } owner { label initials } tagged } }",
    "{ things { name place { city code } } }",
    "{ things { name wrongOwner { label } } }",
    "{ things { name missingPlace { city } } }",
    "{ things { name placeLater { city code } } }",
]


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_direct_completion_answers_as_graphql_core(document: str) -> None:
    direct, ordinary = _schemas()
    for yes in (True, False):
        variables = {"yes": yes} if "$yes" in document else None
        context = {"tag": "seen by"}
        ours = await direct.execute(document, variable_values=variables, context_value=context)
        theirs = await ordinary.execute(document, variable_values=variables, context_value=context)
        assert ours.data == theirs.data
        assert _errors(ours) == _errors(theirs)


def test_plain_attributes_and_info_less_methods_get_a_getter() -> None:
    direct, _ordinary = _schemas()
    fields = direct._schema.type_map["Thing"].fields  # type: ignore[attr-defined]
    with_getter = {name for name, field in fields.items() if DIRECT_GETTER in field.extensions}
    assert {"name", "maybe", "count", "tags", "loose", "shout", "broken", "missing"} <= with_getter
    assert {"place", "owner", "tagged", "placeLater"} <= with_getter
    assert "later" in with_getter  # its coroutine is awaited the ordinary way
    assert "failure" in with_getter


async def test_an_error_in_a_direct_field_is_reported_once_with_its_path() -> None:
    direct, _ordinary = _schemas()
    result = await direct.execute("{ things { count } }")
    assert result.data is None or result.data == {"things": [{"count": 1}, None]}
    assert [error.path for error in result.errors or []] == [["things", 1, "count"]]


async def test_a_resolve_hook_still_sees_every_field() -> None:
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(
            self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
        ) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    direct, _ordinary = _schemas([Watch])
    result = await direct.execute("{ things { name maybe } }")
    assert result.errors is None
    assert seen.count("name") == 2 and seen.count("maybe") == 2


async def test_subfields_are_kept_only_without_directives() -> None:
    direct, _ordinary = _schemas()
    kept = KeptSubfields()
    original = KEPT_SUBFIELDS.__dict__.copy()
    KEPT_SUBFIELDS.__dict__.update(kept.__dict__)
    try:
        plain = "{ things { name } }"
        first = await direct.execute(plain)
        stored = len(kept._found)
        second = await direct.execute(plain)
        assert first.data == second.data and stored >= 1 and len(kept._found) == stored
        await direct.execute(
            "query($yes: Boolean!) { things { name @include(if: $yes) } }",
            variable_values={"yes": True},
        )
        assert len(kept._found) == stored  # a document with a directive is never kept
    finally:
        KEPT_SUBFIELDS.__dict__.clear()
        KEPT_SUBFIELDS.__dict__.update(original)
