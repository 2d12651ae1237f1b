"""Background work of the catalog: reminders before accreditations end."""

from govtech.catalog import services
from govtech.core.tasks import task


@task()
def expiry_reminders_task() -> int:
    """Queued by each accreditation decision for its reminder days; sends what is due, once."""
    return services.send_expiry_reminders()
