"""The documents our own clients send stay well within the document limits,
and the time budget charges a document with its own work only."""

from __future__ import annotations

import re
import time

import pytest
from graphql import get_introspection_query, parse, specified_rules, validate

from schema.build import schema
from schema.document_limits import (
    MAX_DEPTH,
    MAX_SELECTIONS,
    OutOfTime,
    document_shape,
    shape_errors,
    time_budget,
)
from service.settings import REPO_ROOT


def _web_documents() -> dict[str, str]:
    source = (REPO_ROOT / "web" / "src" / "lib" / "queries.ts").read_text(encoding="utf-8")
    constants = dict(re.findall(r"const (\w+) = `(.*?)`;", source, re.S))

    def expand(text: str) -> str:
        return re.sub(r"\$\{(\w+)\}", lambda m: expand(constants[m.group(1)]), text)

    documents = {name: expand(text) for name, text in constants.items()}
    return {
        name: text
        for name, text in documents.items()
        if re.match(r"\s*(query|mutation|subscription)\b", text)
    }


WEB = _web_documents()


def test_the_web_client_has_documents_to_check() -> None:
    assert {"WINDOW", "EVENTS_LIVE", "APPROVE_MANY"} <= WEB.keys()


@pytest.mark.parametrize("name", sorted(WEB))
def test_every_web_client_document_is_within_the_limits(name: str) -> None:
    document = parse(WEB[name])
    assert shape_errors(document) == []
    shape = document_shape(document)
    assert shape.selections * 3 < MAX_SELECTIONS  # room to grow
    assert shape.depth * 2 < MAX_DEPTH


def test_a_full_introspection_query_is_within_the_limits() -> None:
    # GraphiQL's (graphql-js 16) nests ofType nine times, like graphql-core's:
    # 13 to 14 levels, the reason MAX_DEPTH is 15.
    document = parse(get_introspection_query(descriptions=True, specified_by_url=True))
    assert shape_errors(document) == []
    assert 13 <= document_shape(document).depth <= MAX_DEPTH


CONFLICTS = "{" + "".join(f"me {{ name(a: {i % 2}) }} " for i in range(250)) + "}"


def test_the_budget_stops_graphql_core_once_it_used_its_cpu_time() -> None:
    document = parse(CONFLICTS)
    started = time.thread_time()
    with pytest.raises(OutOfTime), time_budget(0.05):
        validate(schema._schema, document, specified_rules)
    assert time.thread_time() - started < 0.5  # unbounded, this takes about 1 s


def test_the_budget_counts_neither_waiting_nor_code_outside_graphql_core() -> None:
    with time_budget(0.02):
        time.sleep(0.1)  # no CPU time
        deadline = time.thread_time() + 0.1
        while time.thread_time() < deadline:  # CPU time, but not graphql-core's
            pass
