"""Test helpers: a GraphQL client over HTTP and a world of two tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from domain.vocabulary import PermissionLevel, Task
from models.db import Database
from service.app import create_app
from service.provisioning import FULL_RIGHTS, VIEW_ONLY, create_organisation, create_staff
from service.services import Services
from service.settings import Settings

WINDOW_SEQUENCE = "{ onlineActivity(first: 0) { ... on ActivityConnection { sequence } } }"


class Api:
    """POSTs GraphQL documents to /graphql like any dashboard would."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The data of a request that must succeed without top-level errors."""
        body = await self.post(query, variables, token)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def window_sequence(self, token: str) -> int:
        """The sequence a staff member's window is read at: the watermark an
        ``all`` selection passes to act only on what they saw."""
        data = await self.data(WINDOW_SEQUENCE, token=token)
        sequence: int = data["onlineActivity"]["sequence"]
        return sequence

    async def error_codes(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> list[str]:
        body = await self.post(query, variables, token)
        return [e.get("extensions", {}).get("code", "") for e in body.get("errors") or []]


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Api, Services]]:
    """A server of its own with these settings (the tests' ``api`` serves
    the defaults), and its services to look into."""
    services = Services.from_settings(settings)
    await services.start()
    try:
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Api(http), services
    finally:
        await services.stop()


@dataclass
class Tenant:
    id: int
    portal_key: str
    locations: dict[str, int]
    full: str
    view_only: str
    no_enrollments: str
    no_access: str
    north_only: str


@dataclass
class World:
    riverside: Tenant
    harbour: Tenant

    @classmethod
    async def create(cls, database: Database) -> World:
        async with database.write() as session:
            tenants = []
            for slug, locations in (
                ("riverside", [("north", "North Pool"), ("south", "South Gym")]),
                ("harbour", [("main", "Harbour Main")]),
            ):
                org = await create_organisation(
                    session, slug=slug, name=slug.title(), locations=locations
                )
                tokens = {}
                no_enrollments = {**FULL_RIGHTS, Task.ENROLLMENTS: PermissionLevel.NONE}
                no_access = {**FULL_RIGHTS, Task.MANAGE_ONLINE_ACTIVITY: PermissionLevel.NONE}
                for role, rights, limit in (
                    ("full", FULL_RIGHTS, None),
                    ("view_only", VIEW_ONLY, None),
                    ("no_enrollments", no_enrollments, None),
                    ("no_access", no_access, None),
                    ("north_only", FULL_RIGHTS, [next(iter(org.location_ids.values()))]),
                ):
                    _, tokens[role] = await create_staff(
                        session,
                        organisation_id=org.id,
                        name=f"{role} of {slug}",
                        email=f"{role}@{slug}.test",
                        permissions=rights,
                        location_ids=limit,
                    )
                tenants.append(Tenant(org.id, org.portal_key, org.location_ids, **tokens))
        return cls(riverside=tenants[0], harbour=tenants[1])
