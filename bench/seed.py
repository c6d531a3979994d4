"""Fast seeding of the benchmark database: set-based INSERTs, no ORM per row.

One large organisation ("bench-main": 100,000 open entries, 10,000 with
``--quick``, across 3 locations and every registered type, with the demo's
facts for each (``bench/samples.py``), spread over the last 89 days), 20
small ones beside it (the window must stay fast when the tables hold other
tenants), one for the mass actions ("bench-actions": N
notifications and N pending appointment/absence requests with their records)
and an empty one the ingestion figure records into ("bench-ingest").

Entries are inserted with lists of dicts (executemany), their ``ADDED``
change rows and badge counters derived from them with ``INSERT ... SELECT``,
so the sequence numbers, the change record and the counters agree exactly as
``domain.recording.record_entries`` would leave them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bench import samples
from bench.samples import Sample, Samples, demo_samples
from domain.journal import CHANGE_ROW_COLUMNS
from domain.kinds import registry
from domain.vocabulary import (
    ALWAYS_PENDING_TYPES,
    AUTO_APPROVABLE_TYPES,
    ActivityType,
    WindowStatus,
)
from models import (
    Absence,
    ActivityChange,
    ActivityCounter,
    ActivityEntry,
    AppointmentBooking,
    AuditRecord,
    ClassOffering,
    Enrollment,
    Family,
    Organisation,
    Student,
)
from models.db import Database
from service.provisioning import FULL_RIGHTS, create_organisation, create_staff

LOCATIONS = (("pool", "Riverside Pool"), ("gym", "Riverside Gym"), ("studio", "Dance Studio"))
CLASS_NAMES = ("Tadpoles (Mon 4:00pm)", "Junior Gymnastics (Tue 6:00pm)", "Ballet I (Thu 4:30pm)")
TYPES = list(ActivityType)
BATCH = 5000
SMALL_ORGS = 20
SMALL_ORG_ENTRIES = 200


@dataclass(frozen=True)
class Tenant:
    id: int
    token: str  # a staff member with full rights
    portal_key: str
    location_ids: tuple[int, ...]


@dataclass(frozen=True)
class World:
    main: Tenant
    actions: Tenant
    ingest: Tenant
    entries: int  # open entries of bench-main
    action_entries: int  # per kind (notifications, pending requests) in bench-actions
    others: tuple[Tenant, ...] = ()  # the small organisations beside bench-main


def _status(kind: ActivityType, i: int) -> WindowStatus:
    if kind in ALWAYS_PENDING_TYPES:
        return WindowStatus.PENDING
    if kind in AUTO_APPROVABLE_TYPES:
        return WindowStatus.APPROVED if i % 3 == 0 else WindowStatus.PENDING
    return WindowStatus.NOTIFICATION


def details(
    sample: Sample, kind: ActivityType, i: int, family: str, student: str
) -> dict[str, Any]:
    """The demo's facts of this type (``bench/samples.py``), about this
    family, approved by the portal when the status says so."""
    facts = samples.facts(sample, family, student)
    if kind in AUTO_APPROVABLE_TYPES:
        facts["auto_approved"] = _status(kind, i) is WindowStatus.APPROVED
    return facts


def _sample(found: Samples, kind: ActivityType, i: int) -> Sample:
    """The demo's entries of a type in turn, so a type's rows vary as the demo's do."""
    of_kind = found[kind]
    return of_kind[(i // len(TYPES)) % len(of_kind)]


async def _bulk(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in batches; the new ids in the order given."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        result = await session.execute(
            insert(table).returning(table.id, sort_by_parameter_order=True),
            rows[start : start + BATCH],
        )
        ids += [row[0] for row in result]
    return ids


async def _people(
    session: AsyncSession, org: int, count: int
) -> tuple[list[int], list[int], list[str], list[str]]:
    names = [f"Family{i}" for i in range(count)]
    family_ids = await _bulk(
        session,
        Family,
        [
            {
                "organisation_id": org,
                "external_id": f"bench-family-{i}",
                "name": name,
                "email": f"family{i}@families.example",
                "email_opt_in": i % 10 != 0,
                "suspended": False,
                "notes": "",
            }
            for i, name in enumerate(names)
        ],
    )
    students = [f"Kid{i} {names[i]}" for i in range(count)]
    student_ids = await _bulk(
        session,
        Student,
        [
            {
                "organisation_id": org,
                "family_id": family_ids[i],
                "external_id": f"bench-student-{i}",
                "first_name": f"Kid{i}",
                "last_name": names[i],
            }
            for i in range(count)
        ],
    )
    return family_ids, student_ids, names, students


async def _journal_and_count(session: AsyncSession, org: int) -> int:
    """The ``ADDED`` change of every entry, the counters, the sequence."""
    e = ActivityEntry
    await session.execute(
        insert(ActivityChange).from_select(
            list(CHANGE_ROW_COLUMNS),
            select(
                e.organisation_id,
                e.sequence,
                e.id,
                literal("ADDED"),
                literal("RECORDED"),
                e.type,
                e.status,
                e.location_id,
                e.recorded_at,
            ).where(e.organisation_id == org),
        )
    )
    await recount(session, org)
    last = await session.scalar(select(func.max(e.sequence)).where(e.organisation_id == org))
    await session.execute(
        update(Organisation).where(Organisation.id == org).values(activity_seq=int(last or 0))
    )
    return int(last or 0)


async def recount(session: AsyncSession, org: int) -> None:
    """Rebuild an organisation's badge counters from its open entries."""
    e = ActivityEntry
    await session.execute(delete(ActivityCounter).where(ActivityCounter.organisation_id == org))
    location_key = func.coalesce(e.location_id, 0)
    await session.execute(
        insert(ActivityCounter).from_select(
            ["organisation_id", "location_key", "type", "status", "open_count"],
            select(e.organisation_id, location_key, e.type, e.status, func.count())
            .where(e.organisation_id == org, e.resolution.is_(None))
            .group_by(e.organisation_id, location_key, e.type, e.status),
        )
    )


async def _tenant(session: AsyncSession, slug: str) -> tuple[Tenant, list[int]]:
    new = await create_organisation(session, slug=slug, name=slug, locations=LOCATIONS)
    _, token = await create_staff(
        session,
        organisation_id=new.id,
        name="Bench",
        email=f"{slug}@bench.example",
        permissions=FULL_RIGHTS,
    )
    locations = tuple(new.location_ids.values())
    return Tenant(new.id, token, new.portal_key, locations), list(locations)


async def _window(session: AsyncSession, tenant: Tenant, count: int, now: datetime) -> None:
    families = max(10, min(2000, count // 50))
    family_ids, student_ids, names, students = await _people(session, tenant.id, families)
    found = await demo_samples(session, now)
    span = timedelta(days=89)
    rows = []
    for i in range(count):
        kind = TYPES[i % len(TYPES)]
        sample = _sample(found, kind, i)
        who = (i * 7919) % families
        when = now - span + span * (i / count)
        rows.append(
            {
                "organisation_id": tenant.id,
                "sequence": i + 1,
                "updated_seq": i + 1,
                "type": kind.value,
                "status": _status(kind, i).value,
                "location_id": tenant.location_ids[i % 3] if sample.located else None,
                "family_id": family_ids[who],
                "student_id": student_ids[who],
                "occurred_at": when,
                "recorded_at": when,
                "notes": "Please call me back." if i % 9 == 0 else None,
                "has_notes": i % 9 == 0,
                "details": details(sample, kind, i, names[who], students[who]),
                "version": 1,
            }
        )
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(ActivityEntry), rows[start : start + BATCH])
    await _journal_and_count(session, tenant.id)


async def _actions(session: AsyncSession, tenant: Tenant, count: int, now: datetime) -> None:
    """``count`` dismissable notifications and ``count`` pending appointment
    and absence requests, with the bookings and absences approving changes."""
    family_ids, student_ids, names, students = await _people(session, tenant.id, 100)
    location = tenant.location_ids[0]
    (class_id,) = await _bulk(
        session,
        ClassOffering,
        [
            {
                "organisation_id": tenant.id,
                "location_id": location,
                "external_id": "bench-class",
                "name": CLASS_NAMES[0],
                "capacity": 20,
            }
        ],
    )
    half = count // 2
    bookings = await _bulk(
        session,
        AppointmentBooking,
        [
            {
                "organisation_id": tenant.id,
                "location_id": location,
                "external_id": f"bk-{i}",
                "family_id": family_ids[i % 100],
                "student_id": student_ids[i % 100],
                "title": "Private swim lesson",
                "starts_at": now + timedelta(days=3),
                "status": "REQUESTED",
                "notes": "",
            }
            for i in range(half)
        ],
    )
    enrollments = await _bulk(
        session,
        Enrollment,
        [
            {
                "organisation_id": tenant.id,
                "external_id": f"en-{i}",
                "class_id": class_id,
                "student_id": student_ids[i % 100],
                "type": "STANDARD",
                "status": "ACTIVE",
                "start_date": date(2020, 1, 1),
                "punch_pass": False,
            }
            for i in range(count - half)
        ],
    )
    absences = await _bulk(
        session,
        Absence,
        [
            {
                "organisation_id": tenant.id,
                "external_id": f"ab-{i}",
                "enrollment_id": enrollment,
                "absence_date": now.date() + timedelta(days=4),
                "reason": "Holiday",
                "status": "REQUESTED",
            }
            for i, enrollment in enumerate(enrollments)
        ],
    )
    found = await demo_samples(session, now)
    # The notifications staff dismiss as they are: every location-independent
    # kind that is only ever a notification, left in the "Notification" filter
    # and dismissed without a review.
    notification_kinds = [
        kind.type
        for kind in registry.kinds()
        if not (kind.requestable or kind.auto_approvable or kind.always_pending)
        and not (kind.review_before_dismiss or kind.excluded_from_notification_filter)
        and not any(sample.located for sample in found[kind.type])
    ]
    rows: list[dict[str, Any]] = []
    for i in range(2 * count):
        links: dict[str, Any] = {}
        if i < count:
            kind = notification_kinds[i % len(notification_kinds)]
            status = WindowStatus.NOTIFICATION
        elif i - count < half:
            kind, status = ActivityType.APPOINTMENT, WindowStatus.PENDING
            links["appointment_id"] = bookings[i - count]
        else:
            kind, status = ActivityType.ABSENCE, WindowStatus.PENDING
            links["absence_id"] = absences[i - count - half]
            links["enrollment_id"] = enrollments[i - count - half]
        when = now - timedelta(days=30) + timedelta(seconds=i)
        sample = _sample(found, kind, i)
        facts = details(sample, kind, i, names[i % 100], students[i % 100])
        facts.pop("auto_approved", None)
        rows.append(
            {
                "organisation_id": tenant.id,
                "sequence": i + 1,
                "updated_seq": i + 1,
                "type": kind.value,
                "status": status.value,
                "location_id": location if sample.located else None,
                "family_id": family_ids[i % 100],
                "student_id": student_ids[i % 100],
                "occurred_at": when,
                "recorded_at": when,
                "notes": None,
                "has_notes": False,
                "details": facts,
                "version": 1,
                **links,
            }
        )
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(ActivityEntry), rows[start : start + BATCH])
    await _journal_and_count(session, tenant.id)


async def restore_actions(database: Database, org: int) -> None:
    """Put the mass-action organisation back as seeded (between repetitions)."""
    async with database.write() as session:
        e = ActivityEntry
        await session.execute(
            update(e)
            .where(e.organisation_id == org)
            .values(resolution=None, processed_at=None, processed_by_id=None)
        )
        await session.execute(
            update(AppointmentBooking)
            .where(AppointmentBooking.organisation_id == org)
            .values(status="REQUESTED")
        )
        await session.execute(
            update(Absence).where(Absence.organisation_id == org).values(status="REQUESTED")
        )
        await session.execute(delete(AuditRecord).where(AuditRecord.organisation_id == org))
        await recount(session, org)


async def seed(database: Database, *, entries: int, action_entries: int) -> World:
    now = datetime.now(UTC)
    async with database.write() as session:
        main, _ = await _tenant(session, "bench-main")
        await _window(session, main, entries, now)
    others = []
    for n in range(SMALL_ORGS):
        async with database.write() as session:
            small, _ = await _tenant(session, f"bench-other-{n}")
            await _window(session, small, SMALL_ORG_ENTRIES, now)
            others.append(small)
    async with database.write() as session:
        actions, _ = await _tenant(session, "bench-actions")
        await _actions(session, actions, action_entries, now)
        ingest, _ = await _tenant(session, "bench-ingest")
    # Planner statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE
    # (SQLite) would have them in production: bulk-loaded tables without
    # them get plans for empty tables.
    async with database.write_engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    return World(main, actions, ingest, entries, action_entries, tuple(others))
