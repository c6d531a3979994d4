"""Every GraphQL example in the README runs as written against the seeded demo.

Generic, so examples added later are covered too:

- every ```graphql block runs, each operation in it by name, in README
  order; the ```json block right after it (nothing but blank lines between)
  is its variables. Every other ```json block must at least parse.
- a string written ``oas_...``, ``oap_...``, ``oal_...`` (a token prefix and
  three dots) stands for the reader's own: the demo's full-rights staff token,
  its portal key, or the last value with that prefix an earlier example
  returned (a lease token from ``acquireEditLock``).
- a block whose comment says ``Bearer oap_...`` runs with the portal key,
  any other with the full-rights staff token.
- queries and mutations go over HTTP; subscriptions over graphql-transport-ws,
  where the first result (or a quiet second) must carry no error.

No example may come back with a top-level error or a ``userErrors`` entry.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import OperationDefinitionNode, OperationType, parse

from models.base import utcnow
from models.db import Database
from service.demo import seed_demo
from service.settings import REPO_ROOT
from tests.live.client import LiveSocket
from tests.live.servers import Server

BLOCK = re.compile(r"^```(graphql|json)\n(.*?)^```", re.MULTILINE | re.DOTALL)
PLACEHOLDER = re.compile(r"^(oa[a-z]_)\.\.\.$")
TOKEN = re.compile(r"^oa[a-z]_[A-Za-z0-9_-]{20,}$")
PORTAL = re.compile(r"#.*Bearer oap_\.\.\.")


@dataclass(frozen=True)
class Example:
    line: int
    document: str
    variables: Any


def readme_examples(readme: str) -> tuple[list[Example], list[str]]:
    """The graphql blocks with their variables, and every json block's text."""
    blocks = list(BLOCK.finditer(readme))
    examples, json_texts = [], []
    for index, block in enumerate(blocks):
        kind, body = block.group(1), block.group(2)
        if kind == "json":
            json_texts.append(body)
            continue
        variables: Any = {}
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if (
            following is not None
            and following.group(1) == "json"
            and not readme[block.end() : following.start()].strip()
        ):
            variables = json.loads(following.group(2))
        examples.append(Example(readme.count("\n", 0, block.start()) + 1, body, variables))
    return examples, json_texts


def _filled(value: Any, known: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _filled(item, known) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, known) for item in value]
    if isinstance(value, str) and (placeholder := PLACEHOLDER.match(value)):
        prefix = placeholder.group(1)
        assert prefix in known, f"{value}: no earlier example returned one"
        return known[prefix]
    return value


def _learn(value: Any, known: dict[str, str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _learn(item, known)
    elif isinstance(value, list):
        for item in value:
            _learn(item, known)
    elif isinstance(value, str) and TOKEN.match(value):
        known[value[:4]] = value


def _user_errors(value: Any) -> list[Any]:
    if isinstance(value, dict):
        found = list(value.get("userErrors") or [])
        return found + [e for item in value.values() for e in _user_errors(item)]
    if isinstance(value, list):
        return [e for item in value for e in _user_errors(item)]
    return []


async def _run(server: Server, example: Example, known: dict[str, str]) -> None:
    document = parse(example.document)
    variables = _filled(example.variables, known)
    token = known["oap_" if PORTAL.search(example.document) else "oas_"]
    for definition in document.definitions:
        assert isinstance(definition, OperationDefinitionNode) and definition.name, (
            f"README line {example.line}: name every operation"
        )
        name = definition.name.value
        where = f"README line {example.line}, {name}"
        if definition.operation is OperationType.SUBSCRIPTION:
            socket = await LiveSocket.open(server.ws, token)
            try:
                operation = await socket.subscribe(example.document, variables, name)
                try:
                    message = await socket.message(operation, 1.0)
                except TimeoutError:
                    continue  # live only: nothing to say yet, and no error either
                assert message["type"] == "next", (where, message)
                assert not message["payload"].get("errors"), (where, message)
                data = message["payload"]["data"]
            finally:
                await socket.close()
        else:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(
                    f"{server.http}/graphql",
                    json={"query": example.document, "variables": variables, "operationName": name},
                    headers={"Authorization": f"Bearer {token}"},
                )
            assert response.status_code == 200, (where, response.text)
            body = response.json()
            assert not body.get("errors"), (where, body["errors"])
            data = body["data"]
        assert not _user_errors(data), (where, _user_errors(data))
        _learn(data, known)


async def test_every_readme_example_runs_as_written_against_the_demo(
    server_a: Server, live_database: str
) -> None:
    # given the README and the demo organisation seeded where the server reads
    examples, json_texts = readme_examples((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(examples) >= 4, "the README lost its examples"
    for text in json_texts:
        json.loads(text)
    database = Database(live_database)
    try:
        demo = await seed_demo(database, now=utcnow())
    finally:
        await database.dispose()
    known = {"oas_": demo.tokens["full"][1], "oap_": demo.portal_key}
    # when each example runs as written, then none comes back with an error
    for example in examples:
        await asyncio.wait_for(_run(server_a, example, known), 30)
