"""Background work of challenges: reminders before a phase closes."""

from govtech.challenges import services
from govtech.core.tasks import task


@task()
def deadline_reminder_task(*, phase_id: int) -> bool:
    """Queued at publication to run two days before the phase closes; sends at most once."""
    return services.phase_send_reminder(phase_id=phase_id)
