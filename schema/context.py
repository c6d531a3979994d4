"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from strawberry.types import Info as StrawberryInfo

from domain.viewer import PortalClient, Viewer
from models.base import utcnow

if TYPE_CHECKING:
    from resolvers.loaders import Loaders
    from service.services import Services


@dataclass
class Context:
    services: Services
    viewer: Viewer | None = None
    portal: PortalClient | None = None
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def loaders(self) -> Loaders:
        """Per-request DataLoaders, scoped to the caller's organisation."""
        if self._loaders is None:
            from resolvers.loaders import Loaders

            self._loaders = Loaders(self.services.database, self.require_reader().organisation_id)
        return self._loaders

    def now(self) -> datetime:
        return utcnow()

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
