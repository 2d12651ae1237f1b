"""Writes of the procurement app. The OCDS import: idempotent (a release is stored once per
process and release id), resumable (a run stores its position with each batch, in the batch's
transaction), and a bad record is reported with its position while the rest goes on."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ocdsmerge.exceptions import OCDSMergeError

from govtech.core import audit
from govtech.core.errors import Conflict, ServiceError
from govtech.core.permissions import require_perm
from govtech.notifications.services import notify
from govtech.procurement import ocds_reader
from govtech.procurement.compile import compile_releases, tender_fields
from govtech.procurement.models import (
    ImportProblem,
    ImportRun,
    Release,
    RunStatus,
    SavedSearch,
    SearchAlert,
    Tender,
)
from govtech.procurement.notification_kinds import SEARCH_MATCHES
from govtech.procurement.selectors import TenderQuery, search_tenders, searches_with_alerts

BATCH = 500  # package items per transaction


@dataclass
class Progress:
    run: ImportRun
    items: int  # package items read so far (stored or skipped)


def import_ocds(
    source: str,
    *,
    actor=None,
    batch_size: int = BATCH,
    on_progress: Callable[[Progress], None] | None = None,
) -> ImportRun:
    """Import an OCDS file or URL. ``actor`` None is the server's own process (the command, cron);
    a person needs the ``procurement.import_ocds`` permission (operators)."""
    if actor is not None:
        require_perm(actor, "procurement.import_ocds")
    with ocds_reader.local_copy(source) as path:
        digest = ocds_reader.fingerprint(path)
        kind = ocds_reader.detect(path)
        run = _start_run(source, digest, kind, actor)
        batch: list = []
        read = 0
        try:
            for read, item in enumerate(ocds_reader.items(path, kind), start=1):
                if item.position < run.position:
                    continue  # stored by the run that was stopped
                batch.append(item)
                if len(batch) >= batch_size:
                    run = _store(run, batch)
                    batch = []
                    if on_progress:
                        on_progress(Progress(run, read))
        except ocds_reader.UnreadableFile as error:
            run = _store(run, batch)
            return _finish(run, RunStatus.FAILED, actor, problem=str(error))
        run = _store(run, batch)
        if on_progress:
            on_progress(Progress(run, read))
        return _finish(run, RunStatus.FINISHED, actor)


def _start_run(source: str, digest: str, kind: str, actor) -> ImportRun:
    with transaction.atomic():
        unfinished = (
            ImportRun.objects.select_for_update()
            .filter(fingerprint=digest, status=RunStatus.RUNNING)
            .order_by("-created_at", "-id")
            .first()
        )
        if unfinished is not None:
            return unfinished
        run = ImportRun.objects.create(source=source[:1000], fingerprint=digest, kind=kind)
        audit.record(actor=actor, action="ocds_import.started", target=run, after={"source": run.source, "kind": kind})
        return run


@transaction.atomic
def _store(run: ImportRun, batch: list) -> ImportRun:
    """One batch of package items, with the run's new position, in one transaction: a run killed
    at any moment has stored exactly the items its position says."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if not batch:
        return run
    problems, incoming = [], {}
    for item in batch:
        if item.problem:
            problems.append(
                ImportProblem(run=run, position=item.position, where=item.where, message=item.problem[:2000])
            )
            continue
        for release in item.releases:
            incoming.setdefault((str(release["ocid"]), str(release["id"])), release)
    known = set(Release.objects.filter(ocid__in={ocid for ocid, _id in incoming}).values_list("ocid", "release_id"))
    fresh = [
        Release(
            ocid=ocid,
            release_id=release_id,
            date=ocds_reader.parse_date(release.get("date")),
            tags=release.get("tag", []),
            data=release,
            run=run,
        )
        for (ocid, release_id), release in incoming.items()
        if (ocid, release_id) not in known
    ]
    Release.objects.bulk_create(fresh, batch_size=500)
    compiled, compile_problems = _compile({release.ocid for release in fresh}, run)
    ImportProblem.objects.bulk_create(problems + compile_problems)
    run.position = batch[-1].position + 1
    run.releases_read += len(incoming)
    run.releases_added += len(fresh)
    run.tenders_compiled += compiled
    run.problem_count += len(problems) + len(compile_problems)
    run.save()
    return run


def _compile(ocids: set[str], run: ImportRun) -> tuple[int, list[ImportProblem]]:
    """Compile every process that got a new release, from all the releases it has."""
    if not ocids:
        return 0, []
    by_process: dict[str, list[dict]] = {}
    for ocid, data in Release.objects.filter(ocid__in=ocids).order_by("ocid", "date", "id").values_list("ocid", "data"):
        by_process.setdefault(ocid, []).append(data)
    tenders, problems = [], []
    for ocid, releases in by_process.items():
        try:
            compiled, warned = compile_releases(releases)
        except (OCDSMergeError, TypeError, ValueError, AttributeError) as error:
            problems.append(ImportProblem(run=run, where=ocid[:300], message=f"could not compile: {error}"[:2000]))
            continue
        problems += [ImportProblem(run=run, where=ocid[:300], message=f"warning: {text}"[:2000]) for text in warned]
        tenders.append(Tender(ocid=ocid, **tender_fields(compiled, len(releases))))
    fields = [f.name for f in Tender._meta.concrete_fields if f.name not in ("id", "ocid")]
    Tender.objects.bulk_create(tenders, update_conflicts=True, unique_fields=["ocid"], update_fields=fields)
    return len(tenders), problems


def _queue_alerts() -> None:
    from govtech.procurement.tasks import search_alerts_task

    search_alerts_task.enqueue()


def _finish(run: ImportRun, status: str, actor, problem: str = "") -> ImportRun:
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if problem:
            ImportProblem.objects.create(run=run, position=run.position, where="file", message=problem[:2000])
            run.problem_count += 1
        run.status = status
        run.finished_at = timezone.now()
        run.save()
        if run.tenders_compiled:
            transaction.on_commit(_queue_alerts)
        audit.record(
            actor=actor,
            action="ocds_import.finished",
            target=run,
            after={
                "status": status,
                "releases_read": run.releases_read,
                "releases_added": run.releases_added,
                "tenders_compiled": run.tenders_compiled,
                "problems": run.problem_count,
            },
        )
    return run


# --- saved searches and their alerts ------------------------------------------------------------

MAX_SAVED_SEARCHES = 20  # per person
ALERT_TITLES = 5  # tenders named in one alert; the link shows them all


@transaction.atomic
def search_save(*, actor, name: str, params, alerts: bool = True) -> SavedSearch:
    """Keep a tender search under a name. Only tenders (re)compiled from now on are new to it."""
    require_perm(actor, "procurement.save_search")
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the search a name."), field="name", code="required")
    if len(name) > 120:
        raise ServiceError(_("A name of at most 120 characters, please."), field="name", code="max_length")
    stored = TenderQuery.from_params(params).as_stored()
    if not stored:
        raise ServiceError(_("Choose some words or filters first: every tender matches an empty search."), code="empty")
    if SavedSearch.objects.select_for_update().filter(owner=actor).count() >= MAX_SAVED_SEARCHES:
        raise Conflict(
            _("You have %(n)s saved searches, the most there may be; delete one first.") % {"n": MAX_SAVED_SEARCHES},
            code="too_many",
        )
    search = SavedSearch.objects.create(owner=actor, name=name, params=stored, alerts=alerts, checked_at=timezone.now())
    audit.record(actor=actor, action="tender_search.saved", target=search, after={"name": name, "params": stored})
    return search


@transaction.atomic
def search_set_alerts(*, actor, search: SavedSearch, alerts: bool) -> SavedSearch:
    require_perm(actor, "procurement.manage_search", search)
    search = SavedSearch.objects.select_for_update().get(pk=search.pk)
    if search.alerts != alerts:
        search.alerts = alerts
        search.checked_at = timezone.now()  # turned back on: what came meanwhile is not "new"
        search.save(update_fields=["alerts", "checked_at", "updated_at"])
        audit.record(actor=actor, action="tender_search.alerts_set", target=search, after={"alerts": alerts})
    return search


@transaction.atomic
def search_delete(*, actor, search: SavedSearch) -> None:
    require_perm(actor, "procurement.manage_search", search)
    audit.record(actor=actor, action="tender_search.deleted", target=search, before={"name": search.name})
    search.delete()


def send_search_alerts(now=None) -> int:
    """Tell each saved search's owner of the tenders that newly match it: those compiled since the
    last check and not told before. Returns the number of tenders notified."""
    sent = 0
    for search in searches_with_alerts():
        sent += _alert(search, now or timezone.now())
    return sent


@transaction.atomic
def _alert(search: SavedSearch, now) -> int:
    search = SavedSearch.objects.select_for_update().filter(pk=search.pk, alerts=True).first()
    if search is None:
        return 0
    query = TenderQuery.from_params(search.params)
    matches = list(
        search_tenders(query)
        .filter(compiled_at__gt=search.checked_at, compiled_at__lte=now)
        .exclude(pk__in=SearchAlert.objects.filter(search=search).values("tender_id"))
        .values_list("pk", "title", "ocid")
    )
    search.checked_at = now
    search.save(update_fields=["checked_at", "updated_at"])
    if not matches:
        return 0
    SearchAlert.objects.bulk_create([SearchAlert(search=search, tender_id=pk) for pk, _title, _ocid in matches])
    titles = [title or ocid for _pk, title, ocid in matches[:ALERT_TITLES]]
    notify(
        kind=SEARCH_MATCHES.key,
        recipient_ids=[search.owner_id],
        params={"search": search.name, "count": len(matches), "titles": titles},
        url=f"{reverse('procurement:tender-list')}?{urlencode(search.params, doseq=True)}",
    )
    audit.record(actor=None, action="tender_search.alerted", target=search, after={"tenders": len(matches)})
    return len(matches)
