"""``schema.extension_runner``: only the extensions with a hook are asked, and each still is.

The lean runner must change nothing an extension sees: one whose
``get_results`` adds to the response still does (sync or async), and one
with an ``on_stream_result`` hook still sees every frame of a subscription.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.types import StreamExecutionResult

from schema.masking import MaskingSchema


class CountsFrames(SchemaExtension):
    seen: list[object] = []

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        CountsFrames.seen.append(getattr(result, "data", None))
        yield None


class AddsResults(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        return {"sync": 1}


class AddsResultsLater(SchemaExtension):
    async def get_results(self) -> dict[str, Any]:
        return {"async": 2}


class Quiet(SchemaExtension):
    """No hook at all: never asked."""


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[int, None]:
        for tick in range(3):
            yield tick


def schema() -> MaskingSchema:
    return MaskingSchema(
        query=Query,
        subscription=Subscription,
        extensions=[Quiet, CountsFrames, AddsResults, AddsResultsLater],
    )


async def test_results_of_sync_and_async_extensions_still_reach_the_response() -> None:
    result = await schema().execute("{ ping }")
    assert result.data == {"ping": "pong"}
    assert result.extensions == {"sync": 1, "async": 2}


async def test_a_stream_result_hook_sees_every_frame() -> None:
    CountsFrames.seen = []
    stream = await schema().subscribe("subscription { ticks }")
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    frames = [frame async for frame in stream]
    assert [f.data for f in frames] == [{"ticks": 0}, {"ticks": 1}, {"ticks": 2}]
    assert all(f.extensions == {"sync": 1, "async": 2} for f in frames)
    assert CountsFrames.seen == [{"ticks": 0}, {"ticks": 1}, {"ticks": 2}]
