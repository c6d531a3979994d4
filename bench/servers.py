"""Real server processes for the benchmarks, and the load generator process.

On a machine with at least two cores the server under test runs on core 0
and the load generator on core 1 (``os.sched_setaffinity``), so neither
steals the other's CPU; the database server is left to the scheduler.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from bench.load import LoadResult, LoadSpec, parse_result, spec_json
from service.settings import REPO_ROOT

# BENCH_NAME (default "bench") names the run's directory under var/ and its
# PostgreSQL database, so two runs on one machine keep apart.
BENCH_NAME = os.environ.get("BENCH_NAME", "bench")
if not BENCH_NAME.isidentifier() or BENCH_NAME in {"test", "postgres", "template0", "template1"}:
    raise SystemExit(f"BENCH_NAME={BENCH_NAME!r}: a plain name other than test or postgres")
LOG_DIR = REPO_ROOT / "var" / BENCH_NAME


def cores() -> list[int]:
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def server_cpu() -> int | None:
    found = cores()
    return found[0] if len(found) >= 2 else None


def client_cpu() -> int | None:
    found = cores()
    return found[1] if len(found) >= 2 else None


def _pin(cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {cpu})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerError(RuntimeError):
    pass


class Server:
    """A uvicorn process on 127.0.0.1, pinned to the server core."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = LOG_DIR / f"{name}.log"
        cpu = server_cpu()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, *argv, "--port", str(self.port)],
                cwd=REPO_ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: _pin(cpu),
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.name} exited:\n{self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise ServerError(f"{self.name} not ready in {seconds}s:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def app_env(database_url: str, broadcast_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": broadcast_url,
        "BROADCAST_URL": broadcast_url,
        "DEV_MODE": "0",
        "PURGE_INTERVAL_SECONDS": "86400",
        "DB_POOL_SIZE": "10",
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.contextmanager
def app_server(name: str, database_url: str, broadcast_url: str) -> Iterator[Server]:
    """``python -m service serve`` on the bench database."""
    server = Server(
        name,
        ["-m", "service", "serve", "--log-level", "warning"],
        app_env(database_url, broadcast_url),
    )
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def baseline_server(name: str, items_file: Path) -> Iterator[Server]:
    """The bare strawberry app of ``bench.baselines``, serving items from memory."""
    server = Server(name, ["-m", "bench.baselines", "--items", str(items_file)], {})
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def run_load(spec: LoadSpec, timeout: float = 120.0) -> LoadResult:
    """Run ``bench.load`` in its own process on the client core."""
    if spec.cpu is None:
        spec.cpu = client_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        cwd=REPO_ROOT,
        input=spec_json(spec),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise ServerError(f"load generator failed: {done.stderr[-2000:]}")
    return parse_result(done.stdout)
