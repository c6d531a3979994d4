"""Imports point one way: models <- domain <- resolvers/schema.

Business rules stay importable and testable without GraphQL or a server
(STYLE.md), and the two domain areas that share logic (ingestion and staff
actions) do it through neutral modules, never through each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from service.settings import REPO_ROOT

FORBIDDEN = {
    "models": {"domain", "resolvers", "schema", "service", "subscriptions", "strawberry"},
    "domain": {"resolvers", "schema", "service", "subscriptions", "strawberry"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_lower_layer_imports_nothing_above_it(package: str) -> None:
    offenders = {
        f"{path.relative_to(REPO_ROOT)} imports {name}"
        for path in (REPO_ROOT / package).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    }
    assert not offenders, sorted(offenders)


def test_staff_actions_do_not_import_portal_ingestion() -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "domain" / "actions").rglob("*.py")
        if any(name.startswith("domain.ingestion") for name in _imports(path))
    }
    assert not offenders, sorted(offenders)
