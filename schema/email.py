"""Emailing families: the preview, the variables, and who is skipped and why.

"You will see the number of selected families at the top of the window"
while the email is written, before "send"; "use the Email Variables help
box to insert the correct variables in the email body".
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.email import EMAIL_VARIABLES, EmailPlan, SkipReason
from domain.email import EmailVariable as DomainEmailVariable
from schema.errors import InvalidArguments
from schema.people import Family
from schema.window import ActivityFilter

strawberry.enum(SkipReason, name="EmailSkipReason")


@strawberry.type
class SkippedFamily:
    family: Family
    reason: SkipReason


def skipped_families(plan: EmailPlan) -> list[SkippedFamily]:
    return [
        SkippedFamily(family=Family.from_row(plan.families[s.family_id]), reason=s.reason)
        for s in plan.skipped
    ]


@strawberry.type(description="A variable of the email's subject or body.")
class EmailVariable:
    name: str
    placeholder: str = strawberry.field(description="What to write, e.g. `{{family_name}}`.")
    description: str
    example: str = strawberry.field(description="A value it may take.")

    @classmethod
    def from_domain(cls, variable: DomainEmailVariable) -> EmailVariable:
        return cls(
            name=variable.name,
            placeholder=variable.placeholder,
            description=variable.description,
            example=variable.example,
        )


def email_variables() -> list[EmailVariable]:
    return [EmailVariable.from_domain(v) for v in EMAIL_VARIABLES]


@strawberry.input(
    description="The email as `emailFamilies` would send it: the same selection and template."
)
class EmailPreviewInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The checked entries' ids; or pass `all`."
    )
    all_: ActivityFilter | None = strawberry.field(
        default=None, name="all", description="Every entry matching this window filter."
    )
    watermark: int | None = strawberry.field(
        default=None, description="Required with `all`, as for `emailFamilies`."
    )
    subject: str
    body: str = strawberry.field(description="With variables (see `emailVariables`).")


@strawberry.type
class EmailRecipient:
    family: Family
    to: str = strawberry.field(description="The address the email goes to.")


@strawberry.type(description="The email one family would receive, variables filled in.")
class RenderedEmail:
    family: Family
    to: str
    subject: str
    body: str


@strawberry.type(description="Who an email would reach; nothing is sent.")
class EmailPreview:
    families_selected: int = strawberry.field(
        description="Distinct families of the selected entries (the number at the top of the "
        "email window)."
    )
    recipients: list[EmailRecipient] = strawberry.field(
        description="The families that will receive it."
    )
    skipped_families: list[SkippedFamily] = strawberry.field(
        description="The families that will not, and why: opted out of email blasts, no "
        "address, suspended."
    )
    sample: RenderedEmail | None = strawberry.field(
        description="The email rendered for the first recipient; null when nobody receives it."
    )

    @classmethod
    def from_plan(cls, plan: EmailPlan) -> EmailPreview:
        first = plan.recipients[0] if plan.recipients else None
        sample = None
        if first is not None:
            rendered = plan.render(first)
            sample = RenderedEmail(
                family=Family.from_row(plan.families[first.family_id]),
                to=rendered.to,
                subject=rendered.subject,
                body=rendered.body,
            )
        return cls(
            families_selected=plan.selected,
            recipients=[
                EmailRecipient(family=Family.from_row(plan.families[r.family_id]), to=r.to)
                for r in plan.recipients
            ],
            skipped_families=skipped_families(plan),
            sample=sample,
        )


EmailPreviewResult = Annotated[
    EmailPreview | InvalidArguments, strawberry.union("EmailPreviewResult")
]
