"""Browser tests: Debian's Chromium, driven by Playwright, against a real
server process serving the web client (``web/dist``) and the API.

One server per backend, as ``tests/live`` starts them: on the embedded
default a SQLite file with the in-process broadcast; with
``TEST_DATABASE_URL`` a PostgreSQL database of its own (created beside that
URL's, dropped afterwards) and a redis-server of our own. The server runs in
dev mode (the demo staff picker, GraphiQL), mails through a real SMTP server
(aiosmtpd) in this process. Each test gets an organisation of its own, its
entries recorded through the portal API, so tests never see each other's
entries. Chromium comes from ``/usr/bin/chromium`` (``make test`` installs
it): a missing browser fails the run, it is never skipped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from sqlalchemy.engine import make_url

from models.db import Database
from service.provisioning import FULL_RIGHTS, VIEW_ONLY, create_organisation, create_staff
from service.settings import REPO_ROOT, _normalise_database_url
from tests.conftest import DATABASE_URL, _migrate
from tests.live.conftest import _admin
from tests.live.servers import RedisServer, Server, free_port

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags that keep Chromium off the network this machine does not have
# (without them it keeps trying Google's hosts), headless, no GPU.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
BACKEND = "postgres" if DATABASE_URL else "sqlite"
SCREENSHOTS = REPO_ROOT / "var" / "screenshots" / BACKEND
AXE = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"

T = TypeVar("T")

# Wait on conditions, with room for a loaded 2-core machine (never a sleep).
expect.set_options(timeout=10_000)


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a thread of its own: Playwright's sync
    API keeps an event loop running on this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


@pytest.fixture(scope="package")
def web_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not DATABASE_URL:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('browser') / 'web.db'}"
        _migrate(url)
        yield url
        return
    base = make_url(_normalise_database_url(DATABASE_URL))
    name = f"{base.database}_web_{uuid.uuid4().hex[:8]}"
    admin = base.render_as_string(hide_password=False)
    run_async(lambda: _admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        yield url
    finally:
        run_async(lambda: _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Inbox:
    """A real SMTP server's handler (aiosmtpd): what the server sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        rcpt = list(envelope.rcpt_tos)  # type: ignore[attr-defined]
        self.messages.append((rcpt, message_from_bytes(content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [message for rcpt, message in self.messages if address in rcpt]


@pytest.fixture(scope="package")
def inbox() -> Iterator[Inbox]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture(scope="package")
def web_server(
    web_database: str, inbox: Inbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    logs = tmp_path_factory.mktemp("web-server")
    redis = RedisServer(logs) if DATABASE_URL else None
    if redis is not None:
        redis.start()
    env = {
        "DATABASE_URL": web_database,
        "BROADCAST_URL": redis.url if redis else "memory://",
        "DEV_MODE": "1",
        "PURGE_INTERVAL_SECONDS": "0",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),  # type: ignore[attr-defined]
        # A badge kept past a change would show as a failure.
        "BADGE_CACHE_SECONDS": "600",
    }
    server = Server("web", env, logs)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
        if redis is not None:
            redis.kill()


@dataclass
class Shop:
    """One organisation of a test's own: its portal key and staff tokens."""

    slug: str
    portal_key: str
    full: str
    view_only: str
    colleague: str
    base: str

    def record(self, key: str, event: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
        """Send one customer-portal event through the API, as the portal does."""
        body = {"idempotencyKey": key, **extra, "event": event}
        body.setdefault("family", LEE)
        data = graphql(self.base, RECORD, {"input": body}, self.portal_key)
        payload: dict[str, Any] = data["recordPortalEvent"]
        assert payload["userErrors"] == [], payload["userErrors"]
        entries: list[dict[str, Any]] = payload["entries"]
        return entries

    def query(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return graphql(self.base, document, variables or {}, self.full)


def graphql(base: str, document: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    response = httpx.post(
        f"{base}/graphql",
        json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


RECORD = """
mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    entries { ... on ActivityEntry { id status summary sequence } }
    userErrors { code field message }
  }
}
"""
LEE = {"externalId": "fam-lee", "name": "Lee", "email": "lee@families.test", "emailOptIn": True}
ROSSI = {
    "externalId": "fam-rossi",
    "name": "Rossi",
    "email": "rossi@families.test",
    "emailOptIn": False,
}


STAFF_NAMES = {"full": "Maya Patel", "view_only": "Sam Okafor", "colleague": "Jo Colleague"}


async def _create_shop(url: str, slug: str) -> tuple[str, dict[str, str]]:
    database = Database(url)
    try:
        async with database.write() as session:
            org = await create_organisation(
                session,
                slug=slug,
                name=f"Shop {slug}",
                locations=[("north", "North Pool"), ("south", "South Gym")],
            )
            tokens: dict[str, str] = {}
            for role, rights in (
                ("full", FULL_RIGHTS),
                ("view_only", VIEW_ONLY),
                ("colleague", FULL_RIGHTS),
            ):
                _, tokens[role] = await create_staff(
                    session,
                    organisation_id=org.id,
                    name={"full": "Maya Patel", "view_only": "Sam Okafor"}.get(
                        role, "Jo Colleague"
                    ),
                    email=f"{role}@{slug}.test",
                    permissions=rights,
                )
            return org.portal_key, tokens
    finally:
        await database.dispose()


@pytest.fixture
def shop(web_server: Server, web_database: str) -> Shop:
    slug = f"shop-{uuid.uuid4().hex[:10]}"
    portal_key, tokens = run_async(lambda: _create_shop(web_database, slug))
    return Shop(slug=slug, portal_key=portal_key, base=web_server.http, **tokens)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `make test` as root (it installs "
            "Debian's chromium) or `apt-get install -y chromium`",
            pytrace=False,
        )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, chromium_sandbox=False, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()


class Offline:
    """Every request a page makes, to prove nothing is fetched from the internet."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.foreign: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("request", lambda request: self.check(request.url))
        context.on("page", lambda page: page.on("websocket", lambda ws: self.check(ws.url)))

    def check(self, url: str) -> None:
        local = (self.base, self.base.replace("http://", "ws://"), "data:", "about:")
        if not url.startswith(local):
            self.foreign.append(url)


@pytest.fixture
def contexts(browser: Browser, web_server: Server) -> Iterator[Callable[..., BrowserContext]]:
    """New browser contexts (separate tabs' storage), watched for foreign requests."""
    offline = Offline(web_server.http)
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(viewport={"width": 1280, "height": 860}, **options)
        context.set_default_timeout(10_000)
        offline.watch(context)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    assert offline.foreign == [], f"pages fetched from outside the server: {offline.foreign}"


def open_window(
    context: BrowserContext, shop: Shop, token: str | None = None, path: str = "/"
) -> Page:
    """Open a page of the client signed in with a token in the address, as
    `make run` prints it, and wait until it shows its entries."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(f"{shop.base}{path}#token={token or shop.full}")
    page.wait_for_selector("table.entries, .widget-list")
    return page


def screenshot(page: Page, name: str, selector: str | None = None) -> Path:
    """Save what the page shows (or one element of it) under var/screenshots/<backend>/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if selector is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        page.locator(selector).screenshot(path=str(path))
    return path
