"""Which entries a staff action applies to: the checked ones, or all matching
the window's filter up to what the staff member has seen.

"The Approve, E-mail, and Dismiss buttons all work by using the checkboxes on
the left side of the screen next to each notification ... (or use the check
all box)". "If the Online Activity entries are filtered, any mass actions
taken on them will apply ONLY to the filtered entries."

Rows are read ``FOR UPDATE`` (in id order, so concurrent actions lock in the
same order): a second staff member acting on the same entry waits, then sees
it already processed. SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.facts import EntryFacts
from domain.actions.outcome import Code, ItemResult, Refusal, refused
from domain.errors import ErrorCode, InvalidRequest, Problem
from domain.lock_order import entries_superseded_by_approving
from domain.viewer import Viewer
from domain.vocabulary import ActivityType
from domain.window import WindowFilter, selection, visible_to, window_cutoff
from models import ActivityEntry

# Checked ids per request: a page holds at most 100, so this is generous.
MAX_IDS = 500
# Entries one "all matching the filter" action may cover.
MAX_SELECTION = 5000


class SelectionErrorCode(ErrorCode):
    """The selection's area: which entries an action or an email applies to."""

    INVALID_SELECTION = (
        "INVALID_SELECTION",
        "Give either `ids` or `all` (not both, not neither), and at least one id.",
    )
    TOO_MANY_IDS = "TOO_MANY_IDS", "More ids than one request may name."
    WATERMARK_REQUIRED = (
        "WATERMARK_REQUIRED",
        "An `all` selection needs the `sequence` of the window page acted from.",
    )
    INVALID_WATERMARK = "INVALID_WATERMARK", "The watermark cannot be negative."
    SELECTION_TOO_LARGE = (
        "SELECTION_TOO_LARGE",
        "More entries match `all` than one request may act on; narrow the filter.",
    )


@dataclass(frozen=True)
class EntryRef:
    """An id as the caller gave it; ``entry_id``/``type`` are None when it
    does not parse (such an id is simply not found)."""

    raw: str
    entry_id: int | None
    type: ActivityType | None


@dataclass(frozen=True)
class Selection:
    refs: tuple[EntryRef, ...] | None = None
    window_filter: WindowFilter | None = None
    # The highest sequence number the staff member has seen: entries recorded
    # after it arrived while they looked and are never acted on unseen.
    watermark: int | None = None

    @property
    def explicit(self) -> bool:
        return self.refs is not None

    def validate(self, field: tuple[str, ...] = ("input",)) -> None:
        problems: list[Problem] = []
        if (self.refs is None) == (self.window_filter is None):
            problems.append(
                Problem(
                    SelectionErrorCode.INVALID_SELECTION,
                    "give either ids (the checked entries) or all (every entry matching "
                    "a filter), not both and not neither",
                    field,
                )
            )
        if self.refs is not None and not self.refs:
            problems.append(
                Problem(
                    SelectionErrorCode.INVALID_SELECTION,
                    "check at least one entry",
                    (*field, "ids"),
                )
            )
        if self.refs is not None and len(self.refs) > MAX_IDS:
            problems.append(
                Problem(
                    SelectionErrorCode.TOO_MANY_IDS,
                    f"{len(self.refs)} ids given; at most {MAX_IDS} per request",
                    (*field, "ids"),
                )
            )
        if self.window_filter is not None and self.watermark is None:
            # Never act on entries the staff member has not seen: without the
            # sequence their page was read at, "all" would take in whatever
            # arrived since.
            problems.append(
                Problem(
                    SelectionErrorCode.WATERMARK_REQUIRED,
                    "an `all` selection needs the watermark: the `sequence` of the window "
                    "page you acted from, so entries that arrived since are left alone",
                    (*field, "watermark"),
                )
            )
        if self.watermark is not None and self.watermark < 0:
            problems.append(
                Problem(
                    SelectionErrorCode.INVALID_WATERMARK,
                    "watermark cannot be negative",
                    (*field, "watermark"),
                )
            )
        if problems:
            raise InvalidRequest(problems)
        if self.window_filter is not None:
            self.window_filter.validate(field=(*field, "all"))


