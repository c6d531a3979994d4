"""The soak's subscribers, in a process of their own (``tests/live/test_soak.py``).

Thousands of frames a second would otherwise share the test's event loop
with the writes it times. Each socket holds ``--operations`` activityEvents
subscriptions and reconnects after every close, resuming each with the
last sequence it saw as ``afterSequence``. Commands on stdin, one a line:

- ``until N [SECONDS]``: answer ``reached N`` once every subscription has
  seen N, or ``behind ...`` (where they are) after SECONDS (``--deadline``);
- ``dump``: print every subscription's sequences and the close codes as one
  JSON line, and exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

PROTOCOL = "graphql-transport-ws"
EVENTS = "subscription S($after: Int) { activityEvents(afterSequence: $after) { sequence } }"


@dataclass
class Subscriber:
    url: str
    token: str
    after: int
    operations: int
    seen: dict[str, list[int]] = field(default_factory=dict)
    closes: list[int | None] = field(default_factory=list)

    def last(self, operation: str) -> int:
        got = self.seen.get(operation)
        return got[-1] if got else self.after

    def reached(self, sequence: int) -> bool:
        return all(self.last(str(o)) >= sequence for o in range(1, self.operations + 1))

    async def run(self) -> None:
        while True:
            try:
                await self._session()
            except (ConnectionClosed, OSError, InvalidHandshake, TimeoutError) as closed:
                received = getattr(closed, "rcvd", None)
                self.closes.append(None if received is None else received.code)
            await asyncio.sleep(0.2)

    async def _session(self) -> None:
        subprotocols = [PROTOCOL]
        async with connect(self.url, subprotocols=subprotocols, open_timeout=20) as ws:  # type: ignore[arg-type]
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {self.token}"}}
            await ws.send(json.dumps(init))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if ack.get("type") != "connection_ack":
                raise ConnectionError(f"not acknowledged: {ack}")
            for o in range(1, self.operations + 1):
                payload = {"query": EVENTS, "variables": {"after": self.last(str(o))}}
                await ws.send(json.dumps({"id": str(o), "type": "subscribe", "payload": payload}))
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") != "next":
                    print(f"unexpected {message}", file=sys.stderr, flush=True)
                    continue
                sequence = message["payload"]["data"]["activityEvents"]["sequence"]
                self.seen.setdefault(message["id"], []).append(sequence)


async def _lines() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def main(arguments: argparse.Namespace) -> None:
    subscribers = [
        Subscriber(
            arguments.urls[i % len(arguments.urls)],
            arguments.token,
            arguments.after,
            arguments.operations,
        )
        for i in range(arguments.sockets)
    ]
    tasks = [asyncio.create_task(s.run()) for s in subscribers]
    commands = await _lines()
    while line := (await commands.readline()).decode().split():
        if line[0] == "until":
            sequence = int(line[1])
            wait = float(line[2]) if len(line) > 2 else arguments.deadline
            deadline = time.monotonic() + wait
            while not all(s.reached(sequence) for s in subscribers):
                if time.monotonic() > deadline:
                    lasts = sorted(
                        {s.last(str(o)) for s in subscribers for o in range(1, s.operations + 1)}
                    )
                    late = sum(not s.reached(sequence) for s in subscribers)
                    print(f"{late} sockets behind, at {lasts[:3]}...", flush=True)
                    break
                await asyncio.sleep(0.1)
            else:
                print(f"reached {sequence}", flush=True)
        elif line[0] == "dump":
            dump = [{"seen": s.seen, "closes": s.closes} for s in subscribers]
            print(json.dumps(dump), flush=True)
            break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--after", type=int, required=True)
    parser.add_argument("--sockets", type=int, required=True)
    parser.add_argument("--operations", type=int, required=True)
    parser.add_argument("--deadline", type=float, default=60.0)
    parser.add_argument("urls", nargs="+")
    asyncio.run(main(parser.parse_args()))
