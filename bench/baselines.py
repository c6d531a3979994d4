"""The baseline server: bare strawberry serving the same window page from memory.

``python -m bench.baselines --items FILE --port P`` serves a schema shaped
like ours where the window query touches it (``onlineActivity`` returning a
union of ``ActivityConnection | InvalidArguments`` whose nodes are a union of
the 17 per-type objects sharing an ``ActivityEntry`` interface), so the very
same query document runs against it and gets the very same JSON answer; but
the page (``FILE``: the ``onlineActivity`` object our server returned) comes
from memory: no database, no authentication, no extensions. The same
starlette + ``strawberry.asgi.GraphQL`` + uvicorn stack as ours.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Annotated, Any, Union

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from domain.vocabulary import ActivityType


@strawberry.type(name="Location")
class LocationRow:
    name: str


@strawberry.type(name="PageInfo")
class PageInfoRow:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.interface(name="ActivityEntry")
class EntryRow:
    id: strawberry.ID
    status: str
    occurred_at: str
    summary: str
    student_label: str | None
    has_notes: bool
    notes: str | None
    location: LocationRow | None


def _type_name(kind: ActivityType) -> str:
    from schema.activity import OBJECT_FOR_TYPE

    name: str = OBJECT_FOR_TYPE[kind].__strawberry_definition__.name  # type: ignore[attr-defined]
    return name


OBJECTS: dict[str, type[EntryRow]] = {}
for _kind in ActivityType:
    _name = _type_name(_kind)
    OBJECTS[_name] = strawberry.type(type(_name, (EntryRow,), {}), name=_name)

Activity = Annotated[Union[tuple(OBJECTS.values())], strawberry.union("Activity")]  # type: ignore[valid-type]  # noqa: UP007


@strawberry.type(name="ActivityConnection")
class ConnectionRow:
    total_count: int
    page_info: PageInfoRow
    nodes: list[Activity]  # type: ignore[valid-type]


@strawberry.type(name="InvalidArguments")
class InvalidRow:
    message: str


Result = Annotated[Union[ConnectionRow, InvalidRow], strawberry.union("OnlineActivityResult")]  # noqa: UP007


def _entry(node: dict[str, Any]) -> EntryRow:
    location = node.get("location")
    return OBJECTS[node["__typename"]](
        id=strawberry.ID(node["id"]),
        status=node.get("status", ""),
        occurred_at=node.get("occurredAt", ""),
        summary=node.get("summary", ""),
        student_label=node.get("studentLabel"),
        has_notes=bool(node.get("hasNotes")),
        notes=node.get("notes"),
        location=None if location is None else LocationRow(name=location["name"]),
    )


def build(page: dict[str, Any]) -> strawberry.Schema:
    info = page.get("pageInfo", {})
    connection = ConnectionRow(
        total_count=int(page.get("totalCount", 0)),
        page_info=PageInfoRow(
            has_next_page=bool(info.get("hasNextPage")),
            has_previous_page=bool(info.get("hasPreviousPage")),
            start_cursor=info.get("startCursor"),
            end_cursor=info.get("endCursor"),
        ),
        nodes=[_entry(node) for node in page["nodes"]],
    )

    @strawberry.type
    class Query:
        @strawberry.field
        def online_activity(self, first: int | None = None, after: str | None = None) -> Result:
            return connection

    return strawberry.Schema(query=Query, types=list(OBJECTS.values()))


async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(items: Path) -> Starlette:
    page = json.loads(items.read_text(encoding="utf-8"))
    graphql: GraphQL[Any, Any] = GraphQL(build(page), graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql), Route("/health", health)])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.baselines")
    parser.add_argument("--items", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(args.items), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
