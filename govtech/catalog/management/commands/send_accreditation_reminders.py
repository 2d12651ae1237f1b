"""For a daily cron job, in case the worker was down when a reminder was due."""

from django.core.management.base import BaseCommand

from govtech.catalog import services


class Command(BaseCommand):
    help = "Remind suppliers whose accreditation ends soon (each reminder at most once)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"reminders sent: {services.send_expiry_reminders()}")
