"""A process gives memory back only once it is quiet (``service.memory``).

A full collection pauses the process for as long as it takes to walk
everything it holds (0.5-1.0 s with 3,000 sockets): run under load, it is
the tail of every request and event, so a busy process is left alone
however much it grew, and a quiet one gives back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import pytest

from service.memory import give_back_memory, quiet, resident_bytes


@pytest.fixture
def busy() -> Iterator[threading.Event]:
    """A thread of this process using a core until the event is set."""
    stop = threading.Event()

    def burn() -> None:
        while not stop.is_set():
            pass

    thread = threading.Thread(target=burn, daemon=True)
    thread.start()
    yield stop
    stop.set()
    thread.join()


def _gave_back(caplog: pytest.LogCaptureFixture) -> bool:
    return any("gave memory back" in r.getMessage() for r in caplog.records)


async def test_a_process_using_a_core_is_not_quiet(busy: threading.Event) -> None:
    assert not await quiet(0.3)


async def test_an_idle_process_is_quiet() -> None:
    assert await quiet(0.3)


async def test_grown_memory_is_given_back_once_the_work_stops(
    caplog: pytest.LogCaptureFixture, busy: threading.Event
) -> None:
    # Given a process that grew by a quarter while busy
    caplog.set_level(logging.INFO, logger="service.memory")
    checking = asyncio.create_task(give_back_memory(0.2))
    try:
        await asyncio.sleep(0.05)  # (it has taken the size it started at)
        ballast = b"x" * (resident_bytes() // 4)
        # When it stays busy, it keeps what it holds: no collection under load
        await asyncio.sleep(1.5)
        assert not _gave_back(caplog)
        # and once the work stops, it gives back
        busy.set()
        for _ in range(50):
            if _gave_back(caplog):
                break
            await asyncio.sleep(0.1)
        assert _gave_back(caplog)
        del ballast
    finally:
        checking.cancel()
