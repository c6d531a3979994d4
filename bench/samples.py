"""Each type's facts for the benchmark's entries: the demo's.

The bench writes no facts of its own per type (issue 11: one home per
kind). It plays the demo's story (``service/demo``) in a scratch
organisation, keeps the entries the story makes (their details, checked by
each kind's details model, and whether they have a location) and deletes
the organisation again. A registered type the story never makes is an error
that says so: the demo is where a kind gets its example.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import SchoolCalendar
from domain.vocabulary import ActivityType
from models import Organisation
from service.demo import DEMO_TIME_ZONE, LOCATIONS
from service.demo.records import DemoBuilder
from service.demo.story import play
from service.provisioning import create_organisation

SCRATCH_SLUG = "bench-demo-samples"


@dataclass(frozen=True)
class Sample:
    """One demo entry of a type: its stored details, and whether it has a location."""

    details: dict[str, Any]
    located: bool


Samples = dict[ActivityType, list[Sample]]

_samples: Samples | None = None


async def demo_samples(session: AsyncSession, now: datetime) -> Samples:
    """Every registered type's demo entries, in story order (played once per process)."""
    global _samples
    if _samples is None:
        _samples = await _play(session, now)
    return _samples


async def _play(session: AsyncSession, now: datetime) -> Samples:
    scratch = await create_organisation(
        session, slug=SCRATCH_SLUG, name=SCRATCH_SLUG, locations=LOCATIONS
    )
    builder = DemoBuilder(
        session, scratch.id, now, dict(scratch.location_ids), SchoolCalendar(DEMO_TIME_ZONE)
    )
    await builder.setup()
    await play(builder)
    await session.execute(delete(Organisation).where(Organisation.id == scratch.id))
    samples: Samples = {kind: [] for kind in ActivityType}
    for entry in builder.entries:
        # Ids in the details name the scratch organisation's records, gone
        # with it: the bench's entries name none (their models default them).
        details = {k: v for k, v in entry.details.items() if not k.endswith(("_id", "_ids"))}
        samples[entry.type].append(Sample(details, entry.location_id is not None))
    missing = [kind.value for kind, found in samples.items() if not found]
    if missing:
        raise LookupError(f"the demo's story (service/demo/story.py) makes no {missing} entry")
    return samples


def facts(sample: Sample, family: str, student: str) -> dict[str, Any]:
    """The sample's details, about the bench's family and student."""
    details = {**sample.details, "family_name": family}
    if "student_name" in details:
        details["student_name"] = student
    return details
