"""The organisation's settings as GraphQL: read and change what the rules
depend on (time zone, drop criteria, punch-pass enrollments, recurring
billing)."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.organisation import OrganisationSettings as DomainSettings
from domain.rules.settings import MAX_DROP_REASONS, MAX_NOTICE_DAYS, SettingsChange
from resolvers import settings as resolvers
from schema.context import Context, Info
from schema.errors import SettingsError


def _context(info: Info) -> Context:
    context = info.context
    assert isinstance(context, Context)
    return context


@strawberry.type(description="The signed-in staff member's organisation.")
class Organisation:
    settings: strawberry.Private[DomainSettings]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.settings.organisation_id))

    @strawberry.field
    def name(self) -> str:
        return self.settings.name

    @strawberry.field(
        description="The IANA time zone (e.g. America/Chicago) every date rule reads its "
        "dates in: the day a request was made, notice periods, drop and transfer dates."
    )
    def time_zone(self) -> str:
        return self.settings.time_zone

    @strawberry.field(description="Today's date for the organisation, in its time zone.")
    def today(self, info: Info) -> date:
        return self.settings.today(_context(info).now())


@strawberry.type(
    description="What the window's rules depend on. Read with the Settings task (view or "
    "full); change with `updateOrganisationSettings` (full); every change is audited."
)
class OrganisationSettings:
    settings: strawberry.Private[DomainSettings]

    @strawberry.field(description="IANA time zone of every date rule, e.g. America/Chicago.")
    def time_zone(self) -> str:
        return self.settings.time_zone

    @strawberry.field(description="Days of notice a drop request needs (0: none).")
    def drop_notice_days(self) -> int:
        return self.settings.drop_notice_days

    @strawberry.field(description="A drop request must give a reason.")
    def drop_reason_required(self) -> bool:
        return self.settings.drop_reason_required

    @strawberry.field(
        description="The valid drop reasons; empty: any reason that is not blank is valid."
    )
    def drop_reasons(self) -> list[str]:
        return list(self.settings.drop_reasons)

    @strawberry.field(
        description="Enrollments created via Punch Pass redemption appear in the window."
    )
    def punch_pass_enrollments(self) -> bool:
        return self.settings.punch_pass_enrollments

    @strawberry.field(
        description='"Require saved payment method authorized for recurring billing": while '
        "on, the portal offers no opt-out of recurring billing, and an opt-out it sends is "
        "refused (OPT_OUT_NOT_OFFERED) and recorded as refused."
    )
    def require_saved_payment_method(self) -> bool:
        return self.settings.require_saved_payment_method


@strawberry.input(description="The settings to change; an omitted field is left as it is.")
class UpdateOrganisationSettingsInput:
    time_zone: str | None = strawberry.field(
        default=None, description="An IANA time zone, e.g. America/Chicago or UTC."
    )
    drop_notice_days: int | None = strawberry.field(
        default=None, description=f"0 to {MAX_NOTICE_DAYS}."
    )
    drop_reason_required: bool | None = None
    drop_reasons: list[str] | None = strawberry.field(
        default=None,
        description=f"Replaces the list (at most {MAX_DROP_REASONS}, each listed once); "
        "[] accepts any reason that is not blank.",
    )
    punch_pass_enrollments: bool | None = None
    require_saved_payment_method: bool | None = None

    def to_domain(self) -> SettingsChange:
        return SettingsChange(
            time_zone=self.time_zone,
            drop_notice_days=self.drop_notice_days,
            drop_reason_required=self.drop_reason_required,
            drop_reasons=None if self.drop_reasons is None else tuple(self.drop_reasons),
            punch_pass_enrollments=self.punch_pass_enrollments,
            require_saved_payment_method=self.require_saved_payment_method,
        )


@strawberry.type
class UpdateOrganisationSettingsPayload:
    settings: OrganisationSettings | None = strawberry.field(
        description="The settings as saved; null when refused."
    )
    user_errors: list[SettingsError] = strawberry.field(
        description="Why the change was refused (the codes: `SettingsErrorCode`); nothing "
        "was changed."
    )


@strawberry.type
class SettingsQueries:
    @strawberry.field(
        description="The organisation's settings (needs the Settings task, view or full)."
    )
    async def organisation_settings(self, info: Info) -> OrganisationSettings:
        return OrganisationSettings(settings=await resolvers.organisation_settings(_context(info)))


@strawberry.type
class SettingsMutations:
    @strawberry.mutation(
        description="Change the organisation's settings (needs full rights on the Settings "
        "task; audited as SETTINGS_CHANGED). Applies to the next request on every server."
    )
    async def update_organisation_settings(
        self, info: Info, input: UpdateOrganisationSettingsInput
    ) -> UpdateOrganisationSettingsPayload:
        saved, problems = await resolvers.update_organisation_settings(
            _context(info), input.to_domain()
        )
        return UpdateOrganisationSettingsPayload(
            settings=None if saved is None else OrganisationSettings(settings=saved),
            user_errors=[SettingsError.from_problem(p) for p in problems],
        )
