"""The audit log: every decision on the window, kept for two years.

"Online Activity data is accessible for a maximum of 90 days from the Online
Activity window. However, Online Activity data (whether approved, denied, or
dismissed) can be accessed through the iClassPro Audit Log for up to two
years." Each record keeps who, when, what, and the entry as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    Table,
    Text,
    and_,
    case,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cursors import KeysetCursor, PageErrorCode, decode, encode_keyset
from domain.errors import ErrorCode, InvalidRequest, Problem
from domain.listed import Listed
from domain.viewer import Viewer
from domain.vocabulary import AUDIT_RETENTION_DAYS, MAX_PAGE_SIZE, ActivityType
from models import ActivityEntry, AuditRecord, AuditRecordLocation
from models.base import UTCDateTime
from models.statuses import AuditScope as AuditScope


class AuditErrorCode(ErrorCode):
    """The audit log's area: refused filters."""

    CONTRADICTORY_FILTER = "CONTRADICTORY_FILTER", "`from` is after `to`."
    EMPTY_FILTER = "EMPTY_FILTER", "A filter list names nothing."
    NOT_FOUND = "NOT_FOUND", "No such staff member."


class AuditAction(StrEnum):
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    DISMISSED = "DISMISSED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"
    REVIEWED = "REVIEWED"
    EMAILED = "EMAILED"
    SUSPENDED = "SUSPENDED"
    # A change to the organisation's settings (no entry; the snapshot holds
    # each changed setting's value before and after).
    SETTINGS_CHANGED = "SETTINGS_CHANGED"
    # An operator's acts from the command line (service/administration.py).
    ORG_CREATED = "ORG_CREATED"
    DEACTIVATED = "DEACTIVATED"  # a staff member
    TOKEN_REVOKED = "TOKEN_REVOKED"
    KEY_ROTATED = "KEY_ROTATED"  # the organisation's portal key


SNAPSHOT_FIELDS = (
    "type",
    "status",
    "sequence",
    "version",
    "occurred_at",
    "location_id",
    "family_id",
    "student_id",
    "notes",
    "details",
    "enrollment_id",
    "appointment_id",
    "absence_id",
    "order_id",
    "payment_id",
)


def entry_snapshot(row: ActivityEntry) -> dict[str, Any]:
    """The entry's facts as they are now: what the family sent and its state."""
    # The loaded values, read without the instrumented attributes' overhead
    # (a mass action snapshots thousands of entries); an expired or partly
    # loaded object is read through its attributes.
    loaded = row.__dict__
    try:
        snapshot = {"entry_id": loaded["id"]}
        for name in SNAPSHOT_FIELDS:
            snapshot[name] = loaded[name]
    except KeyError:
        snapshot = {"entry_id": row.id}
        for name in SNAPSHOT_FIELDS:
            snapshot[name] = getattr(row, name)
    snapshot["occurred_at"] = snapshot["occurred_at"].isoformat()
    return snapshot


