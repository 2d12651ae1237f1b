"""A snapshot of everything a funnel service can change, to prove a refusal changed nothing."""

from django_tasks_db.models import DBTaskResult

from govtech.core.models import AuditEvent
from govtech.funnel.models import Evidence, GateDecision, Goal, Initiative, Instrument, StageStay, TeamMember
from govtech.notifications.models import Notification


def funnel_state() -> dict:
    return {
        "initiatives": list(Initiative.objects.order_by("pk").values()),
        "stays": list(StageStay.objects.order_by("pk").values()),
        "decisions": list(GateDecision.objects.order_by("pk").values()),
        "goals": list(Goal.objects.order_by("pk").values()),
        "evidence": Evidence.objects.count(),
        "team": list(TeamMember.objects.order_by("pk").values()),
        "instruments": list(Instrument.objects.order_by("pk").values()),
        "tasks": DBTaskResult.objects.count(),
        "notifications": Notification.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }
