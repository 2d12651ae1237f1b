"""Helpers of the participation domain tests: a snapshot of everything the participation services
can change (to prove a refusal changed nothing), an agency with its staff, and short cuts that put
an idea into a given status by writing rows directly."""

from datetime import UTC, datetime, timedelta

from django_tasks_db.models import DBTaskResult

from govtech.core import audit
from govtech.core.models import AuditEvent
from govtech.funnel.models import Initiative
from govtech.notifications.models import Notification
from govtech.participation.models import (
    Call,
    Comment,
    Idea,
    IdeaFile,
    Milestone,
    Participant,
    PointsEntry,
    Report,
    StatusChange,
    Story,
    Vote,
)
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

# Monday 2 March 2026, 12:00 in Moscow. Clock-dependent tests start here.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(days: float = 0, **delta) -> datetime:
    return T0 + timedelta(days=days, **delta)


def participation_state() -> dict:
    """Every row a participation service may write, plus the funnel, the task queue and the audit log."""

    def rows(model) -> list[dict]:
        return list(model.objects.order_by("pk").values())

    return {
        "calls": rows(Call),
        "ideas": rows(Idea),
        "files": rows(IdeaFile),
        "votes": rows(Vote),
        "changes": rows(StatusChange),
        "milestones": rows(Milestone),
        "comments": rows(Comment),
        "reports": rows(Report),
        "points": rows(PointsEntry),
        "participants": rows(Participant),
        "stories": rows(Story),
        "initiatives": rows(Initiative),
        "tasks": DBTaskResult.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


class AuditWatch:
    """The audit actions recorded since it was made; the chain must still verify."""

    def __init__(self) -> None:
        self.start = AuditEvent.objects.count()

    def actions(self) -> list[str]:
        assert audit.verify_chain() == []
        return list(AuditEvent.objects.order_by("sequence")[self.start :].values_list("action", flat=True))


def agency_with_member(**user_fields):
    """A city agency and one member of it."""
    agency = AgencyFactory()
    member = UserFactory(**user_fields)
    MembershipFactory(user=member, organization=agency)
    return agency, member


def vote_rows(idea) -> int:
    return Vote.objects.filter(idea=idea).count()
