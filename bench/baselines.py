"""The HTTP baselines of the window figure, each its own server process.

``python -m bench.baselines strawberry --page FILE --port P [--no-caches]``
serves bare strawberry: a schema shaped like ours where the window document
(``bench.documents.WINDOW``) touches it (``onlineActivity`` returning
``ActivityConnection | InvalidArguments`` whose nodes are a union of the
per-type objects sharing an ``ActivityEntry`` interface; the type names are
read from the published ``schema.graphql``), so the very same document runs
against it and gets the very same JSON. The page (``FILE``: the
``onlineActivity`` object our server returned) comes from memory: no
database, no authentication. Everything else is what the app gets: the same
starlette + ``strawberry.asgi.GraphQL`` + uvicorn stack, the same
garbage-collector tuning (``service.gc_tuning``, applied once started, as
the app does) and the same extensions (``EXTENSIONS``: error masking,
busy-database errors,
``schema.document_limits`` with its parser and validation caches, the
introspection and NUL checks;
``tests/test_bench_harness.py`` keeps them equal to
``schema/build.py``'s). ``--no-caches`` drops the two caches, which is the
baseline the old figures were measured against (every request parsed and
validated again): reported as an anchor, never held to a target.

``python -m bench.baselines hello --port P`` is raw starlette answering
every POST with a fixed JSON "hello": the most HTTP requests per second this
stack gives on this machine (the HTTP ceiling).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Union

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension

from schema.document_limits import DocumentLimits
from schema.input_limits import InputLimits
from schema.input_text import NulRefusal
from schema.introspection import IntrospectionPolicy
from schema.masking import MaskInternalErrors
from schema.unavailable import DatabaseUnavailable
from service.gc_tuning import tune_gc

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO_ROOT / "schema.graphql"


class UncachedDocumentLimits(DocumentLimits):
    """The app's document limits with every document parsed and validated again."""

    parse_document = staticmethod(DocumentLimits.parse_document.__wrapped__)  # type: ignore[attr-defined]
    validate_document = staticmethod(DocumentLimits.validate_document.__wrapped__)  # type: ignore[attr-defined]


# The app's extensions (schema/build.py): error masking and its document
# and input limits, the document limits with their parse and validation
# caches (``LIMITS``: the same without the caches), then the checks it runs
# after them.
LIMITS: list[Callable[[], SchemaExtension]] = [
    MaskInternalErrors,
    DatabaseUnavailable,
    UncachedDocumentLimits,
    InputLimits,
]
CHECKS: list[Callable[[], SchemaExtension]] = [IntrospectionPolicy, NulRefusal]
EXTENSIONS: list[Callable[[], SchemaExtension]] = [
    MaskInternalErrors,
    DatabaseUnavailable,
    DocumentLimits,
    InputLimits,
    *CHECKS,
]


def activity_type_names(schema_file: Path = SCHEMA_FILE) -> list[str]:
    """The members of the ``Activity`` union in the published schema."""
    from graphql import GraphQLUnionType, build_schema

    union = build_schema(schema_file.read_text(encoding="utf-8")).get_type("Activity")
    if not isinstance(union, GraphQLUnionType):
        raise RuntimeError(f"{schema_file}: no union Activity")
    return [member.name for member in union.types]


@strawberry.type(name="Location")
class LocationRow:
    name: str


@strawberry.type(name="Family")
class FamilyRow:
    name: str


@strawberry.type(name="PageInfo")
class PageInfoRow:
    has_next_page: bool
    end_cursor: str | None = None
    has_previous_page: bool = False
    start_cursor: str | None = None


@strawberry.type(name="PageCursor")
class PageCursorRow:
    page: int
    cursor: str
    is_current: bool = False


@strawberry.type(name="PageCursors")
class PageCursorsRow:
    around: list[PageCursorRow]
    first: PageCursorRow | None = None
    last: PageCursorRow | None = None


@strawberry.interface(name="ActivityEntry")
class EntryRow:
    id: strawberry.ID
    type: str = ""
    status: str = ""
    occurred_at: str = ""
    sequence: int = 0
    version: int = 0
    summary: str = ""
    student_label: str | None = None
    has_notes: bool = False
    notes: str | None = None
    available_actions: list[str] = strawberry.field(default_factory=list)
    location: LocationRow | None = None
    family: FamilyRow | None = None


# Fields of single types that the window document asks for, beyond the interface.
EXTRA_FIELDS: dict[str, dict[str, Any]] = {
    "DropActivity": {"drop_date": str | None, "reason": str | None, "meets_notice_period": bool},
    "TransferActivity": {
        "from_class_name": str | None,
        "to_class_name": str | None,
        "suggested_previous_class_drop_date": str | None,
    },
}


