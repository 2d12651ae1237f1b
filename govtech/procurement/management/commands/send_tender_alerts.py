"""For cron: tell saved searches of new matching tenders (each tender once per search)."""

from django.core.management.base import BaseCommand

from govtech.procurement import services


class Command(BaseCommand):
    help = "E-mail the owners of saved tender searches about tenders that newly match (each tender once)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"tenders notified: {services.send_search_alerts()}")
