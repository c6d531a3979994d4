"""`python -m service serve` refuses what cannot work, in one line, and logs
structured lines when it runs.

A missing, unreachable or unmigrated database, a bad Redis URL and a
setting that does not parse each stop `serve` before it listens, with one
line on stderr that says what to do, instead of a 50-180-line traceback (or
a server whose every request then fails). On PostgreSQL the unmigrated database is a real empty one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from service.readiness import migration_head
from service.settings import REPO_ROOT, _normalise_database_url
from tests.conftest import DATABASE_URL
from tests.live.conftest import _admin
from tests.live.servers import free_port


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "BROADCAST_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "service", "serve", "--port", str(free_port())],
        cwd=REPO_ROOT,
        env={**base, "DEV_MODE": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Serving" not in result.stdout, "it must refuse before it listens"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database that exists and has no tables (SQLite file, or PostgreSQL)."""
    if not DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = make_url(_normalise_database_url(DATABASE_URL))
    name = f"{base.database}_empty_{uuid.uuid4().hex[:8]}"
    admin = base.render_as_string(hide_password=False)
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _alembic(url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        check=True,
        timeout=120,
    )


@pytest.mark.slow
def test_an_unmigrated_or_older_database_is_one_line_that_says_run_migrate(
    empty_database: str,
) -> None:
    # given a database with no tables
    # when serve is started on it
    line = _one_line(_serve({"DATABASE_URL": empty_database}))
    # then one line names the database and tells the operator what to run
    assert line.startswith("error: the database at ") and "not migrated" in line, line
    assert "python -m service migrate" in line, line

    # and given the same database one migration behind this code
    _alembic(empty_database, "upgrade", "0002")
    line = _one_line(_serve({"DATABASE_URL": empty_database}))
    # then the line says where it is, what the code needs, and what to run
    assert f"at migration 0002, this code needs {migration_head()}" in line, line
    assert "python -m service migrate" in line, line


@pytest.mark.slow
@pytest.mark.backend_free  # its own database URL, whatever the backend
@pytest.mark.parametrize(
    ("database_url", "expected"),
    [
        (f"postgresql://nobody:secret@127.0.0.1:{free_port()}/db", "cannot reach the database"),
        ("mysql://nobody:secret@127.0.0.1/nothing", "is not a database this service uses"),
        ("not a url", "is not a database this service uses"),
    ],
    ids=["unreachable", "unsupported", "garbage"],
)
def test_a_bad_database_url_is_one_clear_line(database_url: str, expected: str) -> None:
    line = _one_line(_serve({"DATABASE_URL": database_url}))
    assert line.startswith("error: DATABASE_URL") or line.startswith("error: cannot reach"), line
    assert expected in line, line
    assert "secret" not in line, "the password stays out of the message"


@pytest.mark.slow
@pytest.mark.backend_free  # its own database URL, whatever the backend
def test_migrate_on_an_unreachable_database_is_one_line() -> None:
    base = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "BROADCAST_URL"}}
    result = subprocess.run(
        [sys.executable, "-m", "service", "migrate"],
        cwd=REPO_ROOT,
        env={**base, "DATABASE_URL": f"postgresql://nobody:secret@127.0.0.1:{free_port()}/db"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error: cannot migrate the database at postgresql://nobody:***@"), line
    assert "secret" not in line


@pytest.mark.slow
@pytest.mark.parametrize(
    ("redis_url", "expected"),
    [
        (f"redis://127.0.0.1:{free_port()}/0", "is unreachable"),
        ("rabbit://127.0.0.1/", "use memory:// or redis://"),
    ],
    ids=["unreachable", "unsupported"],
)
def test_a_bad_redis_url_is_one_clear_line(
    redis_url: str, expected: str, migrated_template: str
) -> None:
    # given the suite's migrated database, so only Redis is wrong
    database_url = migrated_template if DATABASE_URL else f"sqlite:///{migrated_template}"
    line = _one_line(_serve({"DATABASE_URL": database_url, "REDIS_URL": redis_url}))
    assert line.startswith("error: REDIS_URL"), line
    assert expected in line, line


# Each with what its part of the one line says. All in one environment: the
# line names every variable that does not parse (one start of `serve`, not four).
BAD_SETTINGS = {
    "PORT": ("eighty", "PORT='eighty': input should be a valid integer"),
    "DB_POOL_SIZE": ("0", "DB_POOL_SIZE='0': input should be greater than or equal to 1"),
    "LOG_LEVEL": ("loud", "LOG_LEVEL='loud': input should be 'debug', 'info'"),
    "REQUIRE_EDIT_LOCK": ("sometimes", "REQUIRE_EDIT_LOCK='sometimes': input should be a"),
}


@pytest.mark.slow
@pytest.mark.backend_free  # its own database URL, whatever the backend
def test_bad_settings_are_one_line_naming_each_variable(tmp_path: Path) -> None:
    # given an environment with values that do not parse
    database = tmp_path / "unused.db"
    bad = {variable: value for variable, (value, _) in BAD_SETTINGS.items()}
    # when serve is started
    line = _one_line(_serve({**bad, "DATABASE_URL": f"sqlite:///{database}"}))
    # then one line names each variable and what is wrong with its value
    assert line.startswith("error: a setting in the environment is invalid: "), line
    for _, expected in BAD_SETTINGS.values():
        assert expected in line, line
    assert not database.exists(), "refused before it touched the database"


@pytest.mark.slow
def test_serve_logs_only_json_lines_and_stops_cleanly_on_sigterm(migrated_template: str) -> None:
    # given serve on a migrated database, in production log format
    database_url = migrated_template if DATABASE_URL else f"sqlite:///{migrated_template}"
    port = free_port()
    base = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "BROADCAST_URL"}}
    env = {**base, "DATABASE_URL": database_url, "DEV_MODE": "0", "LOG_FORMAT": "json"}
    env["PURGE_INTERVAL_SECONDS"] = "0"
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "serve did not get ready"
            time.sleep(0.1)
        # when a client makes a request, and the process is told to stop
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": "{ me { name } }"}, timeout=10
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    # then every line it logged, uvicorn's own included, is one JSON object
    entries = [json.loads(line) for line in err.splitlines()]
    messages = [entry["message"] for entry in entries]
    assert any(m.startswith("Uvicorn running on") for m in messages), messages
    assert "Application shutdown complete." in messages, messages
    [operation] = [e for e in entries if e["logger"] == "service.telemetry"]
    assert operation["request_id"] == response.headers["x-request-id"]
    assert operation["outcome"] == "UNAUTHENTICATED"
    assert not [e for e in entries if e["level"] in {"error", "critical"}], entries
    assert "Serving" in out
