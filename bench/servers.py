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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx

from bench.load import LoadResult, LoadSpec, parse_result, spec_json
from service.settings import REPO_ROOT, Settings

# BENCH_NAME (default "bench") names the run's directory under var/ and its
# PostgreSQL database, so two runs on one machine keep apart.
BENCH_NAME = os.environ.get("BENCH_NAME", "bench")
if not BENCH_NAME.isidentifier() or BENCH_NAME in {"test", "postgres", "template0", "template1"}:
    raise SystemExit(f"BENCH_NAME={BENCH_NAME!r}: a plain name other than test or postgres")
LOG_DIR = REPO_ROOT / "var" / BENCH_NAME


def _machine_cores() -> list[int]:
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


# Read once, at import: ``python -m bench`` then pins itself to the client
# core, and a core list read after that held one core, so every server and
# load generator it started ran unpinned on the client core with it (both
# servers of the many-organisations figure shared one core, each runnable
# all the time and running 45 % of it).
_CORES = _machine_cores()


def cores() -> list[int]:
    """The cores this benchmark may use: those the process started with."""
    return list(_CORES)


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


PROFILE = os.environ.get("BENCH_PROFILE") == "1"


def profiled(name: str, command: list[str]) -> list[str]:
    """``command`` under ``py-spy record`` (collapsed stacks in the run's
    directory; ``python -m bench.profile FILE`` lists the top frames)."""
    output = LOG_DIR / f"{name}.pyspy.txt"
    spy = str(Path(sys.executable).with_name("py-spy"))
    print(f"   py-spy profile of {name}: {output}", flush=True)
    return [spy, "record", "-r", "100", "-f", "raw", "-o", str(output), "--", *command]


class Server:
    """A server process on 127.0.0.1, pinned to the server core: by default
    ``python ARGV --port N`` (``command`` replaces it; ``{port}`` in it is
    the port), ready once ``GET /health`` answers 200 (or ``ready(url)``)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        command: Sequence[str] | None = None,
        ready: Callable[[str], bool] | None = None,
        profile: bool = False,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.ready = ready
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = LOG_DIR / f"{name}.log"
        cpu = server_cpu()
        if command is None:
            command = [sys.executable, *argv, "--port", str(self.port)]
        else:
            command = [part.replace("{port}", str(self.port)) for part in command]
        if profile and PROFILE:
            command = profiled(name, list(command))
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                list(command),
                cwd=REPO_ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: _pin(cpu),
                start_new_session=True,  # stopped as a group (py-spy and its child)
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, seconds: float = 120.0 if PROFILE else 30.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.name} exited:\n{self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if self.ready is not None:
                    if self.ready(self.url):
                        return
                elif httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise ServerError(f"{self.name} not ready in {seconds}s:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
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
        # The figures open up to thousands of sockets with one staff token.
        "MAX_SOCKETS_PER_STAFF": "100000",
    }


# What switches the server's own caches off (the figures "with the caches
# unable to help"). A cache added to the server adds its switch here.
CACHES_OFF = {"TOKEN_CACHE_SECONDS": "0", "BADGE_CACHE_SECONDS": "0"}


def in_process_settings(async_url: str, folder: Path) -> Settings:
    """The settings the benchmark's server runs with (``serve --log-level
    warning``, dev mode off, the caches off), for a script that serves the
    app in-process (``bench.calls``, ``bench.mass_statements``)."""
    return Settings(
        database_url=async_url,
        broadcast_url="memory://",
        dev_mode=False,
        log_level="warning",
        purge_interval_seconds=86400,
        outbox_dir=folder / "outbox",
        token_cache_seconds=float(CACHES_OFF["TOKEN_CACHE_SECONDS"]),
        badge_cache_seconds=float(CACHES_OFF["BADGE_CACHE_SECONDS"]),
    )


@contextlib.contextmanager
def serving(server: Server) -> Iterator[Server]:
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def app_server(
    name: str, database_url: str, broadcast_url: str, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """``python -m service serve`` on the bench database (``BENCH_PROFILE=1``: under py-spy)."""
    with serving(
        Server(
            name,
            ["-m", "service", "serve", "--log-level", "warning"],
            {**app_env(database_url, broadcast_url), **(extra_env or {})},
            profile=True,
        )
    ) as server:
        yield server


@contextlib.contextmanager
def baseline_server(name: str, page_file: Path, caches: bool = True) -> Iterator[Server]:
    """The bare strawberry app of ``bench.baselines``, serving the page from memory."""
    argv = ["-m", "bench.baselines", "strawberry", "--page", str(page_file)]
    with serving(Server(name, argv if caches else [*argv, "--no-caches"], {})) as server:
        yield server


@contextlib.contextmanager
def hello_server(name: str) -> Iterator[Server]:
    """Raw starlette answering a fixed JSON (``bench.baselines hello``)."""
    with serving(Server(name, ["-m", "bench.baselines", "hello"], {})) as server:
        yield server


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
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ServerError(f"load generator failed: {last}\n{done.stderr[-2000:]}")
    return parse_result(done.stdout)
