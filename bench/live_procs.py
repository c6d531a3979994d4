"""Process plumbing for the live figures: servers, the baseline, cleanup.

Every child runs in its own process group (``start_new_session``) and is
stopped by ``Processes.close``: SIGINT to the group, SIGKILL after 10 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.servers import LOG_DIR, cores
from service.ws_protocol import UVICORN_WS

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_CPU, CLIENT_CPU = 0, 1
BASE_CHANNEL = "bench:live:baseline"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _pinned(cpu: int) -> list[int] | None:
    found = cores()  # the machine's, not this process's own pinned affinity
    return [cpu] if len(found) > 1 and cpu in found else None


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Processes:
    """Everything started here, each in its own process group, stopped in ``close``."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []
        self.logs = Path(tempfile.mkdtemp(prefix="bench-live-"))

    def start(
        self, name: str, argv: Sequence[str], env: dict[str, str], cpu: int | None, pipe: bool
    ) -> subprocess.Popen[bytes]:
        # None: any core of the machine, not this process's own (it is
        # pinned to the client core, and a child inherits that).
        cpus = cores() if cpu is None else _pinned(cpu)
        if cpus:
            argv = ["taskset", "-c", ",".join(map(str, cpus)), *argv]
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            list(argv),
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdin=subprocess.PIPE if pipe else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipe else log,
            stderr=log,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def log_tail(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def close(self) -> None:
        for process in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGINT)
        deadline = time.monotonic() + 10
        for process in self.started:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


def _wait_http(processes: Processes, name: str, server: Server, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{processes.log_tail(name)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.http}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{name} not ready in {seconds}s:\n{processes.log_tail(name)}")


PROFILE = os.environ.get("BENCH_PROFILE") == "1"


def start_app(
    processes: Processes,
    count: int,
    database_url: str,
    broadcast_url: str,
    cpus: Sequence[int | None] = (SERVER_CPU,),
    name: str = "app",
) -> list[Server]:
    """``count`` uvicorn processes; process i pinned to ``cpus[i % len(cpus)]``
    (None: not pinned)."""
    env = {
        "DATABASE_URL": database_url,
        "BROADCAST_URL": broadcast_url,
        "DEV_MODE": "0",
        "PURGE_INTERVAL_SECONDS": "0",
        "DB_POOL_SIZE": "10",
        "OUTBOX_DIR": str(processes.logs / "outbox"),
        # The live figures open up to thousands of sockets with one staff
        # token: past MAX_SOCKETS_PER_STAFF's default (10) they were refused.
        "MAX_SOCKETS_PER_STAFF": "100000",
    }
    servers = []
    for index in range(count):
        port = _free_port()
        argv = [
            *[sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory"],
            *["--ws", UVICORN_WS],  # as ``service serve`` runs it
            *["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        ]
        label = f"{name}-{index}"
        if PROFILE:  # BENCH_PROFILE=1: a py-spy profile of each server (collapsed stacks)
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            output = LOG_DIR / f"{label}.pyspy.txt"
            spy = str(Path(sys.executable).with_name("py-spy"))
            argv = [spy, "record", "-r", "100", "-f", "raw", "-o", str(output), "--", *argv]
            print(f"  py-spy profile of {label}: {output}")
        cpu = cpus[index % len(cpus)]
        servers.append(Server(processes.start(label, argv, env, cpu, pipe=False), port))
    for index, server in enumerate(servers):  # imports under py-spy take longer
        _wait_http(processes, f"{name}-{index}", server, 120 if PROFILE else 30)
    return servers


def start_baseline(processes: Processes, redis_url: str | None) -> Server:
    port = _free_port()
    argv = [sys.executable, "-m", "bench.live_baseline", "--port", str(port)]
    if redis_url:
        argv += ["--redis-url", redis_url, "--channel", BASE_CHANNEL]
    process = processes.start("baseline", argv, {}, SERVER_CPU, pipe=True)
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if line != "ready":
        raise RuntimeError(f"baseline did not start:\n{processes.log_tail('baseline')}")
    return Server(process, port)


@contextlib.contextmanager
def running() -> Iterator[Processes]:
    processes = Processes()
    try:
        yield processes
    finally:
        processes.close()
