"""Garbage-collector tuning for a long-running server process.

What it buys (BENCHMARKS.md, third pass, measured by ``make bench``): in a
3-second fan-out burst to 200 subscribers CPython's default thresholds ran
the collector ~560 times, ~740 ms, about a quarter of the server's time
(py-spy showed it under ``asyncio.shield``, whose allocations triggered
it); tuned: 29 ms, and figure 1's throughput went from 0.57x / 0.61x to
0.81x / 0.71x of its baseline (a baseline without the tuning; since the
eighth pass of ``bench/FIXES.md`` every baseline has it too).

What it does not change: what the program computes. Reference counting
still frees almost every object at once, and cyclic garbage is still
reclaimed (full collections keep CPython's rule), only later:
``tests/test_gc_tuning.py`` checks that a tuned process reclaims the same
cycles as a plain one.
"""

from __future__ import annotations

import gc

# A young collection every 10,000 net allocations instead of 700, a middle
# one every 20 of those; full collections keep CPython's rule (every 10
# middle ones, and only once the long-lived objects grew by a quarter), so
# cyclic garbage that outlives a request is still reclaimed.
#
# Not more: a window request leaves ~700 objects in reference cycles
# (graphql-core's execution state, futures, loaders), freed only by a
# collection, so a young collection frees what ~15 requests left. At 50,000
# each one freed ~75 requests' worth in one pause: 3,000 window reads
# in-process (SQLite, one core) paused 40 times, up to 90-180 ms, 2.7-3.2 s
# of collections in all, request p99 71 ms; at 10,000, 191 pauses of at
# most 21-25 ms, 1.4 s in all, p99 24 ms. Fan-out bursts (the reason for
# raising it, above) did not move measurably between the two
# (``--quick --only live``, three runs each: 6.4-10.4k against 7.6-8.2k
# frames/s).
GC_THRESHOLDS = (10_000, 20, 10)


def tune_gc() -> None:
    """Keep the garbage collector off the hot path of a long-running server.

    With a thousand subscribers every event allocates tens of thousands of
    short-lived objects; at the default thresholds the collector, traversing
    the imported modules, schema and every socket's state, took about a
    quarter of the server's time. Everything alive after startup is frozen
    (never traversed again) and collections come less often. (A full live
    run to 1,000 subscribers: ~440 ms of collections in 2.5 minutes, the
    startup collection included.)
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
