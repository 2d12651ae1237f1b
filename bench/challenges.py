"""Benchmark of the challenges' reads and of submitting.

Generates ``--challenges`` published challenges (default 5,000), each with two phases and three
criteria, written with bulk_create (no audit events: these reads do not touch them). One of
them gets a big first phase: ``--submissions`` submissions (default 1,000), each scored by three
experts on every criterion, with the panel closed and the results published. Then it times
(median of ``--runs``):

* the public list's first page, unfiltered, with "open now" and with a text search;
* the ranking of the big phase (aggregation.panel_results) and the public results;
* the results CSV of the big challenge;
* submitting through the service (permission, eligibility, receipt with its hash, audit).

Runs on a throw-away SQLite file by default, or on PostgreSQL with
BENCH_DATABASE_URL=postgres://... (a database this script may fill and leave).
Usage: .venv/bin/python bench/challenges.py [--challenges N] [--submissions N] [--runs 5]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import setup_django, timed  # noqa: E402

WORDS = ["парковка", "очередь", "поликлиника", "школа", "отходы", "датчик", "транспорт", "освещение", "двор", "вода"]


def generate(challenge_count: int, submission_count: int):
    from django.utils import timezone

    from govtech.challenges.models import (
        Assignment,
        Challenge,
        Criterion,
        Declaration,
        Phase,
        ReviewCycle,
        Score,
        Submission,
        SubmissionStatus,
    )
    from tests.factories import AgencyFactory, SupplierFactory, UserFactory

    rng = random.Random(4)
    now = timezone.now()
    agencies = [AgencyFactory() for _ in range(20)]
    stamp = time.time_ns()
    challenges = [
        Challenge(
            owner=rng.choice(agencies),
            title=f"Вызов {n}: {' '.join(rng.sample(WORDS, 3))}",
            slug=f"bench-{stamp}-{n}",
            summary=" ".join(rng.sample(WORDS, 6)),
            problem=" ".join(rng.choices(WORDS, k=60)),
            topic=rng.choice(["transport", "health", "education", "housing"]),
            licence="open_source",
            contact_name="Бенчмарк",
            contact_email="bench@example.test",
            status=rng.choice(["published", "published", "evaluation", "decided", "closed"]),
            published_at=now - timedelta(days=rng.randrange(1, 900)),
        )
        for n in range(challenge_count)
    ]
    Challenge.objects.bulk_create(challenges, batch_size=2000)
    phases, criteria = [], []
    for challenge in challenges:
        opens = challenge.published_at + timedelta(days=7)
        first_close = opens + timedelta(days=rng.randrange(20, 60))
        phases += [
            Phase(
                challenge=challenge,
                number=1,
                name="Обоснование",
                kind="feasibility",
                opens_at=opens,
                closes_at=first_close,
                advance_cap=5,
                funding_per_participant=Decimal("500000"),
            ),
            Phase(
                challenge=challenge,
                number=2,
                name="Пилот",
                kind="pilot",
                opens_at=first_close + timedelta(days=10),
                closes_at=first_close + timedelta(days=90),
                advance_cap=1,
                funding_per_participant=Decimal("5000000"),
            ),
        ]
        criteria += [
            Criterion(challenge=challenge, name=name, weight=weight, scale_max=10)
            for name, weight in (("Решение", 50), ("Команда", 30), ("Цена", 20))
        ]
    Phase.objects.bulk_create(phases, batch_size=2000)
    Criterion.objects.bulk_create(criteria, batch_size=2000)

    big = challenges[0]
    big_phase = Phase.objects.get(challenge=big, number=1)
    cycle = ReviewCycle.objects.create(
        phase=big_phase, number=0, starts_at=big_phase.opens_at, ends_at=big_phase.closes_at, panel_closed_at=now
    )
    suppliers = [SupplierFactory() for _ in range(submission_count)]
    experts = [UserFactory(is_expert=True, verified=False) for _ in range(30)]
    submissions = Submission.objects.bulk_create(
        [
            Submission(
                phase=big_phase,
                cycle=cycle,
                supplier=supplier,
                title=f"Предложение {n}",
                summary="…",
                approach="…",
                team="…",
                plan="…",
                budget=Decimal("400000"),
                status=SubmissionStatus.ADVANCED if n < 5 else SubmissionStatus.NOT_ADVANCED,
                submitted_at=big_phase.opens_at + timedelta(minutes=n),
                decision_rationale="…",
            )
            for n, supplier in enumerate(suppliers)
        ],
        batch_size=2000,
    )
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(submission=submission, expert=expert, conflict=Declaration.NONE, completed_at=now)
            for submission in submissions
            for expert in rng.sample(experts, 3)
        ],
        batch_size=2000,
    )
    big_criteria = list(Criterion.objects.filter(challenge=big))
    Score.objects.bulk_create(
        [
            Score(assignment=assignment, criterion=criterion, value=rng.randrange(0, 11))
            for assignment in assignments
            for criterion in big_criteria
        ],
        batch_size=5000,
    )
    Phase.objects.filter(pk=big_phase.pk).update(results_published_at=now)
    Challenge.objects.filter(pk=big.pk).update(status="decided")
    return big, cycle


def time_submitting(runs: int) -> list[float]:
    from django.utils import timezone

    from govtech.challenges import services
    from govtech.challenges.models import Phase
    from tests.challenges.factories import ChallengeFactory
    from tests.factories import MembershipFactory, SupplierFactory, UserFactory

    challenge = ChallengeFactory(phases=[{"opens_at": timezone.now() - timedelta(days=1), "advance_cap": 5}])
    phase = Phase.objects.get(challenge=challenge)
    samples = []
    for _ in range(runs * 4):
        supplier = SupplierFactory()
        person = UserFactory(verified=False)
        MembershipFactory(user=person, organization=supplier)
        start = time.perf_counter()
        services.submission_submit(
            actor=person,
            phase=phase,
            supplier=supplier,
            title="Замер подачи",
            summary="…",
            approach="…",
            team="…",
            plan="…",
            budget="100000",
        )
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--challenges", type=int, default=5_000)
    parser.add_argument("--submissions", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3"))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from govtech.challenges import aggregation, exports, selectors

        print(f"Challenges benchmark on {connection.vendor}")
        start = time.perf_counter()
        big, cycle = generate(args.challenges, args.submissions)
        print(
            f"generated {args.challenges:,} challenges, one phase with {args.submissions:,} submissions × 3 experts "
            f"in {time.perf_counter() - start:.1f} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        filters = selectors.ChallengeFilters
        reads = [
            ("public list, first page", lambda: list(selectors.challenge_list()[:20])),
            ("public list, open now", lambda: list(selectors.challenge_list(filters=filters(deadline="open"))[:20])),
            ("public list, search", lambda: list(selectors.challenge_list(filters=filters(query="датчик школа"))[:20])),
            (f"ranking of {args.submissions:,} submissions", lambda: aggregation.panel_results(cycle)),
            ("public results of that challenge", lambda: selectors.published_results(big)),
            ("results CSV of that challenge", lambda: list(exports.results_csv_rows(big))),
        ]
        for label, read in reads:
            read()
            with CaptureQueriesContext(connection) as queries:
                read()
            samples = timed(read, repeat=args.runs)
            print(
                f"{label:38} {1000 * statistics.median(samples):8.1f} ms median of {args.runs}, "
                f"min {1000 * min(samples):8.1f} ms, {len(queries)} queries"
            )
        samples = time_submitting(args.runs)
        print(f"{'submit through the service':38} {1000 * statistics.median(samples):8.1f} ms median of {len(samples)}")


if __name__ == "__main__":
    main()
