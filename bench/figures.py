"""What a benchmark reports: one row of the BENCHMARKS.md table per figure.

Every headline figure is a ratio against a baseline measured in the same
run (the machine is small and noisy), with the distribution quoted as
percentiles, never means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Distribution:
    """Latencies in milliseconds (or any unit named in ``unit``)."""

    p50: float
    p90: float
    p99: float
    max: float
    count: int
    unit: str = "ms"
    response_bytes: float | None = None  # mean size of one answer, where it applies

    @classmethod
    def of(
        cls, samples: Sequence[float], unit: str = "ms", response_bytes: float | None = None
    ) -> Distribution:
        if not samples:
            return cls(0.0, 0.0, 0.0, 0.0, 0, unit, response_bytes)
        ordered = sorted(samples)

        def pick(q: float) -> float:
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

        return cls(
            pick(0.50), pick(0.90), pick(0.99), ordered[-1], len(ordered), unit, response_bytes
        )


@dataclass(frozen=True)
class Figure:
    """One row: what was measured, against what, and whether it met its target."""

    name: str
    measured: str  # e.g. "1,234 req/s (median of 5)"
    baseline: str  # e.g. "2,345 req/s bare strawberry"
    ratio: float | None  # measured / baseline in the direction the target states
    target: str  # e.g. ">= 0.5x"
    met: bool | None  # None when not measured (say why in ``notes``)
    backend: str  # "sqlite+memory" or "postgresql+redis"
    notes: str = ""
    distributions: dict[str, Distribution] = field(default_factory=dict)
    # The row of issue 12's targets this figure answers (bench.targets), if any.
    target_key: str = ""
    # An anchor row: a reference point measured in the same run, held to no target.
    anchor: bool = False
