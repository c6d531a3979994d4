"""The benchmark's own rules: a baseline gets what the app gets, and the
many-organisations workload's delivery check counts what it claims."""

from __future__ import annotations

import gc
from typing import Any

from sqlalchemy import func, select

from bench import samples
from bench.baselines import EXTENSIONS, activity_type_names, hello_app
from bench.orgs_report import check_delivery
from domain.kinds import registry
from domain.vocabulary import ActivityType
from models import Organisation
from models.base import utcnow
from schema.build import build_schema
from schema.telemetry import OperationTelemetry
from service.gc_tuning import GC_THRESHOLDS
from service.services import Services


def _signature(factory: Any) -> tuple[str, ...]:
    extension = factory()
    rules = getattr(extension, "validation_rules", None) or ()
    return (
        type(extension).__name__,
        *(rule.__name__ for rule in rules),
        str(getattr(extension, "max_token_count", "")),
    )


def test_the_bare_strawberry_baseline_has_the_apps_extensions() -> None:
    # All but the app's telemetry (one log line and counters per operation):
    # a cost the app pays for its operators, never an advantage to lend.
    app = [f for f in build_schema().extensions if f is not OperationTelemetry]
    assert [_signature(f) for f in EXTENSIONS] == [_signature(f) for f in app]


async def test_the_http_baselines_tune_the_garbage_collector_once_started_as_the_app_does() -> None:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        app = hello_app()
        async with app.router.lifespan_context(app):
            assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def test_the_baselines_limit_rules_are_built_once_so_its_validation_cache_hits() -> None:
    for factory in EXTENSIONS:
        first, second = factory(), factory()
        assert getattr(first, "validation_rules", None) == getattr(second, "validation_rules", None)


def test_the_baseline_knows_every_activity_type_of_the_published_schema() -> None:
    names = activity_type_names()
    assert len(names) == 17
    assert {"DropActivity", "TransferActivity"} <= set(names)


async def test_the_bench_seeds_each_type_with_the_facts_of_the_demos_entries(
    services: Services,
) -> None:
    # when the bench takes its facts from the demo's story
    async with services.database.write() as session:
        found = await samples._play(session, utcnow())
        left = await session.scalar(select(func.count()).select_from(Organisation))
    # then every registered type has some, each valid for its kind, and no
    # record id of the scratch organisation, which is gone again
    assert list(found) == list(ActivityType)
    for kind, of_kind in found.items():
        assert of_kind
        for sample in of_kind:
            assert registry.kind(kind).read(sample.details)
            assert not [key for key in sample.details if key.endswith(("_id", "_ids"))]
    assert left == 0
    assert (
        samples.facts(found[ActivityType("DROP")][0], "Okafor", "Ada Okafor")["student_name"]
        == "Ada Okafor"
    )


def test_delivery_counts_missing_duplicate_and_late_frames() -> None:
    ms = 1_000_000
    sent = [(0, [11], 100 * ms), (1, [21], 100 * ms), (1, [22], 200 * ms)]
    receipts = [
        # organisation 0: window gets 11 twice, widget gets it once; badge now + 1 push
        (0, 11, 110 * ms),
        (0, 11, 120 * ms),
        (1, 11, 130 * ms),
        (2, -1, 50 * ms),
        (2, -1, 140 * ms),
        # organisation 1: window gets 22 before 21, widget never gets 22
        (3, 22, 210 * ms),
        (3, 21, 220 * ms),
        (4, 21, 105 * ms),
        (5, -1, 50 * ms),
        (5, -1, 150 * ms),
    ]
    found = check_delivery(sent, receipts, organisations=2)
    assert (found.expected, found.delivered, found.missing) == (6, 5, 1)
    assert (found.duplicates, found.out_of_order, found.unexpected) == (1, 1, 0)
    assert sorted(found.latencies) == [5.0, 10.0, 10.0, 30.0, 120.0]
    assert (found.badge_expected, found.badge_delivered) == (3, 2)
    assert sorted(found.badge_latencies) == [40.0, 50.0]
