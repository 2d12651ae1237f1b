"""Health of the database and the task worker, read from the task table itself:
a worker is healthy when nothing has waited for it longer than the stall limit."""

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Max, Min
from django.utils import timezone


def _database(connection) -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"status": "error", "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor}


def _worker() -> dict:
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    try:
        ready = DBTaskResult.objects.ready()
        stats = ready.aggregate(oldest=Min("enqueued_at"))
        queued = ready.count()
        last_finished = DBTaskResult.objects.finished().aggregate(last=Max("finished_at"))["last"]
    except DatabaseError as exc:
        return {"status": "error", "error": exc.__class__.__name__}
    waited = (now - stats["oldest"]).total_seconds() if stats["oldest"] else 0.0
    stalled = waited > settings.GOVTECH_WORKER_STALL_SECONDS
    return {
        "status": "stalled" if stalled else "ok",
        "queued": queued,
        "oldest_queued_seconds": round(waited, 1),
        "stall_limit_seconds": settings.GOVTECH_WORKER_STALL_SECONDS,
        "last_finished_at": last_finished.isoformat() if last_finished else None,
    }


def check(connection) -> dict:
    database = _database(connection)
    worker = _worker() if database["status"] == "ok" else {"status": "unknown"}
    healthy = database["status"] == "ok" and worker["status"] == "ok"
    return {
        "status": "ok" if healthy else "error",
        "database": database,
        "worker": worker,
        "checked_at": timezone.now().isoformat(),
    }
