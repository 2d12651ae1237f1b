"""Import an OCDS release or record package (a file or a URL) into the open tenders."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from govtech.procurement import services
from govtech.procurement.ocds_reader import UnreadableFile


class Command(BaseCommand):
    help = (
        "Import OCDS data: release packages, record packages, single releases or records, from a file or "
        "an http(s) URL. Streamed, idempotent (a re-import adds nothing) and resumable (an import that was "
        "stopped goes on from where it stopped). Bad records are reported with their position and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", metavar="FILE|URL")
        parser.add_argument("--batch", type=int, default=services.BATCH, help="package items per transaction")

    def handle(self, *args, sources, batch, **options) -> None:
        with translation.override("en"):  # the terminal's messages are in English throughout
            self._import(sources, batch)

    def _import(self, sources: list[str], batch: int) -> None:
        failed = 0
        for source in sources:
            try:
                run = services.import_ocds(source, batch_size=max(1, batch), on_progress=self._progress)
            except UnreadableFile as error:
                self.stderr.write(f"{source}: {error}")
                failed += 1
                continue
            self.stdout.write(
                f"{source}: {run.get_status_display().lower()}; {run.releases_read} releases read, "
                f"{run.releases_added} new, {run.tenders_compiled} processes compiled, {run.problem_count} problems"
            )
            for problem in run.problems.all()[:20]:
                self.stdout.write(f"  problem at {problem.where}: {problem.message}")
            failed += run.status != "finished"
        if failed:
            raise CommandError(f"{failed} of {len(sources)} sources could not be imported completely")

    def _progress(self, progress) -> None:
        run = progress.run
        self.stdout.write(
            f"  … {progress.items} items, {run.releases_added} new releases, {run.problem_count} problems"
        )
        self.stdout.flush()
