"""``schema.extension_hooks``: each extension class's hook is wrapped once.

Strawberry wraps every extension's ``on_operation``, ``on_parse``,
``on_validate`` and ``on_execute`` anew
for each operation; ours does it once per class and keeps what the
extensions see unchanged: every kind of hook (generator, async generator,
plain function, coroutine) runs, in strawberry's order, entering in the
extensions' order and leaving in reverse, and an error in execution still
reaches the hooks that wait on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from schema.extension_hooks import _FACTORIES
from schema.masking import MaskingSchema

events: list[str] = []


class Generator(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        events.append("generator operation in")
        yield
        events.append("generator operation out")

    def on_parse(self) -> Iterator[None]:
        events.append("generator parse in")
        yield
        events.append("generator parse out")

    def on_validate(self) -> Iterator[None]:
        events.append("generator validate in")
        yield
        events.append("generator validate out")

    def on_execute(self) -> Iterator[None]:
        events.append("generator execute in")
        try:
            yield
        except ValueError:  # never: graphql-core reports a resolver's error in the result
            events.append("generator execute saw a raise")
            raise
        events.append("generator execute out")


class AsyncGenerator(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        events.append("async generator operation in")
        yield
        events.append("async generator operation out")

    async def on_validate(self) -> AsyncIterator[None]:
        events.append("async generator validate in")
        yield
        events.append("async generator validate out")


class Plain(SchemaExtension):
    def on_execute(self) -> None:  # type: ignore[override]
        events.append("plain execute")


class Coroutine(SchemaExtension):
    async def on_execute(self) -> None:  # type: ignore[override]
        events.append("coroutine execute")


class NoHook(SchemaExtension):
    """Overrides nothing: no wrapper is made for it."""


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        events.append("resolver")
        return "pong"

    @strawberry.field
    def fails(self) -> str:
        raise ValueError("resolver failed")


EXTENSIONS: list[type[SchemaExtension]] = [Generator, AsyncGenerator, Plain, Coroutine, NoHook]


def schema() -> MaskingSchema:
    return MaskingSchema(query=Query, extensions=EXTENSIONS)


async def strawberry_s_events(document: str) -> list[str]:
    """What strawberry's own runner makes the same extensions see."""
    await strawberry.Schema(query=Query, extensions=EXTENSIONS).execute(document)
    seen = list(events)
    events.clear()
    return seen


@pytest.fixture(autouse=True)
def _fresh_events() -> None:
    events.clear()


async def test_every_kind_of_hook_runs_in_order_entering_forwards_leaving_backwards() -> None:
    expected = await strawberry_s_events("{ ping }")
    result = await schema().execute("{ ping }")
    assert result.errors is None
    assert result.data == {"ping": "pong"}
    assert events == [
        "generator operation in",
        "async generator operation in",
        "generator parse in",
        "generator parse out",
        "generator validate in",
        "async generator validate in",
        "async generator validate out",
        "generator validate out",
        "generator execute in",
        "plain execute",
        "coroutine execute",
        "resolver",
        "generator execute out",
        "async generator operation out",
        "generator operation out",
    ]
    assert events == expected


async def test_a_failing_resolver_leaves_every_hook_as_strawberry_leaves_them() -> None:
    expected = await strawberry_s_events("{ fails }")
    result = await schema().execute("{ fails }")
    assert result.errors is not None
    assert [error.message for error in result.errors] == ["resolver failed"]
    assert events[-3:] == [
        "generator execute out",
        "async generator operation out",
        "generator operation out",
    ]
    assert events == expected


async def test_hooks_are_wrapped_once_per_class_not_once_per_operation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Strawberry's own hook context calls ``contextlib.contextmanager`` (or
    ``asynccontextmanager``) for every hook of every operation; after the
    first operation ours calls neither."""
    served = schema()
    await served.execute("{ ping }")  # the first operation of these classes wraps them
    wrapped: list[str] = []

    def counting(
        wrap: Callable[[Callable[..., Any]], Any],
    ) -> Callable[[Callable[..., Any]], Any]:
        def counted(function: Callable[..., Any]) -> Any:
            wrapped.append(getattr(function, "__qualname__", repr(function)))
            return wrap(function)

        return counted

    monkeypatch.setattr(contextlib, "contextmanager", counting(contextlib.contextmanager))
    monkeypatch.setattr(contextlib, "asynccontextmanager", counting(contextlib.asynccontextmanager))
    for _ in range(3):
        result = await served.execute("{ ping }")
        assert result.errors is None
    assert wrapped == []
    assert events.count("resolver") == 4
    kept = {(cls.__name__, hook) for cls, hook in _FACTORIES if _FACTORIES[(cls, hook)]}
    assert {
        ("Generator", "on_operation"),
        ("Generator", "on_execute"),
        ("Generator", "on_parse"),
        ("Generator", "on_validate"),
        ("AsyncGenerator", "on_operation"),
        ("AsyncGenerator", "on_validate"),
        ("Plain", "on_execute"),
        ("Coroutine", "on_execute"),
    } <= kept
    assert not any(cls is NoHook and found for (cls, _), found in _FACTORIES.items())


async def test_a_hook_that_is_not_callable_is_refused_as_strawberry_refuses_it() -> None:
    class Broken(SchemaExtension):
        on_operation = "not a function"  # type: ignore[assignment]

    ours = await MaskingSchema(query=Query, extensions=[Broken]).execute("{ ping }")
    stock = await strawberry.Schema(query=Query, extensions=[Broken]).execute("{ ping }")
    for result in (ours, stock):
        assert result.data is None
        assert result.errors is not None
        assert "must be callable, received 'not a function'" in result.errors[0].message
    assert "resolver" not in events
