"""Top frames of a py-spy profile: ``python -m bench.profile FILE [--top N]``.

``BENCH_PROFILE=1 python -m bench ...`` records every server process it
starts under ``py-spy record -f raw`` (collapsed stacks, one ``a;b;c count``
line per distinct stack, paths printed as the run goes). This prints what
BENCHMARKS.md quotes from such a profile: the share of busy samples per
library (a stack counts once for each library on it), the hottest functions
inclusive, and the leaf frames (self time). Idle samples (the event loop
waiting in ``select``/``epoll``) and startup (imports, before the event
loop runs) are left out of "busy".
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^():]+)(?::\d+)?\)$")
IDLE = ("select (selectors.py", "poll (", "_run_once (asyncio/base_events.py")
SERVING = "Runner.run (asyncio/runners.py"  # the event loop runs: startup (imports) is over


def library(path: str) -> str:
    parts = path.split("/")
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    return parts[0].removesuffix(".py") if len(parts) > 1 else "(stdlib or ours)"


def stacks(text: str) -> list[tuple[list[str], int]]:
    found = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            found.append((stack.split(";"), int(count)))
    return found


def summary(text: str, top: int = 15) -> str:
    every = stacks(text)
    total = sum(count for _, count in every)
    busy = [
        (frames, n)
        for frames, n in every
        if any(f.startswith(SERVING) for f in frames) and not frames[-1].startswith(IDLE)
    ]
    busy_total = sum(n for _, n in busy) or 1
    libraries: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, n in busy:
        seen_lib: set[str] = set()
        seen_fn: set[str] = set()
        for frame in frames:
            match = FRAME.match(frame)
            if match is None:
                continue
            lib = library(match["path"])
            if lib not in seen_lib:
                seen_lib.add(lib)
                libraries[lib] += n
            name = f"{match['function']} ({match['path']})"
            if name not in seen_fn:
                seen_fn.add(name)
                functions[name] += n
        leaves[frames[-1]] += n

    def share(counter: Counter[str], title: str) -> list[str]:
        rows = [f"{title}:"]
        rows += [f"  {100 * n / busy_total:5.1f} %  {k}" for k, n in counter.most_common(top)]
        return rows

    lines = [f"{total:,} samples, {busy_total:,} busy ({100 * busy_total / (total or 1):.0f} %)"]
    lines += share(libraries, "libraries (inclusive, busy samples)")
    lines += share(functions, "functions (inclusive)")
    lines += share(leaves, "leaf frames (self)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    for path in args.files:
        print(f"== {path}")
        print(summary(path.read_text(encoding="utf-8", errors="replace"), args.top))


if __name__ == "__main__":
    main()
