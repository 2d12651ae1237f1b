"""Writes of the procurement app. The OCDS import: idempotent (a release is stored once per
process and release id), resumable (a run stores its position with each batch, in the batch's
transaction), and a bad record is reported with its position while the rest goes on."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from ocdsmerge.exceptions import OCDSMergeError

from govtech.core import audit
from govtech.core.permissions import require_perm
from govtech.procurement import ocds_reader
from govtech.procurement.compile import compile_releases, tender_fields
from govtech.procurement.models import ImportProblem, ImportRun, Release, RunStatus, Tender

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


def _finish(run: ImportRun, status: str, actor, problem: str = "") -> ImportRun:
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if problem:
            ImportProblem.objects.create(run=run, position=run.position, where="file", message=problem[:2000])
            run.problem_count += 1
        run.status = status
        run.finished_at = timezone.now()
        run.save()
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
