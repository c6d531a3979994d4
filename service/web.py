"""The staff web client's routes: the window (``/``), the widget (``/widget``),
their built files (``/static``), GraphiQL's local assets, and in dev mode the
demo staff picker.

The client lives in ``web/`` (TypeScript) and is built into ``web/dist/``,
which is committed: serving it needs no Node. Nothing here reads or writes
the domain except the dev-only picker, which issues demo staff tokens.
"""

from __future__ import annotations

import os

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from domain.viewer import hash_secret, new_staff_token
from models import Organisation, Staff, StaffToken
from service.services import Services
from service.settings import REPO_ROOT

WEB_DIST = REPO_ROOT / "web" / "dist"
GRAPHIQL_PAGE = WEB_DIST / "graphiql" / "index.html"
# The pages are small and change with every build: always revalidate them.
NO_CACHE = {"Cache-Control": "no-cache"}
DEMO_TOKEN_LABEL = "dev picker"


class RevalidatedFiles(StaticFiles):
    """The built bundle, revalidated on every load (ETag), so a rebuild shows
    at the next reload instead of after a browser cache expires."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        return response


def _page(name: str) -> Route:
    path = WEB_DIST / name

    async def serve(_request: Request) -> Response:
        if not path.is_file():
            raise HTTPException(404, f"web/dist/{name} is missing: run `make web`")
        return FileResponse(path, headers=NO_CACHE, media_type="text/html")

    return Route("/" if name == "index.html" else f"/{name.removesuffix('.html')}", serve)


def graphiql_html() -> str:
    """GraphiQL with its scripts and styles from ``/static/graphiql`` (the
    page strawberry ships loads them from unpkg.com and stays at "Loading..."
    without internet)."""
    return GRAPHIQL_PAGE.read_text(encoding="utf-8")


def _demo_routes(services: Services) -> list[BaseRoute]:
    """Dev mode only: who the demo staff are, and a fresh token for one of
    them, so the sign-in page can offer a picker. Never mounted with dev mode
    off (the routes then do not exist: 404)."""
    from service.demo import DEMO_SLUG, ROLES

    roles = {role.key: role for role in ROLES}

    async def demo_staff(_request: Request) -> Response:
        async with services.database.read() as session:
            organisation_id = await session.scalar(
                select(Organisation.id).where(Organisation.slug == DEMO_SLUG)
            )
        if organisation_id is None:
            return JSONResponse({"staff": []})
        return JSONResponse(
            {"staff": [{"key": role.key, "label": role.label, "name": role.name} for role in ROLES]}
        )

    async def demo_token(request: Request) -> Response:
        role = roles.get(str(request.path_params["key"]))
        if role is None:
            return JSONResponse({"error": "no such demo staff member"}, status_code=404)
        async with services.database.write() as session:
            staff_id = await session.scalar(
                select(Staff.id)
                .join(Organisation, Organisation.id == Staff.organisation_id)
                .where(Organisation.slug == DEMO_SLUG, Staff.email == role.email)
            )
            if staff_id is None:
                return JSONResponse({"error": "the demo is not seeded"}, status_code=404)
            token = new_staff_token()
            session.add(
                StaffToken(staff_id=staff_id, token_hash=hash_secret(token), label=DEMO_TOKEN_LABEL)
            )
        return JSONResponse({"token": token, "name": role.name}, headers=NO_CACHE)

    return [
        Route("/dev/demo-staff", demo_staff, methods=["GET"]),
        Route("/dev/demo-staff/{key}/token", demo_token, methods=["POST"]),
    ]


def web_routes(services: Services) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        _page("index.html"),
        _page("widget.html"),
        Mount("/static", RevalidatedFiles(directory=WEB_DIST, check_dir=False), name="static"),
    ]
    if services.settings.dev_mode:
        routes += _demo_routes(services)
    return routes