def entry_record(
    row: ActivityEntry,
    action: AuditAction,
    *,
    viewer: Viewer | None,
    at: datetime,
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit row for a decision on one entry (``viewer`` None: the system)."""
    snapshot = entry_snapshot(row)
    if extra:
        snapshot.update(extra)
    return {
        "organisation_id": row.organisation_id,
        "action": action.value,
        "entry_id": row.id,
        "entry_type": row.type,
        "location_id": row.location_id,
        "location_scope": AuditScope.LOCATION.value,
        "staff_id": viewer.staff_id if viewer else None,
        "staff_name": viewer.name if viewer else None,
        "at": at,
        "reason": reason,
        "snapshot": snapshot,
    }


async def write(session: AsyncSession, records: Sequence[dict[str, Any]]) -> None:
    """Insert audit rows set-based: one Core executemany per distinct set of
    keys (one in practice). Core, not the ORM's bulk insert, which spends
    ~20 us per row sorting out mapped attributes (a mass action writes
    thousands)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(tuple(record), []).append(record)
    for group in groups.values():
        await session.execute(insert(cast(Table, AuditRecord.__table__)), group)


def _iso_utc(dialect: str, column: ColumnElement[Any]) -> ColumnElement[str]:
    """``datetime.isoformat()`` of a UTC timestamp column, in SQL: no
    fraction when the microseconds are 0, else six digits, then ``+00:00``.
    SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC)."""
    if dialect == "postgresql":
        utc = column.op("AT TIME ZONE")(literal_column("'UTC'"))
        micros = func.to_char(utc, literal_column("'US'"), type_=String)
        seconds = func.to_char(utc, literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS'"), type_=String)
        fraction = case((micros == "000000", ""), else_=literal_column("'.'").concat(micros))
        return seconds.concat(fraction).concat(literal_column("'+00:00'"))
    whole = case(
        (func.substr(column, 20) == ".000000", func.substr(column, 1, 19, type_=String)),
        else_=column,
    )
    return func.replace(whole, " ", "T", type_=String).concat(literal_column("'+00:00'"))


def snapshot_sql(dialect: str) -> ColumnElement[Any]:
    """``entry_snapshot`` computed by the database from the stored row: the
    same keys and values (``jsonb_build_object`` on PostgreSQL,
    ``json_object`` on SQLite), so a mass action builds no Python object per
    entry."""
    entry = cast(Table, ActivityEntry.__table__)
    arguments: list[ColumnElement[Any]] = [literal_column("'entry_id'"), entry.c.id]
    for name in SNAPSHOT_FIELDS:
        value: ColumnElement[Any] = entry.c[name]
        if name == "occurred_at":
            value = _iso_utc(dialect, value)
        elif name == "details" and dialect != "postgresql":
            value = func.json(value)
        arguments += [literal_column(f"'{name}'"), value]
    if dialect == "postgresql":
        return func.jsonb_build_object(*arguments)
    return func.json_object(*arguments)


async def write_listed(
    session: AsyncSession,
    listed: Listed,
    action: AuditAction,
    *,
    viewer: Viewer | None,
    at: datetime,
    reason: str | None = None,
) -> None:
    """One audit row per listed entry, as ``entry_record`` would build it,
    written by one ``INSERT ... SELECT`` in list order. Call it before the
    entries change: the snapshot is the entry as it was."""
    dialect = session.get_bind().dialect.name
    entry = cast(Table, ActivityEntry.__table__)
    rows = (
        select(
            entry.c.organisation_id,
            literal(action.value, String),
            entry.c.id,
            entry.c.type,
            entry.c.location_id,
            literal(AuditScope.LOCATION.value, String),
            literal(viewer.staff_id if viewer else None, BigInteger),
            literal(viewer.name if viewer else None, String),
            literal(at, UTCDateTime),
            literal(reason, Text),
            snapshot_sql(dialect),
        )
        .select_from(listed.table)
        .join(entry, entry.c.id == listed.id)
        .order_by(listed.position)
    )
    await session.execute(
        insert(cast(Table, AuditRecord.__table__)).from_select(
            [
                "organisation_id",
                "action",
                "entry_id",
                "entry_type",
                "location_id",
                "location_scope",
                "staff_id",
                "staff_name",
                "at",
                "reason",
                "snapshot",
            ],
            rows,
        )
    )


@dataclass(frozen=True)
class Touched:
    """The locations a record's subject touches (a family: those of its
    entries); ``placed`` False when nothing places it anywhere."""

    locations: frozenset[int]
    placed: bool = True

    def columns(self) -> dict[str, Any]:
        """The record's ``location_id`` and ``location_scope``."""
        if not self.placed:
            return {"location_id": None, "location_scope": AuditScope.ORGANISATION.value}
        if len(self.locations) > 1:
            return {"location_id": None, "location_scope": AuditScope.LOCATIONS.value}
        only = next(iter(self.locations), None)
        return {"location_id": only, "location_scope": AuditScope.LOCATION.value}

    def visible_to(self, viewer: Viewer) -> bool:
        """What ``audit_visible_to`` decides for a record with these columns."""
        if viewer.location_ids is None:
            return True
        return self.placed and self.locations <= viewer.location_ids


async def write_touching(
    session: AsyncSession, records: Sequence[tuple[dict[str, Any], Touched]]
) -> None:
    """Insert records about subjects that are not one entry (a family),
    each scoped by the locations it touches; several get them listed."""
    single: list[dict[str, Any]] = []
    for record, touched in records:
        scoped = {**record, **touched.columns()}
        if scoped["location_scope"] != AuditScope.LOCATIONS.value:
            single.append(scoped)
            continue
        record_id = await session.scalar(
            insert(cast(Table, AuditRecord.__table__)).values(scoped).returning(AuditRecord.id)
        )
        await session.execute(
            insert(cast(Table, AuditRecordLocation.__table__)),
            [{"record_id": record_id, "location_id": i} for i in sorted(touched.locations)],
        )
    await write(session, single)


def audit_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=AUDIT_RETENTION_DAYS)


@dataclass(frozen=True)
class AuditFilter:
    actions: frozenset[AuditAction] | None = None
    entry_types: frozenset[ActivityType] | None = None
    staff_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def validate(self, field: tuple[str, ...] = ("filter",)) -> None:
        problems = []
        if self.since and self.until and self.since > self.until:
            problems.append(
                Problem(AuditErrorCode.CONTRADICTORY_FILTER, "from is after to", (*field, "from"))
            )
        for name, chosen in (("action", self.actions), ("entryType", self.entry_types)):
            if chosen is not None and not chosen:
                problems.append(
                    Problem(AuditErrorCode.EMPTY_FILTER, f"{name} names nothing", (*field, name))
                )
        if problems:
            raise InvalidRequest(problems)


@dataclass(frozen=True)
class AuditPage:
    records: list[AuditRecord]
    has_next_page: bool

    @staticmethod
    def cursor(record: AuditRecord) -> str:
        return encode_keyset(record.at, record.id)


def audit_visible_to(viewer: Viewer, now: datetime) -> list[ColumnElement[bool]]:
    """The viewer's organisation and locations, for the two years kept: a
    location-limited viewer reads a record only if every location its
    subject touches is theirs (``AuditScope``), never an organisation-wide one."""
    conditions: list[ColumnElement[bool]] = [
        AuditRecord.organisation_id == viewer.organisation_id,
        AuditRecord.at >= audit_cutoff(now),
    ]
    if viewer.location_ids is not None:
        seen = sorted(viewer.location_ids)
        unseen = (
            select(AuditRecordLocation.record_id)
            .where(
                AuditRecordLocation.record_id == AuditRecord.id,
                AuditRecordLocation.location_id.not_in(seen),
            )
            .exists()
        )
        conditions.append(
            or_(
                and_(
                    AuditRecord.location_scope == AuditScope.LOCATION.value,
                    or_(AuditRecord.location_id.is_(None), AuditRecord.location_id.in_(seen)),
                ),
                and_(AuditRecord.location_scope == AuditScope.LOCATIONS.value, ~unseen),
            )
        )
    return conditions


async def fetch_audit_page(
    session: AsyncSession,
    viewer: Viewer,
    audit_filter: AuditFilter,
    *,
    first: int,
    after: str | None,
    now: datetime,
) -> AuditPage:
    """Newest first, keyset-paged on (at, id)."""
    audit_filter.validate()
    if first < 0 or first > MAX_PAGE_SIZE:
        raise InvalidRequest.one(
            PageErrorCode.INVALID_PAGE_SIZE, f"first must be between 0 and {MAX_PAGE_SIZE}", "first"
        )
    conditions = audit_visible_to(viewer, now)
    if audit_filter.actions is not None:
        conditions.append(AuditRecord.action.in_(sorted(audit_filter.actions)))
    if audit_filter.entry_types is not None:
        conditions.append(AuditRecord.entry_type.in_(sorted(audit_filter.entry_types)))
    if audit_filter.staff_id is not None:
        conditions.append(AuditRecord.staff_id == audit_filter.staff_id)
    if audit_filter.since is not None:
        conditions.append(AuditRecord.at >= audit_filter.since)
    if audit_filter.until is not None:
        conditions.append(AuditRecord.at <= audit_filter.until)
    if after is not None:
        cursor = decode(after, field="after")
        if not isinstance(cursor, KeysetCursor):
            raise InvalidRequest.one(
                PageErrorCode.INVALID_CURSOR, "'after' is not a cursor of this list", "after"
            )
        conditions.append(
            tuple_(AuditRecord.at, AuditRecord.id) < (cursor.occurred_at, cursor.entry_id)
        )
    rows = list(
        await session.scalars(
            select(AuditRecord)
            .where(*conditions)
            .order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
            .limit(first + 1)
        )
    )
    return AuditPage(records=rows[:first], has_next_page=len(rows) > first)
