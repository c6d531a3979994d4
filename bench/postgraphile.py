"""PostGraphile 4: the server a user could pick instead, on the same database.

``make bench`` installs it with ``npm ci`` from ``bench/npm`` (the committed
``package-lock.json`` pins every package). The benchmark starts it against
the bench PostgreSQL database after our migrations and seed, serving the
public schema as it is: ``allActivityEntries`` is a connection over the
entries table, and ``bench.documents.POSTGRAPHILE_WINDOW`` asks it for the
organisation's first 10 open entries by occurrence time (the window's first
page, the index ``ix_activity_entries_window`` serves both).

PostGraphile refuses a schema whose inflected names collide: a
self-referencing foreign key with a unique column makes the forward relation
and the backward single relation the same name (``enrollments.
transferred_from_id``: ``enrollmentByTransferredFromId`` twice). The
benchmark's setup names every self-referencing key's backward relations with
a smart comment (``COMMENT ON CONSTRAINT ... '@foreignFieldName ...'``) in
the bench database only; our schema and migrations are not touched.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator

import httpx

from bench.servers import Server, serving
from service.settings import REPO_ROOT

NPM_DIR = REPO_ROOT / "bench" / "npm"
BIN = NPM_DIR / "node_modules" / ".bin" / "postgraphile"

SELF_REFERENCES = """
SELECT c.conname, t.relname, a.attname
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.conrelid = c.confrelid AND n.nspname = 'public'
"""


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


async def name_self_references(admin_url: str) -> list[str]:
    """Smart comments naming each self-referencing key's backward relations
    ``<table>By<Column>Inverse`` (e.g. ``enrollmentsByTransferredFromIdInverse``);
    the statements run, for the report."""
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(admin_url)
    try:
        statements = []
        for constraint, table, column in await connection.fetch(SELF_REFERENCES):
            name = f"{_camel(table)}By{_camel(column)[0].upper()}{_camel(column)[1:]}Inverse"
            single = name.replace(_camel(table), _camel(table.removesuffix("s")), 1)
            comment = f"@foreignFieldName {name}\\n@foreignSingleFieldName {single}"
            statement = f'COMMENT ON CONSTRAINT "{constraint}" ON "{table}" IS E\'{comment}\''
            await connection.execute(statement)
            statements.append(statement)
        return statements
    finally:
        await connection.close()


def installed() -> str | None:
    """Why PostGraphile cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed (Debian: apt-get install nodejs npm)"
    if not BIN.exists():
        return f"{BIN.relative_to(REPO_ROOT)} missing: run make bench (npm ci in bench/npm)"
    return None


def _answers(url: str) -> bool:
    reply = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=1)
    return reply.status_code == 200


@contextlib.contextmanager
def postgraphile_server(name: str, database_url: str) -> Iterator[Server]:
    """PostGraphile's own HTTP server (one Node process, pinned like the app)."""
    command = [
        "node",
        str(BIN),
        *["--connection", database_url, "--schema", "public"],
        *["--host", "127.0.0.1", "--port", "{port}"],
        "--disable-query-log",
        "--disable-graphiql",
    ]
    server = Server(name, [], {"NODE_ENV": "production"}, command=command, ready=_answers)
    with serving(server):
        yield server