R = TypeVar("R", ActivityEntry, EntryFacts)


class Target(NamedTuple, Generic[R]):
    """One selected item: the id given (if any) and the entry it names, or
    None when the viewer cannot see such an entry (foreign or unknown alike)."""

    ref: str | None
    row: R | None
    explicit: bool


def _unique(refs: Sequence[EntryRef]) -> list[EntryRef]:
    seen: set[str] = set()
    unique = []
    for ref in refs:
        if ref.raw not in seen:
            seen.add(ref.raw)
            unique.append(ref)
    return unique


def _explicit(
    refs: Sequence[EntryRef], viewer: Viewer, now: datetime
) -> tuple[list[EntryRef], ColumnElement[bool]]:
    unique = _unique(refs)
    ids = sorted({r.entry_id for r in unique if r.entry_id is not None})
    condition = (
        ActivityEntry.id.in_(ids)
        & visible_to(viewer)
        & (ActivityEntry.occurred_at >= window_cutoff(now))
    )
    return unique, condition


def _by_filter(viewer: Viewer, chosen: Selection, now: datetime) -> ColumnElement[bool]:
    assert chosen.window_filter is not None
    condition = selection(viewer, chosen.window_filter, now)
    if chosen.watermark is not None:
        condition = condition & (ActivityEntry.sequence <= chosen.watermark)
    return condition


def _named(refs: Sequence[EntryRef], rows: dict[int, R]) -> list[Target[R]]:
    targets: list[Target[R]] = []
    for ref in refs:
        row = rows.get(ref.entry_id) if ref.entry_id is not None else None
        if row is not None and ref.type is not None and row.type != ref.type.value:
            row = None
        targets.append(Target(ref.raw, row, True))
    return targets


def _capped(found: Sequence[object], field: tuple[str, ...]) -> None:
    if len(found) > MAX_SELECTION:
        raise InvalidRequest.one(
            SelectionErrorCode.SELECTION_TOO_LARGE,
            f"more than {MAX_SELECTION} entries match; narrow the filter",
            *field,
            "all",
        )


async def resolve(
    session: AsyncSession,
    viewer: Viewer,
    chosen: Selection,
    now: datetime,
    *,
    lock: bool = True,
    field: tuple[str, ...] = ("input",),
) -> list[Target[ActivityEntry]]:
    """The selected entries, oldest first for a filter, in the given order for ids."""
    if chosen.refs is not None:
        refs, condition = _explicit(chosen.refs, viewer, now)
    else:
        condition = _by_filter(viewer, chosen, now)
    query = (
        select(ActivityEntry)
        .where(condition)
        .order_by(ActivityEntry.id)
        .execution_options(populate_existing=True)
    )
    if chosen.refs is not None:
        found = await session.scalars(query.with_for_update() if lock else query)
        return _named(refs, {r.id: r for r in found})
    query = query.limit(MAX_SELECTION + 1)
    rows = list(await session.scalars(query.with_for_update() if lock else query))
    _capped(rows, field)
    rows.sort(key=lambda r: (r.occurred_at, r.id))
    return [Target(None, row, False) for row in rows]


class Picked(NamedTuple):
    """The selected entries' facts in selection order (None: not visible);
    ``refs`` the ids as given, item by item, or None for a filter."""

    rows: list[EntryFacts | None]
    refs: list[str] | None

    def ref(self, index: int) -> str | None:
        return None if self.refs is None else self.refs[index]


