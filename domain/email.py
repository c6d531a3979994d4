"""Emailing the families of selected entries, as an email blast.

"This email screen can be used to communicate with multiple families or with
one family at a time." "To customize the emails for each recipient, use the
Email Variables help box to insert the correct variables in the email body.
Because this action launches an Email Blast window, the system will abide by
the family's choice to opt-in/opt-out of Email Blasts to determine if they
receive the email or not."

Variables are written ``{{family_name}}`` (spaces inside the braces are
allowed: ``{{ family_name }}``), in the subject or the body; see VARIABLES
(the "Email Variables help box"). An unknown variable refuses the whole
email, so no family gets a broken one.

"You will see the number of selected families at the top of the window"
while the email is written: ``plan_emails`` decides who receives it and who
is skipped and why, the same for a preview (which renders one family's
email and sends nothing) and for the send.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.errors import ErrorCode, InvalidRequest, Problem
from domain.viewer import Viewer
from models import ActivityEntry, Family, Location, Organisation, Student


@dataclass(frozen=True)
class EmailVariable:
    name: str
    description: str
    example: str

    @property
    def placeholder(self) -> str:
        return "{{" + self.name + "}}"


EMAIL_VARIABLES = (
    EmailVariable("family_name", "The family's name.", "Lee"),
    EmailVariable(
        "student_names",
        "The family's students named in the selected entries (all its students when none "
        "is named).",
        "Ann Lee and Ben Lee",
    ),
    EmailVariable("location", "The location(s) of the family's selected entries.", "North Pool"),
    EmailVariable("organisation_name", "Your organisation's name.", "Riverside Swim & Gym"),
)
VARIABLES: dict[str, str] = {v.name: v.description for v in EMAIL_VARIABLES}
VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
MAX_SUBJECT = 300
MAX_BODY = 50_000


class SkipReason(StrEnum):
    SUSPENDED = "SUSPENDED"
    OPTED_OUT = "OPTED_OUT"
    NO_EMAIL = "NO_EMAIL"
    DELIVERY_FAILED = "DELIVERY_FAILED"


class EmailErrorCode(ErrorCode):
    """The email template's area: a subject or body refused before anything is read."""

    REQUIRED = "REQUIRED", "The subject or the body is blank."
    TOO_LONG = "TOO_LONG", "The subject or the body is over its limit."
    UNKNOWN_VARIABLE = "UNKNOWN_VARIABLE", "A {{variable}} that is not an email variable."
    INVALID_SUBJECT = "INVALID_SUBJECT", "The subject is more than one line."


def check_template(subject: str, body: str) -> None:
    """Refuse an empty subject or body, overlong ones, and unknown variables."""
    problems: list[Problem] = []
    for name, text, limit in (("subject", subject, MAX_SUBJECT), ("body", body, MAX_BODY)):
        path = ("input", name)
        if not text.strip():
            problems.append(Problem(EmailErrorCode.REQUIRED, f"the email needs a {name}", path))
        elif len(text) > limit:
            problems.append(
                Problem(EmailErrorCode.TOO_LONG, f"the {name} is over {limit} characters", path)
            )
        for variable in VARIABLE.findall(text):
            if variable not in VARIABLES:
                known = ", ".join("{{" + v + "}}" for v in VARIABLES)
                problems.append(
                    Problem(
                        EmailErrorCode.UNKNOWN_VARIABLE,
                        f"{{{{{variable}}}}} is not an email variable; use {known}",
                        path,
                    )
                )
    if "\n" in subject or "\r" in subject:
        problems.append(
            Problem(EmailErrorCode.INVALID_SUBJECT, "the subject is one line", ("input", "subject"))
        )
    if problems:
        raise InvalidRequest(problems)


def render(text: str, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda match: values[match.group(1)], text)


def _names(names: Sequence[str]) -> str:
    """'Ann', 'Ann and Ben', 'Ann, Ben and Cy'."""
    unique = sorted(set(names))
    if len(unique) < 2:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


@dataclass(frozen=True)
class OutgoingEmail:
    family_id: int
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class SkippedFamily:
    family_id: int
    name: str
    reason: SkipReason


@dataclass(frozen=True)
class Recipient:
    """A family the email goes to, with its variables' values."""

    family_id: int
    to: str
    values: dict[str, str]


