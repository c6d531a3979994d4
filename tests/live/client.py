"""A graphql-transport-ws client over the real ``websockets`` library, and HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"


async def graphql(
    http: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    """POST a document to a server; returns the data, failing on top-level errors."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{http}/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


class LiveSocket:
    """One authenticated graphql-transport-ws connection with its operations."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = itertools.count(1)
        self._inboxes: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, token: str) -> LiveSocket:
        connection = await connect(url, subprotocols=[PROTOCOL])  # type: ignore[list-item]
        await connection.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        ack = json.loads(await asyncio.wait_for(connection.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        return cls(connection)

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.connection:
                message = json.loads(raw)
                inbox = self._inboxes.get(message.get("id", ""))
                if inbox is not None:
                    inbox.put_nowait(message)

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None = None, name: str | None = None
    ) -> str:
        operation = str(next(self._ids))
        self._inboxes[operation] = asyncio.Queue()
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if name is not None:
            payload["operationName"] = name
        await self.connection.send(
            json.dumps({"id": operation, "type": "subscribe", "payload": payload})
        )
        return operation

    async def message(self, operation: str, seconds: float = 5.0) -> dict[str, Any]:
        """The next protocol message for ``operation`` (next, error or complete)."""
        return await asyncio.wait_for(self._inboxes[operation].get(), seconds)

    async def next(self, operation: str, seconds: float = 5.0) -> dict[str, Any]:
        """The data of the next result; fails on errors or completion."""
        message = await self.message(operation, seconds)
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message["payload"]["errors"]
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def nothing_more(self, operation: str, seconds: float = 0.5) -> None:
        """Assert that no message arrives for ``operation`` within ``seconds``."""
        with contextlib.suppress(TimeoutError):
            extra = await asyncio.wait_for(self._inboxes[operation].get(), seconds)
            raise AssertionError(f"unexpected message: {extra}")

    async def complete(self, operation: str) -> None:
        await self.connection.send(json.dumps({"id": operation, "type": "complete"}))

    async def close(self) -> None:
        await self.connection.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


async def stalling_client(
    ws: str, token: str, query: str, variables: dict[str, Any], operations: int
) -> ClientConnection:
    """A socket with a tiny receive buffer that subscribes ``operations``
    times to ``query``, then reads nothing: the kernel's buffers fill in
    tens of large frames."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = ws.removeprefix("ws://").split("/")[0].split(":")
    raw.connect((host, int(port)))
    raw.setblocking(False)
    connection = await connect(
        ws,
        sock=raw,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        compression=None,
        max_queue=2,
    )
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await asyncio.wait_for(connection.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    for operation in range(1, operations + 1):
        payload = {"query": query, "variables": variables}
        await connection.send(
            json.dumps({"id": str(operation), "type": "subscribe", "payload": payload})
        )
    return connection
