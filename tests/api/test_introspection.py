"""Introspection is a setting, off by default in production (issue 10)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from service.app import create_app
from service.services import Services
from service.settings import Settings
from tests.support import Api, World

SCHEMA = "{ __schema { types { name } } }"
TYPE_IN_FRAGMENT = 'query { ...T } fragment T on Query { __type(name: "Query") { name } }'


async def serve(settings: Settings) -> AsyncIterator[Api]:
    services = Services.from_settings(settings)
    await services.start()
    try:
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Api(http)
    finally:
        await services.stop()


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[Api]:
    """As a server with DEV_MODE off and INTROSPECTION unset."""
    async for api in serve(settings.replace(dev_mode=False)):
        yield api


async def test_anonymous_introspection_is_refused_in_production(
    production: Api, world: World
) -> None:
    for document in (SCHEMA, TYPE_IN_FRAGMENT):
        body = await production.post(document)
        assert body.get("data") is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INTROSPECTION_DISABLED"]
        assert "Query" not in str(body)
    # staff are refused too unless INTROSPECTION=staff; __typename is not introspection
    assert await production.error_codes(SCHEMA, token=world.riverside.full) == [
        "INTROSPECTION_DISABLED"
    ]
    assert (await production.data("{ __typename }")) == {"__typename": "Query"}


async def test_introspection_for_staff_only_or_everyone(settings: Settings, world: World) -> None:
    staff_only = settings.replace(dev_mode=False, introspection="staff")
    async for api in serve(staff_only):
        assert await api.error_codes(SCHEMA) == ["INTROSPECTION_DISABLED"]
        types = (await api.data(SCHEMA, token=world.riverside.full))["__schema"]["types"]
        assert {"name": "Query"} in types
    async for api in serve(settings):  # dev mode: on, for GraphiQL
        assert {"name": "Query"} in (await api.data(SCHEMA))["__schema"]["types"]


def test_the_default_follows_dev_mode_and_the_setting_wins() -> None:
    assert Settings(dev_mode=False).introspection_policy == "off"
    assert Settings(dev_mode=True).introspection_policy == "on"
    assert Settings(dev_mode=True, introspection="off").introspection_policy == "off"