@dataclass
class EmailPlan:
    subject: str
    body: str
    # Distinct families of the selected entries.
    selected: int
    # Who receives it (in family id order), and who is skipped and why.
    recipients: list[Recipient] = field(default_factory=list)
    skipped: list[SkippedFamily] = field(default_factory=list)
    entry_ids: dict[int, list[int]] = field(default_factory=dict)
    # The locations of each family's selected entries: its EMAILED record's scope.
    locations: dict[int, frozenset[int]] = field(default_factory=dict)
    families: dict[int, Family] = field(default_factory=dict)
    # Set by record_emails: families the email reached.
    sent: int = 0

    def render(self, recipient: Recipient) -> OutgoingEmail:
        return OutgoingEmail(
            family_id=recipient.family_id,
            to=recipient.to,
            subject=render(self.subject, recipient.values),
            body=render(self.body, recipient.values),
        )

    @cached_property
    def messages(self) -> list[OutgoingEmail]:
        """Every recipient's email, rendered once (a preview renders one)."""
        return [self.render(r) for r in self.recipients]


def skip_reason(family: Family) -> SkipReason | None:
    """Suspended families get nothing; then "the system will abide by the
    family's choice to opt-in/opt-out of Email Blasts"; then an address is needed."""
    if family.suspended:
        return SkipReason.SUSPENDED
    if not family.email_opt_in:
        return SkipReason.OPTED_OUT
    if not (family.email or "").strip():
        return SkipReason.NO_EMAIL
    return None


async def plan_emails(
    session: AsyncSession,
    viewer: Viewer,
    rows: Sequence[ActivityEntry],
    *,
    subject: str,
    body: str,
) -> EmailPlan:
    """One email per distinct family of the selected entries, rendered."""
    check_template(subject, body)
    entries: dict[int, list[ActivityEntry]] = defaultdict(list)
    for row in rows:
        if row.family_id is not None:
            entries[row.family_id].append(row)
    plan = EmailPlan(subject=subject, body=body, selected=len(entries))
    if not entries:
        return plan
    families = {
        f.id: f
        for f in await session.scalars(
            select(Family).where(
                Family.id.in_(sorted(entries)), Family.organisation_id == viewer.organisation_id
            )
        )
    }
    students: dict[int, list[Student]] = defaultdict(list)
    for student in await session.scalars(select(Student).where(Student.family_id.in_(families))):
        students[student.family_id].append(student)
    location_ids = {r.location_id for r in rows if r.location_id is not None}
    locations = {
        loc.id: loc.name
        for loc in await session.scalars(select(Location).where(Location.id.in_(location_ids)))
    }
    organisation_name = await session.scalar(
        select(Organisation.name).where(Organisation.id == viewer.organisation_id)
    )
    for family_id in sorted(entries):
        family = families.get(family_id)
        if family is None:
            continue
        plan.entry_ids[family_id] = [r.id for r in entries[family_id]]
        plan.locations[family_id] = frozenset(
            r.location_id for r in entries[family_id] if r.location_id is not None
        )
        plan.families[family_id] = family
        reason = skip_reason(family)
        if reason is not None:
            plan.skipped.append(SkippedFamily(family_id, family.name, reason))
            continue
        named = {r.student_id for r in entries[family_id] if r.student_id is not None}
        chosen = [s for s in students[family_id] if s.id in named] or students[family_id]
        values = {
            "family_name": family.name,
            "student_names": _names([s.full_name for s in chosen]),
            "location": ", ".join(
                sorted({locations[r.location_id] for r in entries[family_id] if r.location_id})
            ),
            "organisation_name": organisation_name or "",
        }
        plan.recipients.append(Recipient(family_id, str(family.email).strip(), values))
    return plan


async def record_emails(
    session: AsyncSession,
    viewer: Viewer,
    plan: EmailPlan,
    *,
    delivered: set[int],
    now: datetime,
) -> None:
    """An EMAILED audit record per family the email reached; families it did
    not reach are added to the plan's skipped ones as DELIVERY_FAILED. A
    record is read by staff of the locations of the family's selected entries
    (all of them), as those entries are seen in the window (issue 10)."""
    records = []
    for message in plan.messages:
        if message.family_id not in delivered:
            plan.skipped.append(
                SkippedFamily(
                    message.family_id,
                    plan.families[message.family_id].name,
                    SkipReason.DELIVERY_FAILED,
                )
            )
            continue
        touched = audit.Touched(plan.locations[message.family_id])
        record = {
            "organisation_id": viewer.organisation_id,
            "action": audit.AuditAction.EMAILED.value,
            "entry_id": None,
            "entry_type": None,
            "staff_id": viewer.staff_id,
            "staff_name": viewer.name,
            "at": now,
            "reason": message.subject,
            "snapshot": {
                "family_id": message.family_id,
                "to": message.to,
                "subject": message.subject,
                "body": message.body,
                "entry_ids": plan.entry_ids[message.family_id],
            },
        }
        records.append((record, touched))
    plan.sent = len(records)
    await audit.write_touching(session, records)
