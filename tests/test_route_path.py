"""The GraphQL websocket's fast path matches paths as starlette's router does
(``service.app._route_path``), ``root_path`` included."""

from __future__ import annotations

import pytest
from starlette._utils import get_route_path

from service.app import _route_path


@pytest.mark.parametrize(
    ("root_path", "path"),
    [
        ("", "/graphql"),
        ("", "/graphql/"),
        ("/api", "/api/graphql"),
        ("/api", "/api"),
        ("/api", "/apigraphql"),
        ("/api", "/graphql"),
        ("/api/", "/api/graphql"),
    ],
)
def test_the_route_path_is_starlettes(root_path: str, path: str) -> None:
    scope = {"type": "websocket", "path": path, "root_path": root_path}
    assert _route_path(scope) == get_route_path(scope)
