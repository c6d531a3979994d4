"""Migrations keep the data they find.

On SQLite, altering a column recreates its table (Alembic's batch mode):
with foreign keys on, dropping the old table would run its ON DELETE
actions and wipe or orphan every row that refers to it. This upgrades a
database holding such rows from the revision before the change, on the
test backend (a scratch PostgreSQL database beside ``TEST_DATABASE_URL``'s).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from service.settings import REPO_ROOT, _normalise_database_url
from tests.conftest import DATABASE_URL

# Before this round's migrations (organisation settings, unknown enrollment types).
BEFORE_UNKNOWN_TYPES = "0003"
# Before the CHECK constraints on stored statuses.
BEFORE_STATUS_CHECKS = "0006_audit_scope"

ROWS = [
    "INSERT INTO organisations (id, slug, name, portal_key_hash, drop_notice_days, "
    "punch_pass_enrollments, activity_seq, created_at) "
    "VALUES (1, 'org', 'Org', 'hash', 30, true, 1, '2030-01-01 00:00:00')",
    "INSERT INTO locations (id, organisation_id, external_id, name) VALUES (1, 1, 'l', 'L')",
    "INSERT INTO families (id, organisation_id, external_id, name, email_opt_in, suspended, "
    "notes) VALUES (1, 1, 'f', 'F', true, false, '')",
    "INSERT INTO students (id, organisation_id, family_id, external_id, first_name, last_name) "
    "VALUES (1, 1, 1, 's', 'Ann', 'Lee')",
    "INSERT INTO classes (id, organisation_id, location_id, external_id, name) "
    "VALUES (1, 1, 1, 'c', 'Swim')",
    "INSERT INTO enrollments (id, organisation_id, external_id, student_id, class_id, type, "
    "status, punch_pass, created_at) VALUES (1, 1, 'e', 1, 1, 'TRIAL', 'ACTIVE', false, "
    "'2030-01-01 00:00:00')",
    "INSERT INTO enrollments (id, organisation_id, external_id, student_id, class_id, type, "
    "status, punch_pass, created_at, transferred_from_id) VALUES (2, 1, 'e2', 1, 1, "
    "'STANDARD', 'ACTIVE', false, '2030-01-01 00:00:00', 1)",
    "INSERT INTO enrollment_notes (id, enrollment_id, text, created_at) "
    "VALUES (1, 1, 'note', '2030-01-01 00:00:00')",
    "INSERT INTO absences (id, organisation_id, external_id, enrollment_id, absence_date, "
    "status) VALUES (1, 1, 'a', 1, '2030-02-01', 'REQUESTED')",
    "INSERT INTO activity_entries (id, organisation_id, sequence, type, status, occurred_at, "
    "recorded_at, has_notes, details, version, updated_seq, enrollment_id, absence_id) "
    "VALUES (1, 1, 1, 'ABSENCE', 'PENDING', '2030-01-01 00:00:00', '2030-01-01 00:00:00', "
    "false, '{}', 1, 1, 1, 1)",
]

KEPT = {
    "SELECT count(*) FROM enrollments": 2,
    "SELECT count(*) FROM enrollment_notes WHERE enrollment_id = 1": 1,
    "SELECT count(*) FROM absences WHERE enrollment_id = 1": 1,
    "SELECT count(*) FROM activity_entries WHERE enrollment_id = 1 AND absence_id = 1": 1,
    "SELECT count(*) FROM enrollments WHERE id = 2 AND transferred_from_id = 1": 1,
    "SELECT count(*) FROM enrollments WHERE id = 1 AND type = 'TRIAL'": 1,
}


def _alembic(url: str, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


async def _execute(url: str, statements: list[str], *, autocommit: bool = False) -> list[int]:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT") if autocommit else None
    engine = engine or create_async_engine(url)
    try:
        async with engine.begin() as connection:
            if url.startswith("sqlite"):
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            results = []
            for statement in statements:
                result = await connection.execute(text(statement))
                results.append(int(result.scalar() or 0) if result.returns_rows else 0)
            return results
    finally:
        await engine.dispose()


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the test backend's kind."""
    if not DATABASE_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    base = make_url(_normalise_database_url(DATABASE_URL))
    name = f"{base.database}_migrate_{uuid.uuid4().hex[:8]}"
    admin = base.render_as_string(hide_password=False)
    asyncio.run(_execute(admin, [f'CREATE DATABASE "{name}"'], autocommit=True))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(
            _execute(admin, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], autocommit=True)
        )


def test_upgrading_keeps_the_rows_that_refer_to_an_altered_table(scratch_url: str) -> None:
    # given a database at the revision before enrollment types could be unknown,
    # holding an enrollment that notes, absences, entries and a transfer refer to
    _alembic(scratch_url, "upgrade", BEFORE_UNKNOWN_TYPES)
    asyncio.run(_execute(scratch_url, ROWS))

    # when it is upgraded to the newest revision
    _alembic(scratch_url, "upgrade", "head")

    # then every row is still there, still linked
    counts = asyncio.run(_execute(scratch_url, list(KEPT)))
    assert dict(zip(KEPT, counts, strict=True)) == KEPT
    # and an enrollment may now be of unknown type
    asyncio.run(
        _execute(
            scratch_url,
            [
                "INSERT INTO enrollments (id, organisation_id, external_id, student_id, "
                "class_id, type, status, punch_pass, created_at) VALUES (3, 1, 'e3', 1, 1, "
                "NULL, 'ACTIVE', false, '2030-01-01 00:00:00')"
            ],
        )
    )


def test_status_checks_downgrade_and_upgrade_again_keeping_every_row(scratch_url: str) -> None:
    # given a database holding linked rows, upgraded to the newest revision
    _alembic(scratch_url, "upgrade", BEFORE_UNKNOWN_TYPES)
    asyncio.run(_execute(scratch_url, ROWS))
    _alembic(scratch_url, "upgrade", "head")

    # when the status checks are taken off, and put back
    _alembic(scratch_url, "downgrade", BEFORE_STATUS_CHECKS)
    kept_after_downgrade = asyncio.run(_execute(scratch_url, list(KEPT)))
    _alembic(scratch_url, "upgrade", "head")

    # then every row is still there, still linked, both times
    assert dict(zip(KEPT, kept_after_downgrade, strict=True)) == KEPT
    counts = asyncio.run(_execute(scratch_url, list(KEPT)))
    assert dict(zip(KEPT, counts, strict=True)) == KEPT
    # and the database refuses an unknown status again
    with pytest.raises(IntegrityError):
        asyncio.run(_execute(scratch_url, ["UPDATE enrollments SET status = 'ENROLLED'"]))
