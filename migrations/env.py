"""Alembic environment: runs migrations over the async engine of our settings."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from models import Base
from models.db import Database
from service.settings import Settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url")
    return str(url) if url else Settings.from_env().database_url


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Set before the transaction begins (SQLite ignores it inside one),
    on the driver's connection so no BEGIN is sent first."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode recreates a table to alter a column; with foreign keys
        # on, dropping the old table would cascade its ON DELETE actions to
        # every row that refers to it (SQLite's documented ALTER procedure).
        _sqlite_foreign_keys(connection, on=False)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migrations left broken foreign keys: {broken[:10]}")
    if sqlite:
        _sqlite_foreign_keys(connection, on=True)


async def _run_online() -> None:
    database = Database(_url())
    try:
        async with database.write_engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await database.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
