"""The per-request context every resolver receives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from graphql import GraphQLError, OperationType
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info as StrawberryInfo

from domain.viewer import PortalClient, Viewer
from models.db import Database
from resolvers.context import Services as ResolverServices
from schema.loaders import Loaders
from subscriptions.broadcast import Broadcaster


class Services(ResolverServices, Protocol):
    """What the schema needs of the running server (``service.services``
    builds it): the resolvers' needs, its clock, and the broadcast live fields follow."""

    @property
    def clock(self) -> Callable[[], datetime]: ...

    def require_broadcaster(self) -> Broadcaster: ...


class RequestReads:
    """One read session for all the reads of one HTTP query: opened on first
    use, used by one resolver at a time, closed when the request ends
    (``close``). The page, its counts and the loaders then share a
    connection and a transaction (one snapshot on SQLite) instead of opening
    a session each. A statement that fails discards the session; the next
    read opens a new one."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._lock = asyncio.Lock()
        self._exit: AsyncExitStack | None = None
        self._session: AsyncSession | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._session is None:
                self._exit = AsyncExitStack()
                self._session = await self._exit.enter_async_context(self._database.read())
            try:
                yield self._session
            except BaseException:
                await self._discard()
                raise

    async def _discard(self) -> None:
        exit_stack, self._exit, self._session = self._exit, None, None
        if exit_stack is not None:
            await exit_stack.aclose()

    @property
    def is_open(self) -> bool:
        return self._session is not None

    async def close(self) -> None:
        async with self._lock:
            await self._discard()


@dataclass
class Context:
    services: Services
    viewer: Viewer | None = None
    portal: PortalClient | None = None
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    _loaders: Loaders | None = field(default=None, repr=False)
    # HTTP requests only (a socket lives too long to hold a session).
    request_reads: RequestReads | None = field(default=None, repr=False)
    _share_reads: bool = field(default=False, repr=False)

    def detached(self) -> Context:
        """This context without its request, connection or loaders: for work
        that outlives its socket (a direct group's renders, ``subscriptions.direct``)."""
        return replace(self, request=None, response=None, connection_params=None, _loaders=None)

    def reading_for(self, info: StrawberryInfo[Any, Any]) -> Context:
        """The context for a resolver that reads. In a query over HTTP every
        read of the request shares one session from then on; a mutation keeps a
        short session per read, so nothing it reads after its writes comes from
        an older snapshot."""
        if self.request_reads is not None and info.operation.operation is OperationType.QUERY:
            self._share_reads = True
        return self

    def first_read(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The session that reads who is asking (the bearer token's staff row).
        Over HTTP it is the request's shared session, opened for it: a query
        then reads its token and its page in one session, one transaction (one
        snapshot on SQLite) and one connection, not two (issue 12: a window
        request's second BEGIN, ROLLBACK and checkout). Anything but a query
        ends that session before it executes (``before_execution``)."""
        if self.request_reads is not None:
            return self.request_reads.session()
        return self.services.database.read()

    async def before_execution(self, *, query: bool) -> None:
        """A mutation reads through short sessions of its own (``read``), so
        the shared session its token was read in ends here, before it runs:
        it never holds an idle read connection while taking others (requests
        doing that would, in numbers, wait on each other for the pool)."""
        if not query and self.request_reads is not None:
            await self.request_reads.close()

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The request's shared read session once a query resolver was given
        the context through ``reading_for``, else a new short one."""
        if self._share_reads and self.request_reads is not None:
            return self.request_reads.session()
        return self.services.database.read()

    @property
    def loaders(self) -> Loaders:
        """Per-request DataLoaders, scoped to the caller's organisation."""
        if self._loaders is None:
            self._loaders = Loaders(
                self.services.database, self.require_reader().organisation_id, reads=self.read
            )
        return self._loaders

    def release(self) -> None:
        """The request is answered: its loaders, and the rows they hold, go
        now. They hold ``read``, this context's own method, so context and
        loaders are a cycle that only a garbage collection would end, and
        graphql-core's executor (itself in a cycle) keeps the context.
        Loading again after this starts empty loaders."""
        self._loaders = None

    def now(self) -> datetime:
        return self.services.clock()

    def require_staff(self) -> Viewer:
        """The signed-in staff member, whatever their task permissions (the
        organisation's settings have a task of their own, Settings)."""
        if self.viewer is None:
            raise GraphQLError(
                "Sign in with a staff bearer token.", extensions={"code": "UNAUTHENTICATED"}
            )
        return self.viewer

    def require_viewer(self) -> Viewer:
        """The signed-in staff member allowed to read the window, or a top-level
        error: authentication is not an input problem the caller can fix."""
        if self.viewer is None:
            raise GraphQLError(
                "Sign in with a staff bearer token.", extensions={"code": "UNAUTHENTICATED"}
            )
        if not self.viewer.can_view_window:
            raise GraphQLError(
                'Needs the "Manage Online Activity" permission set to view or full.',
                extensions={"code": "FORBIDDEN"},
            )
        return self.viewer

    def require_reader(self) -> Viewer | PortalClient:
        """Who may read the fields of an entry: the organisation's portal,
        which reads back the entries ``recordPortalEvent`` returns to it, or
        else the staff viewer exactly as ``require_viewer`` demands."""
        if self.viewer is None and self.portal is not None:
            return self.portal
        return self.require_viewer()

    def staff_viewer(self) -> Viewer | None:
        """The staff viewer, or None for the portal (which may do nothing
        with an entry); anyone else gets ``require_viewer``'s error."""
        reader = self.require_reader()
        return reader if isinstance(reader, Viewer) else None


Info = StrawberryInfo[Context, None]
