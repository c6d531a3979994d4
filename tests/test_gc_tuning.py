"""A tuned collector reclaims what the plain one reclaims (``service.gc_tuning``).

Each side runs in its own interpreter: ``gc.freeze()`` would otherwise
freeze this test process. Both run the same workload, one after
``tune_gc()``; they must report the same reclaimed objects.
"""

from __future__ import annotations

import json
import subprocess
import sys

from service.settings import REPO_ROOT

WORKLOAD = """
import gc, json, sys, weakref

class Node:
    def __init__(self):
        self.other = self

alive_at_startup = [Node() for _ in range(100)]  # alive when the server starts
if sys.argv[1] == "tuned":
    from service.gc_tuning import GC_THRESHOLDS, tune_gc
    tune_gc()
    assert gc.get_threshold() == GC_THRESHOLDS

def dropped_cycles(count):
    cycles = [Node() for _ in range(count)]
    refs = [weakref.ref(c) for c in cycles]
    del cycles
    return refs

# Cycles dropped while a request allocates: reclaimed by the collections
# the allocations trigger, with no explicit collect.
during_work = dropped_cycles(1000)
kept = [[] for _ in range(300_000)]
automatic = sum(r() is None for r in during_work)
# Cycles reclaimed by a full collection.
later = dropped_cycles(1000)
gc.collect()
full = sum(r() is None for r in later)
# Startup objects no longer referenced: freed (frozen ones by reference
# counting once their cycle is broken).
startup_refs = [weakref.ref(n) for n in alive_at_startup]
for n in alive_at_startup:
    n.other = None
del alive_at_startup, n
freed_at_startup = sum(r() is None for r in startup_refs)
print(json.dumps({"automatic": automatic, "full": full, "startup": freed_at_startup}))
"""


def _reclaimed(mode: str) -> dict[str, int]:
    ran = subprocess.run(
        [sys.executable, "-c", WORKLOAD, mode],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, int] = json.loads(ran.stdout)
    return result


def test_a_tuned_process_reclaims_the_same_garbage_as_a_plain_one() -> None:
    # Given the same workload, when it runs plain and after tune_gc()
    plain, tuned = _reclaimed("plain"), _reclaimed("tuned")
    # then the same objects are reclaimed: all of them
    assert plain == {"automatic": 1000, "full": 1000, "startup": 100}
    assert tuned == plain
