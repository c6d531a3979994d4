"""Child of ``bench.fanout_calls``: N graphql-transport-ws subscribers that count frames.

argv: URL TOKEN N DOCUMENT. Prints ``subscribed`` once every socket is
subscribed; then for each line "K" on stdin, prints ``received`` once K
``next`` frames have arrived in all since it started.
"""

from __future__ import annotations

import asyncio
import json
import sys

from websockets.asyncio.client import ClientConnection, connect


async def main() -> None:
    url, token, count, document = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    received = 0
    changed = asyncio.Event()

    async def reader(connection: ClientConnection) -> None:
        nonlocal received
        async for message in connection:
            if b'"next"' in (message if isinstance(message, bytes) else message.encode())[:40]:
                received += 1
                changed.set()

    sockets = []
    for _ in range(count):
        connection = await connect(url, subprotocols=["graphql-transport-ws"], compression=None)  # type: ignore[list-item]
        await connection.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(await connection.recv())["type"] == "connection_ack"
        await connection.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}})
        )
        sockets.append(connection)
    tasks = [asyncio.create_task(reader(s)) for s in sockets]
    await asyncio.sleep(0.5)
    print("subscribed", flush=True)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    while line := await stdin.readline():
        target = int(line)
        while received < target:
            changed.clear()
            await changed.wait()
        print("received", flush=True)
    for task in tasks:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main())
