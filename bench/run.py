"""Benchmarks that print figures: audit-log append and verification, the organization
directory (web and API) with a thousand organizations, and notification fan-out.

Runs on a throw-away SQLite file by default, or on PostgreSQL with
BENCH_DATABASE_URL=postgres://... (a database this script may fill and leave).
Usage: make bench   (or .venv/bin/python bench/run.py [--scale N])
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str) -> None:
    os.environ["DJANGO_ENV"] = "test"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("GOVTECH_CACHE", "locmem")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    import django

    django.setup()
    from django.conf import settings

    settings.GOVTECH_API_ANON_RATE = "1000000/min"
    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn, repeat: int = 1) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def bench_audit(scale: int) -> None:
    from django.db import transaction

    from govtech.core import audit
    from govtech.core.models import AuditEvent
    from tests.factories import OrganizationFactory

    target = OrganizationFactory()
    n = 2000 * scale

    def append():
        for i in range(n):
            with transaction.atomic():
                audit.record(actor=None, action="bench.changed", target=target, before={"i": i}, after={"i": i + 1})

    seconds = timed(append)[0]
    print(
        f"audit append: {n} events, one transaction each: {n / seconds:,.0f} events/s ({seconds * 1e6 / n:,.0f} µs/event)"
    )
    total = AuditEvent.objects.count()
    verify = timed(lambda: audit.verify_chain(), repeat=3)
    print(
        f"audit verify: {total} events in {statistics.median(verify) * 1000:,.0f} ms (median of 3): {total / statistics.median(verify):,.0f} events/s"
    )


def bench_directory(scale: int) -> None:
    from django.core.signals import request_started
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AgencyFactory, SupplierFactory

    # Keep one connection across requests, as a server with persistent connections does
    # (and so the query counter sees every query).
    request_started.disconnect(close_old_connections)
    parent = AgencyFactory()
    for _ in range(500 * scale):
        SupplierFactory()
    for _ in range(500 * scale):
        AgencyFactory(parent=parent)
    client = Client()
    for label, url in [
        ("web  /organizations/", "/organizations/?page=3"),
        ("web  /organizations/?q=", "/organizations/?q=Стартап&kind=supplier"),
        ("api  /api/v1/organizations/", "/api/v1/organizations/?page=3&page_size=100"),
    ]:
        client.get(url)  # warm up
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        query_count = len(queries)  # read now: the next request resets the query log
        samples = timed(lambda url=url: client.get(url), repeat=20)
        print(
            f"{label:28} {1000 * statistics.median(samples):6.1f} ms median, "
            f"p90 {1000 * sorted(samples)[int(len(samples) * 0.9) - 1]:6.1f} ms, {query_count} queries"
        )


def bench_fanout(scale: int) -> None:
    from django.core import mail

    from govtech.notifications import tasks
    from govtech.notifications.models import Notification
    from tests.factories import UserFactory

    mail.outbox = []
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    recipients = [UserFactory(verified=False).pk for _ in range(500 * scale)]
    seconds = timed(
        lambda: tasks.deliver_task.call(
            event_key="bench", kind="follow.updated", recipient_ids=recipients, params={"object": "X"}
        )
    )[0]
    delivered = Notification.objects.filter(event_key="bench").count()
    print(
        f"notification fan-out: {delivered} inbox rows + {len(mail.outbox)} e-mails in {seconds:.2f} s ({delivered / seconds:,.0f} recipients/s)"
    )
    again = timed(
        lambda: tasks.deliver_task.call(
            event_key="bench", kind="follow.updated", recipient_ids=recipients, params={"object": "X"}
        )
    )[0]
    print(
        f"notification re-run (idempotent, nothing new): {again * 1000:.0f} ms, rows still {Notification.objects.filter(event_key='bench').count()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="multiply data sizes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
        setup_django(url)
        from django.db import connection

        print(f"GovTech benchmarks on {connection.vendor}, scale {args.scale}")
        bench_audit(args.scale)
        bench_directory(args.scale)
        bench_fanout(args.scale)


if __name__ == "__main__":
    main()
