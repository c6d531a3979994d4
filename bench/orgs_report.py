"""The many-organisations figures' arithmetic: delivery checked per socket,
latencies, memory and CPU, from what ``bench.orgs`` collected."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from bench.figures import Distribution, Figure
from bench.live_procs import PROFILE
from bench.live_report import unmeasured
from bench.load import LoadResult
from bench.orgs_seed import Org

ROLES = ("window", "widget", "badge")


@dataclass
class Sent:
    org: int
    sequences: list[int]
    sent_ns: int
    latency_ms: float  # from its due time


@dataclass
class Outcome:
    plan_organisations: int
    seconds: float
    orgs: dict[int, Org]
    sockets: int
    socket_errors: list[str]
    badges_live: bool
    connect_seconds: float
    sent: list[Sent]
    write_errors: list[str]
    reads: list[LoadResult]
    receipts: list[tuple[int, int, int]]  # (socket id, key, t_ns)
    rss_before: list[int]
    rss_idle: list[int]
    rss_after: list[int]
    cpu_ms: list[float]
    # Server CPU spent from the first socket opened to every badge's first frame.
    connect_cpu_ms: list[float] = field(default_factory=list)
    # Per server, the share of its runnable time during the load spent waiting for a CPU.
    cpu_waited: list[float] = field(default_factory=list)


@dataclass
class Delivery:
    """Per ``activityEvents`` socket: what should have come, what came."""

    expected: int = 0
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    unexpected: int = 0
    latencies: list[float] = field(default_factory=list)
    badge_latencies: list[float] = field(default_factory=list)
    badge_expected: int = 0
    badge_delivered: int = 0


def check_delivery(
    sent: list[tuple[int, list[int], int]],
    receipts: list[tuple[int, int, int]],
    organisations: int,
) -> Delivery:
    """``sent``: (organisation index, sequences, send time ns) per write;
    ``receipts``: (socket id, key, receipt ns), socket id = 3 * organisation
    + role (``ROLES``), key = the event's sequence (-1 for a badge frame).
    Every sequence written for an organisation must reach both of its
    event sockets once, in order; each write must move its badge once."""
    sent_at: dict[tuple[int, int], int] = {}
    writes: dict[int, list[int]] = defaultdict(list)
    for org, sequences, sent_ns in sent:
        writes[org].append(sent_ns)
        for sequence in sequences:
            sent_at[(org, sequence)] = sent_ns
    wanted: dict[int, set[int]] = defaultdict(set)
    for org, sequence in sent_at:
        wanted[org].add(sequence)
    by_socket: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for socket, key, at in receipts:
        by_socket[socket].append((key, at))
    result = Delivery()
    for org in range(organisations):
        for role in ("window", "widget"):
            frames = sorted(by_socket.get(3 * org + ROLES.index(role), []), key=lambda f: f[1])
            keys = [key for key, _ in frames]
            seen: set[int] = set()
            for key, at in frames:
                if key in seen:
                    result.duplicates += 1
                    continue
                seen.add(key)
                if key in wanted[org]:
                    result.latencies.append((at - sent_at[(org, key)]) / 1e6)
                else:
                    result.unexpected += 1
            result.out_of_order += sum(1 for a, b in pairwise(keys) if b < a)
            result.expected += len(wanted[org])
            result.delivered += len(wanted[org] & seen)
            result.missing += len(wanted[org] - seen)
        # The badge: its first frame is the badge now; then one per write, in order.
        badge = sorted(at for _, at in by_socket.get(3 * org + 2, []))[1:]
        result.badge_expected += len(writes[org])
        result.badge_delivered += min(len(badge), len(writes[org]))
        for sent_ns, at in zip(sorted(writes[org]), badge, strict=False):
            result.badge_latencies.append((at - sent_ns) / 1e6)
    return result


def orgs_report(outcome: Outcome, label: str) -> list[Figure]:
    sent = [(s.org, s.sequences, s.sent_ns) for s in outcome.sent]
    delivery = check_delivery(sent, outcome.receipts, outcome.plan_organisations)
    events = Distribution.of(delivery.latencies)
    badge = Distribution.of(delivery.badge_latencies)
    reads = Distribution.of(
        [x for r in outcome.reads for x in r.latencies_ms],
        response_bytes=sum(r.response_bytes for r in outcome.reads) / max(len(outcome.reads), 1),
    )
    writes = Distribution.of([s.latency_ms for s in outcome.sent])
    read_errors = sum(r.errors for r in outcome.reads)
    share = delivery.delivered / delivery.expected if delivery.expected else 0.0
    whole = (
        delivery.expected > 0
        and delivery.missing == 0
        and delivery.duplicates == 0
        and delivery.out_of_order == 0
    )
    orgs, sockets = outcome.plan_organisations, outcome.sockets
    scale = f"{orgs:,} organisations, {sockets:,} sockets over 2 server processes"
    problems = [*outcome.write_errors[:2], *outcome.socket_errors[:2]]
    if not outcome.badges_live:
        problems.append("not every badge subscriber had its first frame within 120 s")
    if read_errors:
        problems.append(f"{read_errors} failed reads: {outcome.reads[0].first_error}")
    idle = [(b - a) for a, b in zip(outcome.rss_before, outcome.rss_idle, strict=True)]
    after = [(b - a) for a, b in zip(outcome.rss_before, outcome.rss_after, strict=True)]
    per_idle = sum(idle) / max(sockets, 1)
    per_after = sum(after) / max(sockets, 1)
    cpu = [c / outcome.seconds / 10 for c in outcome.cpu_ms]  # percent of one core
    requests = len(outcome.sent) + sum(r.count for r in outcome.reads)
    connect_cpu = sum(outcome.connect_cpu_ms) / max(sockets, 1)
    common = (
        f"{scale}; {len(outcome.sent):,} portal events recorded "
        f"({len(outcome.write_errors):,} failed) in {outcome.seconds:.0f} s "
        f"({len(outcome.sent) / outcome.seconds:.1f}/s), {reads.count:,} window reads "
        f"({reads.count / outcome.seconds:.1f}/s), each of another organisation (no cache "
        f"can answer twice); sockets connected in {outcome.connect_seconds:.0f} s "
        f"({sockets / max(outcome.connect_seconds, 0.001):.0f}/s, {connect_cpu:.1f} ms "
        "of server CPU each)."
    )
    if outcome.cpu_waited:
        common += (
            " During the load the servers waited for a CPU "
            f"{', '.join(f'{w:.0%}' for w in outcome.cpu_waited)} of the time they were "
            "runnable (/proc/PID/schedstat: other processes of the machine had the cores)."
        )
    if problems:
        common += " Errors: " + "; ".join(problems)[:400]
    memory = Figure(
        name="7. many organisations: server memory and CPU",
        measured=f"{per_idle:.1f} KiB per socket idle, {per_after:.1f} KiB after the load "
        f"({', '.join(f'{a / 1024:.0f}' for a in outcome.rss_after)} MiB per process)",
        baseline=f"CPU {', '.join(f'{c:.0f}%' for c in cpu)} of a core per process; "
        f"{sum(outcome.cpu_ms) / max(requests, 1):.1f} ms per HTTP request (all work included)",
        ratio=None,
        target="",
        met=None,
        backend=label,
        notes="VmRSS of both server processes, summed: growth from after one warm-up "
        "read to 5 s after every socket subscribed (idle), and to the end of the load.",
        anchor=True,
    )
    if PROFILE:  # the pids measured are py-spy's, not the servers'
        memory = unmeasured(memory, "BENCH_PROFILE=1: RSS and CPU would be py-spy's")
    return [
        Figure(
            name="7. many organisations: event delivery",
            measured=f"{orgs:,} organisations: p50 {events.p50:.0f} / p99 {events.p99:.0f} / "
            f"max {events.max:.0f} ms; "
            f"{share:.2%} delivered, {delivery.missing} missing, {delivery.duplicates} "
            f"duplicates, {delivery.out_of_order} out of order",
            baseline=f"badge: p50 {badge.p50:.0f} / p99 {badge.p99:.0f} ms, "
            f"{delivery.badge_delivered:,}/{delivery.badge_expected:,} pushes",
            ratio=None,
            target="100% delivered, p99 <= 100 ms",
            met=whole and events.p99 <= 100,
            backend=label,
            notes=f"{common} From just before the recordPortalEvent request to each "
            f"window and widget subscriber's receipt; {delivery.expected:,} deliveries "
            f"expected, {delivery.unexpected} frames of other sequences.",
            distributions={"event delivery": events, "badge push": badge},
            target_key="orgs-delivery",
        ),
        Figure(
            name="7. many organisations: window read",
            measured=f"p50 {reads.p50:.0f} / p99 {reads.p99:.0f} / max {reads.max:.0f} ms "
            f"({(reads.response_bytes or 0) / 1000:.1f} kB responses)",
            baseline="",
            ratio=None,
            target="p99 <= 50 ms",
            met=reads.count > 0 and not read_errors and reads.p99 <= 50,
            backend=label,
            notes="open loop, from each read's due time; the window document of figure 1, "
            "first page, tokens of every organisation in turn; "
            f"{sum(r.reopened for r in outcome.reads)} idle keep-alive connections the "
            "server had closed were opened again.",
            distributions={"window read": reads},
            target_key="orgs-read",
        ),
        Figure(
            name="7. many organisations: write (recordPortalEvent)",
            measured=f"p50 {writes.p50:.0f} / p99 {writes.p99:.0f} / max {writes.max:.0f} ms",
            baseline="",
            ratio=None,
            target="",
            met=None,
            backend=label,
            notes="open loop, from each write's due time.",
            distributions={"write": writes},
            anchor=True,
        ),
        memory,
    ]
