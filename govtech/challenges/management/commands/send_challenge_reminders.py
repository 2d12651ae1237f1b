"""For a cron job, in case the worker was down when a reminder was due."""

from django.core.management.base import BaseCommand

from govtech.challenges import services


class Command(BaseCommand):
    help = "Send due reminders before challenge phases close (each phase at most once)."

    def handle(self, *args, **options) -> None:
        sent = sum(services.phase_send_reminder(phase_id=pk) for pk in services.due_reminder_phase_ids())
        self.stdout.write(f"reminders sent: {sent}")
