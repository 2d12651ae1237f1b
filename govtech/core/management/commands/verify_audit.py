from django.core.management.base import BaseCommand, CommandError

from govtech.core.audit import verify_chain
from govtech.core.models import AuditEvent


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain and fail if any event was edited, deleted or reordered."

    def handle(self, *args, **options):
        problems = verify_chain()
        if problems:
            for problem in problems:
                where = f"event {problem.sequence}" if problem.sequence is not None else "chain"
                self.stderr.write(f"{where}: {problem.message}")
            raise CommandError(f"audit log is NOT intact: {len(problems)} problem(s)")
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {AuditEvent.objects.count()} events verified"))
