"""Memory a burst of load took is given back once the process is quiet again.

Issue 10: "one process grows from 98 MB to 498 MB and keeps it"; after the
load, RSS must come "back within 20% of its start". The queues are bounded,
but what a burst allocates is freed into CPython's generations and the C
allocator, neither of which hands it back by itself: the collector waits
for enough new allocations (``service.app.tune_gc`` makes that rare on
purpose) and glibc keeps freed heap for reuse. So every ``interval``
seconds this checks the process's resident size; when it has grown by more
than ``GROWTH`` since the last look and the process is quiet (``quiet``: a
second in which it used under ``QUIET_CPU`` of a core and its loop ran on
time), it runs one full collection and asks glibc to return free memory
(``malloc_trim``). A busy process is left alone: the pause would hit work.
How long that pause is grows with what the process holds, not with what it
does: with 3,000 sockets a process, 0.5-1.0 s (``bench.orgs``), so an
on-time loop alone is no sign of quiet (at 20 events and 50 reads a second
over 2,000 organisations the loop is on time, the process busy ~45 % of a
core, and these collections were the tail of every figure there).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import os
import time
from collections.abc import Callable
from typing import Final

from subscriptions.pacing import LAG_BOUND, loop_lag

logger = logging.getLogger(__name__)

GROWTH: Final = 1.1
QUIET_LAG: Final = LAG_BOUND  # the loop is on time: live work is not deferred
# Share of one core a quiet process uses: idle sockets cost next to nothing
# (uvicorn's keepalive pings to 3,000 sockets every 20 s), one window read
# about 12 ms.
QUIET_CPU: Final = 0.05
QUIET_LOOK: Final = 1.0  # seconds one look at whether the process is quiet lasts
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """This process's RSS (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _malloc_trim() -> Callable[[], None]:
    """glibc's ``malloc_trim(0)``, or nothing where there is none."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        trim = None

    def run() -> None:
        if trim is not None:
            trim(0)

    return run


async def quiet(seconds: float = QUIET_LOOK) -> bool:
    """Whether this process stays quiet for the next ``seconds``: under
    ``QUIET_CPU`` of a core (every thread counted: aiosqlite's too) and its
    event loop on time at the end."""
    lag = loop_lag()
    started_cpu, started = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    used = time.process_time() - started_cpu
    return used <= QUIET_CPU * (time.monotonic() - started) and lag.late <= QUIET_LAG


async def give_back_memory(interval: float) -> None:
    """Run until cancelled (``Services.start``)."""
    trim = _malloc_trim()
    settled = resident_bytes()
    while True:
        await asyncio.sleep(interval)
        now = resident_bytes()
        if now <= settled * GROWTH:
            settled = min(settled, now) if now else settled
            continue
        if not await quiet(min(interval, QUIET_LOOK)):
            continue
        gc.collect()
        trim()
        settled = resident_bytes()
        logger.info("gave memory back: %.0f -> %.0f MiB", now / 2**20, settled / 2**20)
