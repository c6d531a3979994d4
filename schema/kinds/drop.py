"""Drop request entries and the portal's drop input."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.drop_requests import DropRequest
from domain.kinds.drop import DropDetails, DropEvent
from schema.activity import ActivityEntry
from schema.context import Info
from schema.ingestion.references import EnrollmentInput
from schema.review import MissedDropCriterion


@strawberry.type
class DropActivity(ActivityEntry):
    @property
    def d(self) -> DropDetails:
        return self.facts(DropDetails)

    @strawberry.field
    def class_name(self) -> str | None:
        return self.d.class_name

    @strawberry.field
    def drop_date(self) -> date | None:
        return self.d.drop_date

    @strawberry.field
    def reason(self) -> str | None:
        return self.d.reason

    @strawberry.field
    def enrollment_type(self) -> str | None:
        return self.d.enrollment_type

    @strawberry.field(description="Days of notice the organisation requires for a drop.")
    async def notice_days(self, info: Info) -> int:
        return (await info.context.loaders.settings()).drop_notice_days

    @strawberry.field(
        description="The day the family asked, on the organisation's calendar (its time "
        "zone): the notice period counts from it."
    )
    async def requested_on(self, info: Info) -> date:
        return (await info.context.loaders.settings()).local_date(self.row.occurred_at)

    @strawberry.field(description="The drop date leaves the required notice from the request.")
    async def meets_notice_period(self, info: Info) -> bool | None:
        request = await self._request(info)
        if request is None:
            return None
        return request.meets_notice_period((await info.context.loaders.settings()).drop_policy)

    @strawberry.field(
        description="The school's criteria (Settings) this request misses: approving it then "
        "needs `acceptCriteria` naming each, and mass approve leaves it for review on its own."
    )
    async def missed_criteria(self, info: Info) -> list[MissedDropCriterion]:
        request = await self._request(info)
        if request is None:
            return []
        policy = (await info.context.loaders.settings()).drop_policy
        return [MissedDropCriterion.from_domain(m) for m in request.missed(policy)]

    async def _request(self, info: Info) -> DropRequest | None:
        settings = await info.context.loaders.settings()
        return DropRequest.of(self.d, self.row.occurred_at, settings.calendar)


@strawberry.input(description="A request to drop an enrollment; always reviewed by staff.")
class DropEventInput:
    enrollment: EnrollmentInput
    drop_date: date
    reason: str | None = None

    def to_domain(self) -> DropEvent:
        return DropEvent(self.enrollment.to_domain(), self.drop_date, self.reason)


OBJECT = DropActivity
INPUT = DropEventInput
