from django.db.models import QuerySet

from govtech.core.models import AuditEvent


def audit_event_list(
    *, action: str | None = None, object_type: str | None = None, object_id: str | None = None
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.order_by("-sequence")
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    return events
