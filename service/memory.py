"""Memory a burst of load took is given back once the process is quiet again.

Issue 10: "one process grows from 98 MB to 498 MB and keeps it"; after the
load, RSS must come "back within 20% of its start". The queues are bounded,
but what a burst allocates is freed into CPython's generations and the C
allocator, neither of which hands it back by itself: the collector waits
for enough new allocations (``service.app.tune_gc`` makes that rare on
purpose) and glibc keeps freed heap for reuse. So every ``interval`` seconds
this checks the process's resident size; when it has grown by more than
``GROWTH`` since the last look and the event loop is quiet (nobody waits for
it), it runs one full collection and asks glibc to return free memory
(``malloc_trim``). A busy process is left alone: the pause would hit work.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import os
from collections.abc import Callable
from typing import Final

from subscriptions.pacing import LAG_BOUND, loop_lag

logger = logging.getLogger(__name__)

GROWTH: Final = 1.1
QUIET_LAG: Final = LAG_BOUND  # the loop is on time: live work is not deferred
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


async def give_back_memory(interval: float) -> None:
    """Run until cancelled (``Services.start``)."""
    trim = _malloc_trim()
    lag = loop_lag()
    settled = resident_bytes()
    while True:
        await asyncio.sleep(interval)
        now = resident_bytes()
        if now <= settled * GROWTH or lag.late > QUIET_LAG:
            settled = min(settled, now) if now else settled
            continue
        gc.collect()
        trim()
        settled = resident_bytes()
        logger.info("gave memory back: %.0f -> %.0f MiB", now / 2**20, settled / 2**20)
