"""Background work of procurement: telling saved searches of new matches."""

from govtech.core.tasks import task
from govtech.procurement import services


@task()
def search_alerts_task() -> int:
    """Queued after each import that compiled tenders; cron may run it too (send_tender_alerts)."""
    return services.send_search_alerts()
