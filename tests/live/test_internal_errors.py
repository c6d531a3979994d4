"""Internal errors never reach clients (issue 10), against real servers.

The outside probes' cases: a global id with a huge integer in an action and
in ``node(id:)``, a NUL byte in a portal family name, and ``auditLog(from:
"0001-01-01T00:00:00+14:00")`` answered with the driver's text and SQL.
Each is now a typed error (a ``userErrors`` entry or a coded top-level
error), and nothing a client gets names SQL, a driver or a Python type.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.live.servers import Server
from tests.support import World

HUGE = "99999999999999999999"  # above 2**63 - 1
LEAKS = ("SQL", "sqlalchemy", "asyncpg", "sqlite", "int64", "Traceback", "Error:", "parameters")


def gid(type_name: str, number: str) -> str:
    return base64.b64encode(f"{type_name}:{number}".encode()).decode()


async def post(
    server: Server, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{server.http}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
    assert response.status_code == 200, response.text
    text = response.text
    assert not any(leak in text for leak in LEAKS), text
    body: dict[str, Any] = response.json()
    return body


async def lease(server: Server, token: str) -> str:
    body = await post(
        server,
        "mutation { acquireEditLock(input: {surface: WINDOW}) { lease { token } } }",
        token=token,
    )
    lock: str = body["data"]["acquireEditLock"]["lease"]["token"]
    return lock


async def test_a_huge_integer_in_a_global_id_names_nothing(
    server_a: Server, world: World, new_staff: Callable[[], Awaitable[str]]
) -> None:
    token = await new_staff()
    lock = await lease(server_a, token)
    approve = await post(
        server_a,
        "mutation($id: ID!, $l: String) { approveActivity(input: {id: $id, lockToken: $l}) "
        "{ userErrors { code field } } }",
        {"id": gid("PaymentActivity", HUGE), "l": lock},
        token,
    )
    assert approve["data"]["approveActivity"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["input", "id"]}
    ]
    suspend = await post(
        server_a,
        'mutation($id: ID!) { suspendFamily(input: {familyId: $id, note: "x"}) '
        "{ userErrors { code } } }",
        {"id": gid("Family", HUGE)},
        token,
    )
    assert suspend["data"]["suspendFamily"]["userErrors"] == [{"code": "NOT_FOUND"}]
    node = await post(
        server_a,
        "query($id: ID!) { node(id: $id) { __typename } }",
        {"id": gid("PaymentActivity", HUGE)},
        token,
    )
    assert node == {"data": {"node": None}}
    audit = await post(
        server_a,
        "query($s: ID!) { auditLog(filter: {staffId: $s}) { __typename "
        "... on InvalidArguments { userErrors { code } } } }",
        {"s": gid("Staff", HUGE)},
        token,
    )
    assert audit["data"]["auditLog"]["userErrors"] == [{"code": "NOT_FOUND"}]
    cursor = base64.urlsafe_b64encode(json.dumps({"v": 1, "o": 10**30}).encode()).decode()
    paged = await post(
        server_a,
        "query($c: String!) { onlineActivity(after: $c) { __typename "
        "... on InvalidArguments { userErrors { code } } } }",
        {"c": cursor},
        token,
    )
    assert paged["data"]["onlineActivity"]["userErrors"] == [{"code": "INVALID_CURSOR"}]


async def test_a_nul_byte_in_a_portal_family_name_is_a_user_error(
    server_a: Server, world: World
) -> None:
    body = await post(
        server_a,
        "mutation($input: RecordPortalEventInput!) { recordPortalEvent(input: $input) "
        "{ entries { __typename } userErrors { code field } } }",
        {
            "input": {
                "idempotencyKey": "nul-in-a-name",
                "family": {"externalId": "fam-nul", "name": "Ri\u0000vera"},
                "event": {"payment": {"externalId": "pay-nul", "amount": "1.00", "method": "card"}},
            }
        },
        world.riverside.portal_key,
    )
    assert body["data"]["recordPortalEvent"] == {
        "entries": [],
        "userErrors": [{"code": "INVALID_CHARACTER", "field": ["input", "family", "name"]}],
    }


async def test_an_instant_before_year_one_in_utc_is_a_coded_error(
    server_a: Server, world: World
) -> None:
    for document, variables in (
        ('{ auditLog(filter: {from: "0001-01-01T00:00:00+14:00"}) { __typename } }', None),
        (
            "query($f: DateTime!) { auditLog(filter: {from: $f}) { __typename } }",
            {"f": "0001-01-01T00:00:00+14:00"},
        ),
        ('{ auditLog(filter: {to: "9999-12-31T23:59:59-14:00"}) { __typename } }', None),
    ):
        body = await post(server_a, document, variables, world.riverside.full)
        assert body.get("data") is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_DATETIME"]


async def test_a_nul_byte_in_any_staff_text_is_a_coded_error(
    server_a: Server, world: World
) -> None:
    for document, variables in (
        (
            "query($q: String) { onlineActivity(after: $q) { __typename } }",
            {"q": "a\u0000b"},
        ),
        ('{ onlineActivity(after: "a\\u0000b") { __typename } }', None),
    ):
        body = await post(server_a, document, variables, world.riverside.full)
        assert body.get("data") is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_CHARACTER"]
