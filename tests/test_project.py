"""The project as a new user meets it: our packages, the CLI, the demo."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.base import utcnow
from service.demo import seed_demo
from service.services import Services
from service.settings import REPO_ROOT
from tests.support import Api

OUR_PACKAGES = ("schema", "resolvers", "models", "subscriptions", "domain", "service", "tests")

WINDOW = """
query Window($first: Int, $filter: ActivityFilter) {
  onlineActivity(first: $first, filter: $filter) {
    ... on ActivityConnection {
      totalCount
      pageCount
      nodes {
        __typename
        ... on ActivityEntry {
          status
          hasNotes
          studentLabel
          summary
          availableActions
          location { name }
        }
        ... on PaymentActivity { discountScheduleNote }
      }
    }
    ... on InvalidArguments { userErrors { code message } }
  }
}
"""
ME = "query { me { name allLocations } }"


def test_no_installed_distribution_provides_a_package_of_ours() -> None:
    # given what the installed distributions provide
    provided = importlib.metadata.packages_distributions()
    # then none of them is one of our top-level names (they exist on PyPI too)
    clashes = {name: provided[name] for name in OUR_PACKAGES if name in provided}
    assert clashes == {}, f"installed distributions shadow our packages: {clashes}"


def test_our_packages_import_from_this_repository() -> None:
    import schema

    assert Path(schema.__file__ or "").resolve() == REPO_ROOT / "schema" / "__init__.py"
    for name in OUR_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        assert Path(spec.origin).resolve().is_relative_to(REPO_ROOT), (name, spec.origin)


# The demo, seeded in-process on the suite's database (SQLite or PostgreSQL).


async def _window(api: Api, token: str, **variables: Any) -> dict[str, Any]:
    data = await api.data(WINDOW, {"first": 100, **variables}, token=token)
    window: dict[str, Any] = data["onlineActivity"]
    return window


async def test_the_demo_window_shows_every_type_and_the_spec_cases(
    api: Api, services: Services
) -> None:
    # given the seeded demo
    demo = await seed_demo(services.database, now=utcnow())
    full = demo.tokens["full"][1]
    # when the manager opens the window
    window = await _window(api, full)
    nodes = window["nodes"]
    # then there is more than one page of every kind of entry
    assert window["totalCount"] == demo.open_entries == len(nodes) >= 40
    assert window["pageCount"] == 1
    assert len({node["__typename"] for node in nodes}) == 17
    assert {node["status"] for node in nodes} == {"NOTIFICATION", "PENDING", "APPROVED"}
    assert any(node["hasNotes"] for node in nodes)
    assert any((node["studentLabel"] or "").endswith("(TRIAL)") for node in nodes)
    assert any(node.get("discountScheduleNote") for node in nodes)
    assert {"location": None} in [{"location": node["location"]} for node in nodes]
    # and the default page is ten entries
    first_page = await api.data(WINDOW, {}, token=full)
    assert len(first_page["onlineActivity"]["nodes"]) == 10


async def test_the_demo_staff_see_and_may_do_what_their_rights_say(
    api: Api, services: Services
) -> None:
    # given the seeded demo
    demo = await seed_demo(services.database, now=utcnow())
    everything = await _window(api, demo.tokens["full"][1])
    # when each of the other demo staff opens the window
    view_only = await _window(api, demo.tokens["view_only"][1])
    no_enrollments = await _window(api, demo.tokens["no_enrollments"][1])
    pool_only = await _window(api, demo.tokens["pool_only"][1])
    # then view-only sees everything and may do nothing
    assert view_only["totalCount"] == everything["totalCount"]
    assert all(node["availableActions"] == [] for node in view_only["nodes"])
    # and without enrollment rights enrollments carry no actions, payments do
    actions = {node["__typename"]: node["availableActions"] for node in no_enrollments["nodes"]}
    assert actions["EnrollmentActivity"] == [] and actions["DropActivity"] == []
    assert actions["PaymentActivity"] == ["DISMISS"]
    # and the pool-only coordinator sees the pool and location-independent entries
    seen = {(node["location"] or {}).get("name") for node in pool_only["nodes"]}
    assert seen == {"Riverside Pool", None}
    assert 0 < pool_only["totalCount"] < everything["totalCount"]


async def test_seeding_again_rotates_the_credentials_and_duplicates_nothing(
    api: Api, services: Services
) -> None:
    # given a seeded demo and its manager's token
    first = await seed_demo(services.database, now=utcnow())
    old_token = first.tokens["full"][1]
    # when the demo is seeded again
    second = await seed_demo(services.database, now=utcnow())
    # then nothing is added, the old token is refused and the new one works
    assert not second.created and second.open_entries == first.open_entries
    assert await api.error_codes(ME, token=old_token) == ["UNAUTHENTICATED"]
    window = await _window(api, second.tokens["full"][1])
    assert window["totalCount"] == first.open_entries
    assert second.portal_key != first.portal_key


# The CLI and a real server process, as `make run` uses them.


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cli_env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "BROADCAST_URL", "HOST", "PORT"}
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", DEV_MODE="1")
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@contextmanager
def _serving_the_demo(directory: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A migrated, seeded SQLite file in ``directory`` and `python -m service serve` over it."""
    env = _cli_env(directory)
    port = _free_port()
    _cli(env, "migrate")
    banner = _cli(env, "seed-demo", "--port", str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # a minute, as for the live tests' servers: on a loaded 2-core machine
        # importing the app alone has taken over 20 s
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"server exited:\n{process.communicate()[1]}"
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not answer /health within 60 s"
            time.sleep(0.1)
        yield banner, {"base": base, **env}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The demo served once for the tests that only add to it (each its own staff)."""
    with _serving_the_demo(tmp_path_factory.mktemp("served-demo")) as served:
        yield served


@pytest.fixture
def own_served_demo(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The demo served for one test that takes away from it."""
    with _serving_the_demo(tmp_path) as served:
        yield served


def _printed_header(banner: str, label: str) -> dict[str, str]:
    match = re.search(rf"^\s+{re.escape(label)}\s+(\{{.*\}})$", banner, re.MULTILINE)
    assert match, f"no {label!r} token in:\n{banner}"
    header: dict[str, str] = json.loads(match.group(1))
    return header


@pytest.mark.slow
@pytest.mark.backend_free  # the SQLite file `make run` uses, whatever the backend
def test_a_printed_token_reads_the_demo_window_from_the_served_url(
    served_demo: tuple[str, dict[str, str]],
) -> None:
    # given the seeded demo and its server, as `make run` starts them
    banner, env = served_demo
    base = env["base"]
    assert f"{base}/graphql" in banner
    headers = _printed_header(banner, "full rights")
    # when the printed header is pasted into a request to the printed URL
    response = httpx.post(
        f"{base}/graphql", json={"query": WINDOW, "variables": {}}, headers=headers, timeout=10
    )
    # then the demo organisation's first page comes back
    assert response.status_code == 200, response.text
    window = response.json()["data"]["onlineActivity"]
    assert window["totalCount"] >= 40 and len(window["nodes"]) == 10
    # and GraphiQL is served there in dev mode
    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    # and a staff member added with create-staff signs in with the printed token
    token = _cli(
        env,
        "create-staff",
        "--org",
        "riverside-demo",
        "--name",
        "Pat Pool",
        "--email",
        "pat@riverside.example",
        "--permission",
        "MANAGE_ONLINE_ACTIVITY=VIEW",
        "--location",
        "pool",
    ).strip()
    me = httpx.post(
        f"{base}/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert me["data"]["me"] == {"name": "Pat Pool", "allLocations": False}


@pytest.mark.slow
@pytest.mark.backend_free  # the SQLite file `make run` uses, whatever the backend
def test_purge_as_of_a_later_date_empties_the_served_window(
    own_served_demo: tuple[str, dict[str, str]],
) -> None:
    # given the demo served, all of it younger than 90 days
    banner, env = own_served_demo
    headers = _printed_header(banner, "view only")
    query = {"query": WINDOW, "variables": {}}
    before = httpx.post(f"{env['base']}/graphql", json=query, headers=headers, timeout=10)
    assert before.json()["data"]["onlineActivity"]["totalCount"] >= 40
    # when the purge runs as of 100 days from now
    later = datetime.now(UTC) + timedelta(days=100)
    _cli(env, "purge", "--now", later.isoformat())
    # then nothing is left in the window
    after = httpx.post(f"{env['base']}/graphql", json=query, headers=headers, timeout=10)
    assert after.json()["data"]["onlineActivity"]["totalCount"] == 0


@pytest.mark.slow
@pytest.mark.backend_free  # the SQLite file `make run` uses, whatever the backend
def test_create_staff_gives_the_settings_task_and_the_demo_school_has_its_time_zone(
    served_demo: tuple[str, dict[str, str]],
) -> None:
    # given the demo served; when a manager is added with the Settings task alone
    _, env = served_demo
    token = _cli(
        env,
        "create-staff",
        "--org",
        "riverside-demo",
        "--name",
        "Morgan Manager",
        "--email",
        "morgan@riverside.example",
        "--permission",
        "SETTINGS=FULL",
    ).strip()
    # then they read the organisation's settings: the demo school is in Chicago
    answer = httpx.post(
        f"{env['base']}/graphql",
        json={"query": "{ organisationSettings { timeZone dropNoticeDays } }"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert answer["data"]["organisationSettings"] == {
        "timeZone": "America/Chicago",
        "dropNoticeDays": 30,
    }