def entry_types(names: list[str]) -> dict[str, type[EntryRow]]:
    made: dict[str, type[EntryRow]] = {}
    for name in names:
        extra = EXTRA_FIELDS.get(name, {})
        namespace: dict[str, Any] = {"__annotations__": dict(extra)}
        namespace.update(dict.fromkeys(extra))
        made[name] = strawberry.type(type(name, (EntryRow,), namespace), name=name)
    return made


@strawberry.type(name="UserError")
class UserErrorRow:
    code: str
    message: str
    field: list[str] | None = None


@strawberry.type(name="InvalidArguments")
class InvalidRow:
    user_errors: list[UserErrorRow]


@strawberry.input(name="ActivityFilter")
class FilterRow:
    types: list[str] | None = None
    has_notes: str | None = None
    status: str | None = None


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _row(kind: type[Any], data: dict[str, Any] | None) -> Any:
    return None if data is None else kind(**{_snake(k): v for k, v in data.items()})


def build(page: dict[str, Any], names: list[str], caches: bool = True) -> strawberry.Schema:
    """Bare strawberry answering the window document with ``page``."""
    objects = entry_types(names)
    activity = Annotated[Union[tuple(objects.values())], strawberry.union("Activity")]  # type: ignore[valid-type]  # noqa: UP007
    cursors = page.get("pageCursors") or {"around": []}

    @strawberry.type(name="ActivityConnection")
    class ConnectionRow:
        total_count: int
        page_number: int
        page_count: int
        page_cursors: PageCursorsRow
        page_info: PageInfoRow
        # Built here, so given as an object: a string annotation would not resolve.
        nodes: list[Any] = strawberry.field(graphql_type=list[activity])  # type: ignore[valid-type]

    result = Annotated[
        Union[ConnectionRow, InvalidRow],  # noqa: UP007
        strawberry.union("OnlineActivityResult"),
    ]

    def node(data: dict[str, Any]) -> EntryRow:
        fields = {_snake(k): v for k, v in data.items() if k != "__typename"}
        fields["location"] = _row(LocationRow, data.get("location"))
        fields["family"] = _row(FamilyRow, data.get("family"))
        entry: EntryRow = objects[data["__typename"]](**fields)
        return entry

    connection = ConnectionRow(
        total_count=int(page.get("totalCount", 0)),
        page_number=int(page.get("pageNumber", 1)),
        page_count=int(page.get("pageCount", 1)),
        page_cursors=PageCursorsRow(
            around=[_row(PageCursorRow, c) for c in cursors.get("around", [])],
            first=_row(PageCursorRow, cursors.get("first")),
            last=_row(PageCursorRow, cursors.get("last")),
        ),
        page_info=_row(PageInfoRow, page.get("pageInfo", {"hasNextPage": False})),
        nodes=[node(n) for n in page["nodes"]],
    )

    @strawberry.type
    class Query:
        @strawberry.field(graphql_type=result)  # type: ignore[untyped-decorator]
        def online_activity(
            self,
            filter: FilterRow | None = None,
            first: int | None = None,
            after: str | None = None,
        ) -> Any:
            return connection

    return strawberry.Schema(
        query=Query,
        types=list(objects.values()),
        extensions=EXTENSIONS if caches else [*LIMITS, *CHECKS],
    )


@asynccontextmanager
async def tuned_gc(_app: Starlette) -> AsyncIterator[None]:
    """The app's garbage-collector tuning, applied where the app applies it
    (``service.app``'s lifespan, once started): an advantage the app has,
    so every HTTP baseline has it too."""
    tune_gc()
    yield


async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def hello(_request: Request) -> Response:
    return JSONResponse({"data": {"hello": "world"}})


def strawberry_app(page_file: Path, caches: bool) -> Starlette:
    page = json.loads(page_file.read_text(encoding="utf-8"))
    graphql: GraphQL[Any, Any] = GraphQL(
        build(page, activity_type_names(), caches), graphql_ide=None
    )
    return Starlette(
        routes=[Route("/graphql", graphql), Route("/health", health)], lifespan=tuned_gc
    )


def hello_app() -> Starlette:
    return Starlette(
        routes=[Route("/graphql", hello, methods=["POST"]), Route("/health", health)],
        lifespan=tuned_gc,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.baselines")
    parser.add_argument("kind", choices=("strawberry", "hello"))
    parser.add_argument("--page", type=Path)
    parser.add_argument("--no-caches", action="store_true")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.kind == "hello":
        app = hello_app()
    elif args.page is None:
        parser.error("strawberry needs --page")
    else:
        app = strawberry_app(args.page, caches=not args.no_caches)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