async def resolve_facts(
    session: AsyncSession,
    viewer: Viewer,
    chosen: Selection,
    now: datetime,
    *,
    field: tuple[str, ...] = ("input",),
    approving: bool = False,
) -> Picked:
    """``resolve`` for the set-based actions: the same entries in the same
    order, locked the same way, read as ``EntryFacts`` (the few columns the
    rules look at) rather than as loaded entries.

    ``approving`` also locks, in the same id-ordered statement, the entries
    the approval will supersede (``domain.lock_order``, step 2): locked
    after the selection, they deadlocked a concurrent approval holding them
    and waiting for one of the selection."""
    if chosen.refs is not None:
        refs, condition = _explicit(chosen.refs, viewer, now)
    else:
        condition = _by_filter(viewer, chosen, now)
    superseded = (
        await entries_superseded_by_approving(session, viewer.organisation_id, condition)
        if approving
        else []
    )
    if superseded:
        # One statement locks both, in id order; ``selected`` tells them apart.
        query = select(*EntryFacts.columns(), condition.label("selected")).where(
            or_(condition, ActivityEntry.id.in_(superseded))
        )
    else:
        query = select(*EntryFacts.columns(), true().label("selected")).where(condition)
    query = query.order_by(ActivityEntry.id).with_for_update()
    if chosen.refs is None:
        query = query.limit(MAX_SELECTION + 1 + len(superseded))
    rows = [EntryFacts._make(r[:-1]) for r in await session.execute(query) if r[-1]]
    if chosen.refs is not None:
        named = _named(refs, {r.id: r for r in rows})
        return Picked([t.row for t in named], [ref.raw for ref in refs])
    _capped(rows, field)
    rows.sort(key=EntryFacts.age)
    return Picked(list[EntryFacts | None](rows), None)


_NOT_FOUND = Refusal(Code.NOT_FOUND, "no such entry in the window")


def common_refusal(
    target: Target[ActivityEntry] | Target[EntryFacts],
    viewer: Viewer,
    *,
    expected_version: int | None = None,
) -> Refusal | None:
    """The checks every action makes of every item, before its own rules.

    An entry of another organisation, or of a location the viewer does not
    see, is NOT_FOUND exactly like an unknown id. Acting needs "full
    permissions to the [task] to approve/deny" the entry's type.
    """
    row = target.row
    if row is None:
        return _NOT_FOUND
    if not viewer.can_act_on(ActivityType(row.type)):
        return Refusal(
            Code.ACCESS_DENIED,
            f"needs full permission on Manage Online Activity and on the task "
            f"behind {row.type} entries",
        )
    if row.resolution is not None:
        return Refusal(Code.ALREADY_PROCESSED, f"this entry was already {row.resolution.lower()}")
    if expected_version is not None and row.version != expected_version:
        return Refusal(
            Code.VERSION_CONFLICT,
            f"the entry changed since you loaded it (version {row.version}, "
            f"you had {expected_version}); reload it",
            ("expectedVersion",),
        )
    return None


# The facts an action's checks may read: ``common_refusal`` and the action's
# own rule (``dismiss_refusal``, ``not_pending``) decide alike for entries
# that agree on these, so each distinct combination is checked once.
def _verdict_key(row: EntryFacts, versioned: bool) -> tuple[object, ...]:
    return (
        row.type,
        row.status,
        row.resolution,
        row.reviewed_at is None,
        row.version if versioned else None,
    )


def sort_out(
    picked: Picked,
    viewer: Viewer,
    rule: Callable[[EntryFacts], Refusal | None],
    *,
    expected_version: int | None = None,
) -> tuple[list[ItemResult | None], list[int], list[EntryFacts]]:
    """Each picked entry refused (its result in place) or accepted (its
    index, and its facts, in selection order): ``common_refusal``, then
    ``rule``, which may read only the type, status and review of an entry."""
    results: list[ItemResult | None] = [None] * len(picked.rows)
    indices: list[int] = []
    accepted: list[EntryFacts] = []
    verdicts: dict[tuple[object, ...], Refusal | None] = {}
    versioned = expected_version is not None
    explicit = picked.refs is not None
    for index, row in enumerate(picked.rows):
        if row is None:
            results[index] = refused(picked.ref(index), None, _NOT_FOUND, explicit=explicit)
            continue
        key = _verdict_key(row, versioned)
        if key in verdicts:
            refusal = verdicts[key]
        else:
            target = Target(picked.ref(index), row, explicit)
            refusal = common_refusal(target, viewer, expected_version=expected_version)
            if refusal is None:
                refusal = rule(row)
            verdicts[key] = refusal
        if refusal is None:
            indices.append(index)
            accepted.append(row)
        else:
            results[index] = refused(picked.ref(index), row, refusal, explicit=explicit)
    return results, indices, accepted
