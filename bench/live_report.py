"""The live figures' arithmetic: latencies, rates and the three Figures,
from the receipts ``bench.live`` collected."""

from __future__ import annotations

from collections.abc import Sequence

from bench.figures import Distribution, Figure


def _rate(receipts: list[tuple[int, int]], keys: list[int], started: int) -> float:
    wanted = set(keys)
    times = [t for k, t in receipts if k in wanted]
    return len(times) / ((max(times) - started) / 1e9) if times else 0.0


def _latencies(
    receipts: list[tuple[int, int]], sent: dict[int, int], keys: list[int]
) -> list[float]:
    wanted = set(keys)
    return [(t - sent[k]) / 1e6 for k, t in receipts if k in wanted]


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def with_note(figure: Figure, note: str) -> Figure:
    from dataclasses import replace

    return replace(figure, notes=f"{figure.notes} {note}".strip())


def unmeasured(figure: Figure, why: str) -> Figure:
    from dataclasses import replace

    return replace(figure, measured="not measured", met=None, notes=why)


def latency_figure(
    backend: str,
    distributed: bool,
    sent: dict[str, dict[int, int]],
    receipts: dict[str, list[tuple[int, int]]],
    keys: dict[str, list[int]],
    per_round: list[tuple[str, list[int]]],
    subscribers: dict[str, int],
    interval: float,
) -> Figure:
    app = Distribution.of(_latencies(receipts["app"], sent["app"], keys["app"]))
    base = Distribution.of(_latencies(receipts["base"], sent["base"], keys["base"]))
    medians = {
        kind: [
            Distribution.of(_latencies(receipts[kind], sent[kind], k)).p50
            for kd, k in per_round
            if kd == kind
        ]
        for kind in ("app", "base")
    }
    wanted = len(keys["app"]) * subscribers["app"]
    delivered = app.count / wanted if wanted else 0.0
    ratio = app.p50 / base.p50 if base.p50 else None
    processes = (
        "2 server processes (PostgreSQL + Redis)"
        if distributed
        else ("1 server process (embedded default: SQLite + memory://)")
    )
    return Figure(
        name=f"new entry to {subscribers['app']:,} subscribers, latency",
        measured=f"p50 {app.p50:.1f} ms, p99 {app.p99:.1f} ms, {delivered:.2%} delivered",
        baseline=f"p50 {base.p50:.1f} ms, p99 {base.p99:.1f} ms "
        "raw publish -> websockets broadcast",
        ratio=ratio,
        target="p50 <= 2x baseline, p99 <= 100 ms, 100% delivered",
        met=ratio is not None and ratio <= 2 and app.p99 <= 100 and app.count == wanted,
        backend=backend,
        target_key="live-latency" if distributed else "",
        notes=(
            f"{processes}; {len(keys['app'])} events per side, one every "
            f"{interval * 1000:.0f} ms (open loop); from just before the "
            "recordPortalEvent request to each "
            f"subscriber's receipt. Per-round p50 app {_fmt(medians['app'])}, "
            f"baseline {_fmt(medians['base'])} ms."
        ),
        distributions={"app": app, "baseline": base},
    )


def _fmt(values: Sequence[float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def throughput_figure(
    backend: str,
    receipts: dict[str, list[tuple[int, int]]],
    bursts: list[tuple[str, list[int], int]],
    subscribers: dict[str, int],
) -> Figure:
    rates = {
        kind: [_rate(receipts[kind], keys, started) for kd, keys, started in bursts if kd == kind]
        for kind in ("app", "base")
    }
    app, base = _median(rates["app"]), _median(rates["base"])
    return Figure(
        name="fan-out throughput per server core",
        measured=f"{app:,.0f} frames/s (median of {len(rates['app'])})",
        baseline=f"{base:,.0f} frames/s raw websockets broadcast",
        ratio=app / base if base else None,
        target=">= 0.5x",
        met=base > 0 and app / base >= 0.5,
        target_key="fan-out",
        backend=backend,
        notes=(
            f"bursts of {len(bursts[0][1]) if bursts else 0} events to "
            f"{subscribers['app']:,} subscribers; all server processes pinned to one core "
            f"(the mutations that make the events run there too). Rounds: app "
            f"{_fmt(rates['app'])}, baseline {_fmt(rates['base'])} frames/s."
        ),
    )


def memory_figure(
    backend: str,
    distributed: bool,
    before: dict[str, int],
    after: dict[str, int],
    subscribers: dict[str, int],
) -> Figure:
    per = {
        kind: (after[kind] - before[kind]) / max(subscribers[kind], 1) for kind in ("app", "base")
    }
    return Figure(
        name="memory per idle subscriber",
        measured=f"{per['app']:.1f} KiB ({(after['app'] - before['app']) / 1024:.1f} MiB "
        f"for {subscribers['app']:,})",
        baseline=f"{per['base']:.1f} KiB per plain websockets connection",
        ratio=per["app"] / per["base"] if per["base"] > 0 else None,
        target="<= 25 KiB (2x a bare websockets connection)",
        met=per["app"] <= 25,
        target_key="idle-memory",
        backend=backend,
        notes=(
            "VmRSS growth of the server process"
            + ("es (summed)" if distributed else "")
            + " from after one warm-up request to 2 s after every subscriber connected "
            "and subscribed to activityEvents."
        ),
    )


def anchor_figures(figures: Sequence[Figure], distributed: bool) -> list[Figure]:
    """The raw baseline's own rows (fan-out ceiling, bare connection memory),
    read from the three live figures it was measured beside."""
    latency, throughput, memory = figures
    base = latency.distributions.get("baseline")
    source = "fed from Redis" if distributed else "fed from its /publish socket"
    return [
        Figure(
            name=f"live anchor: raw websockets.broadcast {source}",
            measured=throughput.baseline.replace(" raw websockets broadcast", "")
            + ("" if base is None else f"; p50 {base.p50:.1f} ms, p99 {base.p99:.1f} ms"),
            baseline="",
            ratio=None,
            target="",
            met=None,
            backend=latency.backend,
            anchor=True,
        ),
        Figure(
            name="live anchor: bare websockets connection, idle",
            measured=memory.baseline,
            baseline="",
            ratio=None,
            target="",
            met=None,
            backend=latency.backend,
            anchor=True,
        ),
    ]
