"""The server serves the web client, GraphiQL's own assets, and the dev-only picker."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from service.app import create_app
from service.demo import seed_demo
from service.services import Services
from service.settings import Settings

ME = "query { me { name } }"


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The same app with dev mode off, as production runs it."""
    services = Services.from_settings(settings.replace(dev_mode=False))
    await services.start()
    try:
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await services.stop()


async def test_the_window_and_the_widget_are_served_with_their_bundle(
    client: httpx.AsyncClient,
) -> None:
    # when the window, the widget and what they load are fetched
    window, widget = await client.get("/"), await client.get("/widget")
    # then they are HTML pages whose scripts and styles come from this server
    for page, script in ((window, "/static/window.js"), (widget, "/static/widget.js")):
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert script in page.text and "/static/app.css" in page.text
        assert "default-src 'self'" in page.text
        assert not re.search(r"(src|href)=\"https?://", page.text)
    for asset in ("/static/window.js", "/static/widget.js", "/static/app.css"):
        response = await client.get(asset)
        assert response.status_code == 200 and len(response.content) > 1000
        assert response.headers["cache-control"] == "no-cache"


async def test_graphiql_loads_its_assets_from_this_server(client: httpx.AsyncClient) -> None:
    # when GraphiQL is opened in dev mode
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    # then it names no CDN, and every script and style it names is served here
    assert page.status_code == 200 and "unpkg.com" not in page.text
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page.text)
    assert len(assets) == 7
    for asset in assets:
        assert (await client.get(asset)).status_code == 200, asset


async def test_the_demo_picker_issues_a_working_token_in_dev_mode(
    client: httpx.AsyncClient, services: Services
) -> None:
    # given the seeded demo
    await seed_demo(services.database, now=datetime.now(UTC))
    # when the sign-in page asks for the demo staff, then for one's token
    staff = (await client.get("/dev/demo-staff")).json()["staff"]
    assert [member["name"] for member in staff] == [
        "Maya Patel",
        "Sam Okafor",
        "Jordan Reyes",
        "Lena Fischer",
    ]
    issued = await client.post("/dev/demo-staff/view_only/token")
    # then the token signs in as that staff member
    token = issued.json()["token"]
    me = await client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert me.json() == {"data": {"me": {"name": "Sam Okafor"}}}
    assert (await client.post("/dev/demo-staff/nobody/token")).status_code == 404


async def test_without_dev_mode_there_is_no_demo_picker_and_no_graphiql(
    production: httpx.AsyncClient, services: Services
) -> None:
    # given the seeded demo, served with dev mode off
    await seed_demo(services.database, now=datetime.now(UTC))
    # then the picker's routes do not exist: no token can be had without credentials
    assert (await production.get("/dev/demo-staff")).status_code == 404
    assert (await production.post("/dev/demo-staff/full/token")).status_code == 404
    # and GraphiQL is not served, while the window still is
    ide = await production.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in ide.text.lower()
    assert (await production.get("/")).status_code == 200
