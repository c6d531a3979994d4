"""The ASGI application: one strawberry GraphQL app on HTTP and websocket."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, Final

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from domain.viewer import (
    PORTAL_KEY_PREFIX,
    Viewer,
    ViewerCache,
    portal_for_key,
    viewer_for_token,
    viewers_for_tokens,
)
from models.db import DatabaseBusy
from schema.build import schema
from schema.context import Context, RequestReads
from schema.frames import spliced_next_frame
from schema.masking import DATABASE_UNAVAILABLE, client_error, code_for, new_error_id
from service.gc_tuning import tune_gc
from service.logs import configure_logging
from service.metrics import metrics_page
from service.middleware import OperatorMiddleware
from service.parked_operations import ParkingHandler
from service.readiness import StartupRefused, check_database, ready
from service.request_limits import BodyLimit, JsonTooDeep, decode_json
from service.services import Services
from service.settings import Settings
from service.shutdown import Drain
from service.socket_limits import LEASE, CheckedTransportWS, LimitedWebSocketAdapter
from service.socket_quota import socket_quota_for
from service.socket_rights import RightsCheckedHandler, RightsWatch, check_interval
from service.web import graphiql_html, web_routes
from subscriptions.broadcast import BroadcastUnavailable

logger = logging.getLogger(__name__)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate(
    services: Services, context: Context, token: str | None, viewers: ViewerCache | None = None
) -> None:
    """Resolve a bearer credential into the viewer or the portal client; a
    staff token resolved in the last ``TOKEN_CACHE_SECONDS`` comes from ``viewers``.
    A staff token is read in the request's first read session
    (``Context.first_read``), which an HTTP query goes on reading in."""
    if token is None:
        return
    if token.startswith(PORTAL_KEY_PREFIX):
        async with services.database.read() as session:
            context.portal = await portal_for_key(session, token)
        return

    async def lookup() -> Viewer | None:
        async with context.first_read() as session:
            return await viewer_for_token(session, token)

    context.viewer = await (lookup() if viewers is None else viewers.resolve(token, lookup))


def _is_portal_call(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return bytes(value)[7:].startswith(PORTAL_KEY_PREFIX.encode())
    return False


# Where an HTTP request keeps its shared read session (``schema.context.RequestReads``).
REQUEST_READS = "online_activity.request_reads"
REQUEST_CONTEXT = "online_activity.request_context"

# Subscriptions (and queries) in flight on one socket; the next gets an
# "error" message for its id ("Subscription limit reached").
MAX_OPERATIONS_PER_SOCKET = 20
# Tokens of open sockets re-read in one statement (``current_viewers``).
RESOLVE_AT_ONCE = 500


def socket_token(context: Context) -> str | None:
    """The staff token of a websocket's ``connection_init`` payload
    ``{"authorization": "Bearer oas_..."}``."""
    params = context.connection_params or {}
    raw = params.get("authorization") or params.get("Authorization")
    return bearer_token(raw) if isinstance(raw, str) else None


class SocketHandler(ParkingHandler, RightsCheckedHandler, CheckedTransportWS):
    """graphql-transport-ws: operations that park without a task
    (service/parked_operations.py), rights re-checked (service/socket_rights.py)
    on top of the frame and message checks and the socket cap
    (service/socket_limits.py), which sees ``connection_init`` first."""


class OnlineActivityGraphQL(GraphQL[Context, None]):
    # Re-checks an open socket's rights on the token cache's clock, over the
    # frame and message checks and the per-staff socket cap (issue 10).
    websocket_adapter_class = LimitedWebSocketAdapter
    graphql_transport_ws_handler_class = SocketHandler

    def __init__(self, services: Services) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if services.settings.dev_mode else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(
                seconds=services.settings.ws_init_timeout_seconds
            ),
            max_subscriptions_per_connection=MAX_OPERATIONS_PER_SOCKET,
            allowed_origins=services.settings.allowed_origins,
        )
        self.services = services
        self.token_cache_seconds = services.settings.token_cache_seconds
        self.viewers = ViewerCache(self.token_cache_seconds)
        self.sockets = socket_quota_for(services.settings)  # service/socket_quota.py
        self.rights = RightsWatch(self.current_viewers, check_interval(self.token_cache_seconds))

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL served with local assets (``service.web``)."""
        return graphiql_html()

    def parse_json(self, data: str | bytes) -> Any:
        """An HTTP body: JSON too deep is a 400 (service/request_limits.py)."""
        try:
            return decode_json(data)
        except JsonTooDeep as error:
            raise HTTPException(400, f"{error}; nothing was done.") from error
        except json.JSONDecodeError as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error

    def encode_json(self, data: object) -> str | bytes:
        """A ``next`` message whose data is a shared execution's reuses its
        encoded text (``schema.frames``): one ``json.dumps`` per event and
        selection, not per subscriber."""
        frame = spliced_next_frame(data)
        return super().encode_json(data) if frame is None else frame

    async def on_ws_connect(self, context: Context) -> None:
        """Authenticate the socket once, from ``connection_init``'s payload
        ``{"authorization": "Bearer oas_..."}``: staff only; anything else
        closes it with 4403."""
        token = socket_token(context)
        if token is None or token.startswith(PORTAL_KEY_PREFIX):
            raise ConnectionRejectionError()
        await authenticate(self.services, context, token, self.viewers)
        if context.viewer is None:
            raise ConnectionRejectionError()
        # Past MAX_SOCKETS_PER_STAFF: closed with 4290 (service/socket_quota.py).
        context.request.scope[LEASE] = await self.sockets.admit(context.viewer.staff_id)

    def token_of(self, context: Context) -> str | None:
        """The staff token a socket was admitted with (``service.socket_rights``)."""
        return socket_token(context)

    async def current_viewers(self, tokens: Sequence[str]) -> dict[str, Viewer]:
        """The open sockets' staff members as their tokens resolve now,
        through the cache HTTP requests use; the tokens it does not hold are
        read together (``RESOLVE_AT_ONCE`` a statement), not one by one."""
        found: dict[str, Viewer] = {}
        missing: list[str] = []
        for token in tokens:
            cached = self.viewers.get(token)
            if cached is None:
                missing.append(token)
            else:
                found[token] = cached
        for start in range(0, len(missing), RESOLVE_AT_ONCE):
            async with self.services.database.read() as session:
                resolved = await viewers_for_tokens(
                    session, missing[start : start + RESOLVE_AT_ONCE]
                )
            for token, viewer in resolved.items():
                self.viewers.put(token, viewer)
            found.update(resolved)
        return found

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        context = Context(services=self.services, request=request, response=response)
        if isinstance(request, Request):
            context.request_reads = request.scope[REQUEST_READS] = RequestReads(
                self.services.database
            )
            request.scope[REQUEST_CONTEXT] = context
            await authenticate(
                self.services,
                context,
                bearer_token(request.headers.get("authorization")),
                self.viewers,
            )
        return context

    async def serve_socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A websocket, as ``GraphQL.__call__`` serves one, a frame shorter
        (a socket's frames stay suspended for its life); none of
        ``__call__``'s bookkeeping is for websockets."""
        await self.run(WebSocket(scope, receive=receive, send=send))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request; an HTTP request's shared read session and its
        loaders end with it (``Context.release``).
        A failure outside execution (authenticating with the database down)
        is a masked JSON error, never a bare 500 (``failed_request``)."""
        started = False

        async def send_watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            if scope["type"] != "http":
                await super().__call__(scope, receive, send)
                return
            try:
                if _is_portal_call(scope):
                    with self.services.database.writing():  # every portal call writes
                        await super().__call__(scope, receive, send_watched)
                else:
                    await super().__call__(scope, receive, send_watched)
            except Exception as error:
                if started:
                    raise
                await failed_request(error)(scope, receive, send)
        finally:
            context = scope.pop(REQUEST_CONTEXT, None)  # (the scope holds it: a cycle)
            if isinstance(context, Context):
                context.release()
            reads = scope.get(REQUEST_READS)
            if isinstance(reads, RequestReads):
                try:
                    await reads.close()
                except Exception as error:
                    # The answer is sent: ending its read session (a ROLLBACK on
                    # a connection the database dropped) must not break the
                    # client's keep-alive connection with an ASGI error.
                    logger.warning(
                        "a request's read session did not close cleanly: %s",
                        type(error).__name__,
                    )


def failed_request(error: Exception) -> Response:
    """The JSON answer to an HTTP request that failed outside GraphQL
    execution, logged once with its error id: 503 with ``Retry-After`` and
    code DATABASE_UNAVAILABLE when the database cannot be reached, else 500
    with code INTERNAL (issue 10: "portal requests get a bare HTTP 500")."""
    identifier = new_error_id()
    busy = isinstance(error, DatabaseBusy)  # too busy in time (models.db), not down
    code = DATABASE_UNAVAILABLE if busy else code_for(error)
    logger.error("request failed: %s", code, exc_info=error, extra={"error_id": identifier})
    unavailable = code == DATABASE_UNAVAILABLE
    retry_after = error.retry_after if isinstance(error, DatabaseBusy) else RETRY_AFTER_SECONDS
    return JSONResponse(
        {"data": None, "errors": [client_error(code, identifier)]},
        status_code=503 if unavailable else 500,
        headers={"Retry-After": str(retry_after)} if unavailable else None,
    )


RETRY_AFTER_SECONDS = 5


class OnlineActivityApp(Starlette):
    """The app, with the GraphQL websocket served past starlette's stack.

    Issue 12 (memory per idle subscriber): a socket's ASGI call stays open
    for the socket's life, so every layer between uvicorn and strawberry
    keeps a suspended coroutine frame per socket: starlette's error and
    exception middleware, the body limit (HTTP only), the router, the
    route and its exception wrapper, ~3 KiB a socket, none of which does
    anything for ``/graphql``'s websocket (the error middleware re-raises,
    no websocket code raises starlette's ``WebSocketException``, the route
    is known). That socket goes straight to ``socket_app`` (the operator
    middleware around strawberry's view); everything else, other websocket
    paths included, takes starlette's stack as before.
    """

    def __init__(self, *args: Any, socket_app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.socket_app = socket_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and _route_path(scope) == GRAPHQL_PATH:
            scope["app"] = self
            await self.socket_app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


GRAPHQL_PATH: Final = "/graphql"


def _route_path(scope: Scope) -> str:
    """The path the router would match: without the ASGI ``root_path``
    prefix when the server includes it (starlette's own rule)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path


async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    services = services or Services.from_settings(settings or Settings.from_env())
    configure_logging(services.settings.log_format, services.settings.log_level)
    graphql_app = OnlineActivityGraphQL(services)
    drain = Drain()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
        try:
            await check_database(services.database)
            await services.start()
        except BroadcastUnavailable as error:
            raise StartupRefused(f"REDIS_URL/BROADCAST_URL: {error}") from error
        drain.install()  # SIGTERM: websockets get 1001 first (service/shutdown.py)
        tune_gc()
        try:
            yield {}
        finally:
            drain.uninstall()
            await graphql_app.rights.aclose()
            await graphql_app.sockets.aclose()
            await services.stop()

    def operator(inner: ASGIApp) -> OperatorMiddleware:
        return OperatorMiddleware(
            inner,
            drain=drain,
            metrics=services.telemetry.metrics,
            ws_send_timeout=services.settings.ws_send_timeout_seconds,
            ws_close_grace=services.settings.ws_close_grace_seconds,
        )

    app = OnlineActivityApp(
        socket_app=operator(graphql_app.serve_socket).websocket,
        routes=[
            Route(GRAPHQL_PATH, graphql_app),
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", metrics_page),
            *web_routes(services),
        ],
        middleware=[
            Middleware(operator),
            Middleware(BodyLimit),  # 413 past MAX_BODY_BYTES (service/request_limits.py)
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.drain = drain
    return app
