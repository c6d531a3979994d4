"""Emailing the families of the selected entries (the preview is ``schema.email``)."""

from __future__ import annotations

import strawberry

from domain.email import EmailPlan
from resolvers import actions as resolvers
from schema.actions.results import user_errors
from schema.actions.selection import ALL, IDS, LOCK_TOKEN, WATERMARK
from schema.email import SkippedFamily, skipped_families
from schema.errors import EmailFamiliesError
from schema.window import ActivityFilter


@strawberry.input
class EmailFamiliesInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description=IDS)
    all_: ActivityFilter | None = strawberry.field(default=None, name="all", description=ALL)
    watermark: int | None = strawberry.field(default=None, description=WATERMARK)
    subject: str
    body: str = strawberry.field(
        description="Email variables (see `emailVariables`): {{family_name}}, "
        "{{student_names}}, {{location}}, {{organisation_name}} (also in the subject). "
        "`emailPreview` shows who it reaches, sending nothing."
    )
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


@strawberry.type
class EmailFamiliesPayload:
    families_selected: int = strawberry.field(
        description="Distinct families of the selected entries."
    )
    sent: int
    skipped: int
    skipped_families: list[SkippedFamily]
    user_errors: list[EmailFamiliesError]


def email_payload(done: resolvers.Done[EmailPlan]) -> EmailFamiliesPayload:
    plan = done.value
    if plan is None:
        return EmailFamiliesPayload(
            families_selected=0,
            sent=0,
            skipped=0,
            skipped_families=[],
            user_errors=user_errors(EmailFamiliesError, done.problems),
        )
    return EmailFamiliesPayload(
        families_selected=plan.selected,
        sent=plan.sent,
        skipped=len(plan.skipped),
        skipped_families=skipped_families(plan),
        user_errors=[],
    )
