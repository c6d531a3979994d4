"""Real server processes for the live tests: uvicorn, and a throwaway Redis."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from service.app import create_app
from service.settings import REPO_ROOT, Settings
from service.ws_protocol import UVICORN_WS

ALLOWED_ORIGIN = "https://dashboard.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# With the websocket protocol ``service serve`` gives uvicorn.
UVICORN = ["-m", "uvicorn", "service.app:create_app", "--factory", "--ws", UVICORN_WS]


class Server:
    """``python -m uvicorn service.app:create_app --factory`` on a free port
    (or another ``launcher`` taking uvicorn's options)."""

    def __init__(
        self,
        name: str,
        env: dict[str, str],
        log_dir: Path,
        *,
        port: int | None = None,
        launcher: list[str] | None = None,
    ) -> None:
        self.name = name
        self.port = port or free_port()
        self.http = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/graphql"
        self.log = log_dir / f"{name}.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *[sys.executable, *(launcher or UVICORN)],
                    *["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                ],
                cwd=REPO_ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} exited:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.http}/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        pytest.fail(f"server {self.name} not ready in {seconds}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def running(name: str, env: dict[str, str], log_dir: Path, **options: Any) -> Iterator[Server]:
    """A server process of one test's own (``Server``'s options), ready; stopped after."""
    server = Server(name, env, log_dir, **options)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


class RedisServer:
    """A redis-server of our own, so a test may kill and restart it."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (Debian package redis-server)")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *[self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
                *["--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory)],
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection,
            ):
                connection.sendall(b"PING\r\n")
                if connection.recv(16) == b"+PONG\r\n":
                    return
            time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def in_process_settings(
    database_url: str, redis_server: RedisServer | None, outbox: Path, **overrides: Any
) -> Settings:
    """A server's settings for a test that serves it in its own process."""
    return Settings(
        database_url=database_url,
        broadcast_url=redis_server.url if redis_server else "memory://",
        dev_mode=False,
        purge_interval_seconds=0,
        outbox_dir=outbox,
        **overrides,
    )


@contextlib.asynccontextmanager
async def serving_in_process(app: ASGIApp) -> AsyncIterator[int]:
    """uvicorn serving ``app`` on the test's own event loop (the test can
    look inside the server: its engine's statements, its caches); yields
    the port, and stops the server after."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws=UVICORN_WS
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(400):
        if server.started or serving.done():
            break
        await asyncio.sleep(0.025)
    assert server.started, "the in-process server did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        await serving


@dataclass(frozen=True)
class InProcessServer:
    """Where a test's in-process server answers."""

    http: str
    ws: str


@contextlib.asynccontextmanager
async def in_process_server(settings: Settings) -> AsyncIterator[InProcessServer]:
    """The app built from ``settings``, served on the test's own event loop."""
    async with serving_in_process(create_app(settings)) as port:
        yield InProcessServer(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/graphql")
