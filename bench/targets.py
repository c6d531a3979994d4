"""Issue 12's targets as the report's "Target / Now / Met" table.

Each target names the figures that answer it (``Figure.target_key``); "Now"
is what they measured, per backend, with the server's caches unable to help
wherever a cache could (figure 1 and 2's ``caches off`` series, the
many-organisations workload's reads of another organisation each time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.figures import Figure


@dataclass(frozen=True)
class Target:
    figure: str
    target: str
    keys: tuple[str, ...]


TARGETS = (
    Target(
        "window first page, req/s",
        ">= 0.6x bare strawberry with the same extensions and document; "
        ">= 1.0x PostGraphile (PostgreSQL)",
        ("window-rps", "window-rps-postgraphile"),
    ),
    Target(
        "window first page, p99 at half of the app's max rate",
        "<= 2x bare strawberry's p99 at the same rate",
        ("window-p99",),
    ),
    Target("fan-out, frames/s per server core", ">= 0.5x raw `websockets.broadcast`", ("fan-out",)),
    Target(
        "new entry to 1,000 subscribers over 2 processes",
        "p50 <= 2x raw, p99 <= 100 ms, 100% delivered",
        ("live-latency",),
    ),
    Target(
        "memory per idle subscriber",
        "<= 25 KiB (2x a bare websockets connection)",
        ("idle-memory",),
    ),
    Target(
        "many organisations (2,000 organisations, 6,000 sockets)",
        "100% delivered, p99 delivery <= 100 ms, p99 window read <= 50 ms",
        ("orgs-delivery", "orgs-read"),
    ),
    Target(
        "mass approve / dismiss of 5,000", "<= 3x one raw UPDATE of the same rows", ("mass-action",)
    ),
)


def _now(figure: Figure) -> str:
    """``what: ratio, measured (vs baseline)``, e.g. ``vs PostGraphile: 0.38x, ...``."""
    what = figure.name.rsplit(", ", 1)[-1] if figure.name.startswith("1.") else ""
    if ": " in figure.name and not what:
        what = figure.name.split(": ", 1)[1]
    ratio = "" if figure.ratio is None else f"{figure.ratio:,.2f}x, "
    against = f" ({figure.baseline})" if figure.baseline and figure.ratio is not None else ""
    return f"{what + ': ' if what else ''}{ratio}{figure.measured}{against}"


def targets_table(figures: Sequence[Figure]) -> list[str]:
    lines = [
        "| Figure | Target | Backend | Now | Met |",
        "| --- | --- | --- | --- | --- |",
    ]
    backends = list(dict.fromkeys(f.backend for f in figures))
    for target in TARGETS:
        for backend in backends:
            found = [f for f in figures if f.backend == backend and f.target_key in target.keys]
            if not found:
                continue
            now = "; ".join(_now(f).replace("|", "\\|") for f in found)
            met = [f.met for f in found]
            verdict = (
                "not measured" if any(m is None for m in met) else ("yes" if all(met) else "**no**")
            )
            lines.append(f"| {target.figure} | {target.target} | {backend} | {now} | {verdict} |")
        if not any(f.target_key in target.keys for f in figures):
            lines.append(
                f"| {target.figure} | {target.target} | - | not measured in this run | - |"
            )
    return lines
