"""The published schema file is the schema the code serves."""

from __future__ import annotations

from service.cli import SCHEMA_FILE, render_schema


def test_schema_graphql_matches_the_code() -> None:
    # given the schema the server builds from the code
    expected = render_schema()
    # when reading the published file
    published = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    # then they are the same, or the file must be regenerated
    assert published == expected, (
        f"{SCHEMA_FILE.name} has drifted from the code: run `python -m service print-schema` "
        "(or `make schema`) and commit the result"
    )
