"""The organisation's settings: read with the Settings task, change with full
rights on it, one audited unit of work. The rules live in
``domain.organisation`` and ``domain.rules.settings``."""

from __future__ import annotations

from graphql import GraphQLError

from domain.errors import InvalidRequest, Problem
from domain.journal import Journal
from domain.organisation import (
    OrganisationSettings,
    can_read_settings,
    change_settings,
    load_settings,
)
from domain.rules.settings import SettingsChange
from resolvers.context import RequestContext


async def organisation_settings(context: RequestContext) -> OrganisationSettings:
    """Any staff member with the Settings task (view or full), whatever their
    Online Activity rights."""
    viewer = context.require_staff()
    if not can_read_settings(viewer):
        raise GraphQLError(
            'Needs the "Settings" permission set to view or full.',
            extensions={"code": "FORBIDDEN"},
        )
    async with context.services.database.read() as session:
        return await load_settings(session, viewer.organisation_id)


async def update_organisation_settings(
    context: RequestContext, change: SettingsChange
) -> tuple[OrganisationSettings | None, list[Problem]]:
    """After the commit, open windows hear of the entries now shown
    differently (``activityEvents``) and of the organisation
    (``organisation``)."""
    viewer = context.require_staff()
    try:
        async with context.services.database.write() as session:
            journal = Journal(session)
            saved = await change_settings(session, journal, viewer, change, now=context.now())
    except InvalidRequest as refused:
        return None, refused.problems
    if saved.changed:
        await context.services.publish(journal.changes)
        await context.services.publish_settings(viewer.organisation_id)
    return saved.settings, []
