"""Benchmark of the funnel's reads: public analytics, the operator's board and the public list.

Generates 100,000 initiatives with about 500,000 stage stays over three years, written with
bulk_create straight into the tables (NOT through the services: no gate decisions, audit
events or notifications, which these reads do not touch). The paths are realistic: most
initiatives stop early or go back and forth between neighbouring stages, few reach scale;
about one in ten is internal (so the public figures skip it). Then it times
funnel_analytics() (median of 5 runs), the board's first page
(selectors.board(actor=operator), every column's cards evaluated) and the public list's first
page (selectors.initiative_list(...)[:20]).

Runs on a throw-away SQLite file by default, or on PostgreSQL with
BENCH_DATABASE_URL=postgres://... (a database this script may fill and leave).
Usage: .venv/bin/python bench/funnel.py [--initiatives N] [--runs 5] [--explain]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import setup_django, timed  # noqa: E402

# From each stage: (probability of moving forward, back, stopping); the rest stays open there.
MOVES = {
    "idea": (0.72, 0.0, 0.20),
    "prototype": (0.46, 0.42, 0.07),
    "pilot": (0.42, 0.46, 0.07),
    "adoption": (0.40, 0.46, 0.07),
    "scale": (0.0, 0.20, 0.04),
}
FUNNEL = ["idea", "prototype", "pilot", "adoption", "scale"]
MEAN_DAYS = {"idea": 15, "prototype": 30, "pilot": 40, "adoption": 50, "scale": 120}


def walk(rng: random.Random, start, now) -> list[tuple[str, object, object]]:
    """One initiative's stays: (stage, entered_at, exited_at or None)."""
    stays = []
    stage, entered = "idea", start
    while True:
        forward, back, stop = MOVES[stage]
        exited = entered + timedelta(days=rng.expovariate(1 / MEAN_DAYS[stage]), seconds=rng.randrange(86400))
        roll = rng.random()
        if exited >= now or roll >= forward + back + stop or len(stays) > 30:
            stays.append((stage, entered, None))
            return stays
        stays.append((stage, entered, exited))
        if roll < stop:
            stays.append(("stopped", exited, None))
            return stays
        index = FUNNEL.index(stage)
        stage = FUNNEL[index + 1] if roll < stop + forward else FUNNEL[index - 1]
        entered = exited


def generate(initiatives: int, seed: int = 7) -> tuple[int, int]:
    from django.db import transaction
    from django.utils import timezone

    from govtech.funnel.models import Initiative, Origin, StageStay, Topic, Visibility
    from tests.factories import AgencyFactory

    rng = random.Random(seed)
    now = timezone.now()
    agencies = [AgencyFactory() for _ in range(40)]
    agency_weights = [1 / (i + 1) for i in range(len(agencies))]  # a few agencies sponsor most
    origins = list(Origin.values)
    topics = list(Topic.values)
    batch = 5000
    total_stays = 0
    for offset in range(0, initiatives, batch):
        rows, paths = [], []
        for n in range(offset, min(offset + batch, initiatives)):
            start = now - timedelta(days=3 * 365) + timedelta(seconds=rng.randrange(3 * 365 * 86400 - 30 * 86400))
            path = walk(rng, start, now)
            stage, entered, _ = path[-1]
            rows.append(
                Initiative(
                    title=f"Инициатива {n}: датчики, сервисы и данные города",
                    slug=f"bench-{n}",
                    summary="Сгенерировано для замера производительности.",
                    topic=rng.choice(topics),
                    origin=rng.choices(origins, weights=[5, 2, 3, 2, 1])[0],
                    sponsor=rng.choices(agencies, weights=agency_weights)[0],
                    stage=stage,
                    stage_entered_at=entered,
                    visibility=Visibility.INTERNAL if rng.random() < 0.1 else Visibility.PUBLIC,
                )
            )
            paths.append(path)
        with transaction.atomic():
            created = Initiative.objects.bulk_create(rows)
            stays = [
                StageStay(initiative_id=initiative.pk, stage=stage, entered_at=entered, exited_at=exited)
                for initiative, path in zip(created, paths, strict=True)
                for stage, entered, exited in path
            ]
            StageStay.objects.bulk_create(stays, batch_size=5000)
        total_stays += len(stays)
    return initiatives, total_stays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--initiatives", type=int, default=100_000, help="how many initiatives (default 100,000)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each read; the median is printed")
    parser.add_argument("--explain", action="store_true", help="print the query plans of the analytics")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the initiatives a previous run left in BENCH_DATABASE_URL"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
        setup_django(url)
        from django.contrib.auth.models import AnonymousUser
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from govtech.funnel import analytics, selectors
        from tests.factories import UserFactory

        print(f"Funnel benchmark on {connection.vendor}")
        from govtech.funnel.models import Initiative, StageStay

        if args.reuse and Initiative.objects.filter(slug__startswith="bench-").exists():
            print(f"reusing {Initiative.objects.count():,} initiatives, {StageStay.objects.count():,} stage stays")
        else:
            start = time.perf_counter()
            initiatives, stays = generate(args.initiatives)
            print(f"generated {initiatives:,} initiatives, {stays:,} stays in {time.perf_counter() - start:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have them in production
        operator = UserFactory(email=f"bench-operator-{time.time_ns()}@example.test", is_operator=True, verified=False)
        anonymous = AnonymousUser()
        first = analytics.funnel_analytics()
        print("public reached per stage:", {row["stage"]: row["reached"] for row in first["stages"]})
        busiest_agency = first["breakdowns"]["sponsor"][0]["key"]
        today = timezone.localdate()

        reads = [
            ("funnel_analytics()", analytics.funnel_analytics),
            (
                "analytics, one agency, last year",
                lambda: analytics.funnel_analytics(
                    sponsor_id=busiest_agency, date_from=today - timedelta(days=365), date_to=today
                ),
            ),
            ("board first page (operator)", lambda: [len(c.cards) for c in selectors.board(actor=operator)]),
            ("public list first page", lambda: list(selectors.initiative_list(actor=anonymous)[:20])),
        ]
        for label, read in reads:
            read()  # warm up
            with CaptureQueriesContext(connection) as queries:
                read()
            samples = timed(read, repeat=args.runs)
            print(
                f"{label:34} {1000 * statistics.median(samples):8.1f} ms median of {args.runs}, "
                f"min {1000 * min(samples):8.1f} ms, {len(queries)} queries"
            )
        with CaptureQueriesContext(connection) as queries:
            analytics.funnel_analytics()
        print("funnel_analytics() query by query:")
        for query in queries.captured_queries:
            print(f"  {1000 * float(query['time']):7.1f} ms  {query['sql'][:110]}")
        if args.explain:
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            with connection.cursor() as cursor:
                for query in queries.captured_queries:
                    print("---", query["sql"])
                    cursor.execute(prefix + query["sql"])
                    for row in cursor.fetchall():
                        print("   ", " ".join(str(part) for part in row))


if __name__ == "__main__":
    main()
