"""The table on the terminal and BENCHMARKS.md: method, machine, figures."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.figures import Figure
from bench.targets import targets_table

METHOD = """\
## Method

- Every figure is a ratio against a baseline measured **in the same run**,
  interleaved A B A B (app, baseline, app, baseline...), because this machine
  is small and noisy. Headline numbers are medians of the runs; distributions
  are percentiles (p50/p90/p99/max), never means.
- The app is a real `python -m service serve` process (uvicorn, one worker)
  on a freshly migrated database, pinned to core 0 with `sched_setaffinity`;
  the load generator (`bench/load.py`: HTTP/1.1 keep-alive on raw asyncio
  streams under uvloop) is a separate process pinned to core 1. PostgreSQL,
  Redis and the orchestrating process are not pinned. Everything targets
  127.0.0.1.
- Throughput is closed loop (N connections, each sends its next request when
  the previous answer arrives). Latency "at 50% of max throughput" is **open
  loop**: requests are due at a fixed rate (half the median closed-loop
  throughput) and each latency is measured from the moment the request was
  due, so a stalled server shows as latency, not as fewer samples
  (coordinated omission is not hidden).
- Data (`bench/seed.py`, set-based INSERTs): one organisation with the
  window's entries (100,000; 10,000 with `--quick`) of all 17 types over 3
  locations and 89 days, with families and students; 20 other organisations
  with 200 entries each; an organisation for the mass actions (N
  notifications and N pending appointment/absence requests with their
  bookings and absences; N = 5,000, 1,000 with `--quick`), restored before
  every run; an empty organisation ingestion records into. Change rows,
  counters and sequence numbers are derived exactly as `record_entries`
  leaves them.
- Baselines: (1, 2) a bare strawberry app (`bench/baselines.py`, same
  starlette + strawberry + uvicorn stack, no extensions, no database, no
  auth) answering the same query document with the same JSON, page 1 held in
  memory; (3) page 1 of the same query; (4) `count(*)` over the open entries
  in the window on the same session; (5) one raw SQL `UPDATE` of the same
  rows; (6) the same rows (family, portal event, entry, change row, counter,
  sequence) as raw INSERTs in one transaction per event, same concurrency,
  in-process.
"""


def machine(versions: dict[str, str]) -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    rows = [
        f"- CPU: {cpu}, {os.cpu_count()} cores (nproc)",
        f"- Memory: {memory}",
        f"- OS: {platform.platform()}",
        f"- Python: {sys.version.split()[0]}",
    ]
    rows += [f"- {name}: {version}" for name, version in versions.items()]
    return rows


def _ratio(figure: Figure) -> str:
    return "-" if figure.ratio is None else f"{figure.ratio:,.2f}x"


def _met(figure: Figure) -> str:
    if figure.measured == "not measured":
        return "not measured"
    if figure.anchor or (figure.met is None and not figure.target):
        return "anchor" if figure.anchor else "-"
    return {True: "yes", False: "**no**", None: "not measured"}[figure.met]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(figures: Sequence[Figure]) -> list[str]:
    lines = [
        "| Figure | Backend | Measured | Baseline | Ratio | Target | Met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        lines.append(
            f"| {_cell(f.name)} | {f.backend} | {_cell(f.measured)} | {_cell(f.baseline)} | "
            f"{_ratio(f)} | {_cell(f.target)} | {_met(f)} |"
        )
    return lines


def distributions(figures: Sequence[Figure]) -> list[str]:
    lines = [
        "| Figure | Backend | Series | p50 | p90 | p99 | max | samples | response |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        for series, d in f.distributions.items():
            size = "" if d.response_bytes is None else f"{d.response_bytes:,.0f} B"
            lines.append(
                f"| {_cell(f.name.split(' ', 1)[0])} | {f.backend} | {_cell(series)} | "
                f"{d.p50:.2f} | {d.p90:.2f} | {d.p99:.2f} | {d.max:.2f} | {d.count:,} | {size} |"
            )
    return lines


def notes(figures: Sequence[Figure]) -> list[str]:
    return [f"- **{f.name}** ({f.backend}): {f.notes}" for f in figures if f.notes]


def terminal(figures: Sequence[Figure]) -> str:
    width = max((len(f.name) for f in figures), default=10)
    lines = []
    for f in figures:
        lines.append(
            f"{f.name.ljust(width)}  {f.backend:<17} {_ratio(f):>9}  {f.target:<26} "
            f"{_met(f).replace('*', ''):<12} {f.measured}"
        )
    return "\n".join(lines)


def markdown(
    figures: Sequence[Figure],
    *,
    versions: dict[str, str],
    command: str,
    elapsed: float,
    fixes: str,
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Benchmarks",
        "",
        f"Generated by `{command}` on {when} in {elapsed / 60:.1f} minutes. "
        "Regenerate with `make bench` (or `make bench-quick`).",
        "",
        "## Target / Now / Met",
        "",
        "Issue 12's targets, each against the figure that answers it with the server's "
        "caches unable to help (details in the next table).",
        "",
        *targets_table(figures),
        "",
        "## Figures",
        "",
        *table(figures),
        "",
        "## Distributions (ms)",
        "",
        *distributions(figures),
        "",
        "## Notes per figure",
        "",
        *notes(figures),
        "",
        "## Machine",
        "",
        *machine(versions),
        "",
        METHOD,
        fixes,
    ]
    return "\n".join(parts).rstrip("\n") + "\n"
