"""Helpers of the challenge domain tests: a frozen reference moment, a snapshot of everything the
challenge services can change (to prove a refusal changed nothing), submission sections, files,
and short cuts that put a challenge into a given state by writing rows directly."""

from datetime import UTC, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from govtech.accounts.models import MembershipRole
from govtech.challenges.models import (
    Assignment,
    Attachment,
    Challenge,
    ChallengeDocument,
    ChallengeStatus,
    ConsultationSlot,
    Criterion,
    Declaration,
    Indicator,
    Phase,
    Question,
    Receipt,
    ReviewCycle,
    Score,
    Submission,
)
from govtech.core import audit
from govtech.core.models import AuditEvent
from govtech.funnel.models import GateDecision, Goal, Initiative, StageStay
from govtech.notifications.models import Notification
from tests.challenges.factories import AssignmentFactory, ChallengeFactory, SubmissionFactory
from tests.factories import MembershipFactory, SupplierFactory, UserFactory

# Monday 2 March 2026, 12:00 in Moscow. Every clock-dependent test starts here.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def at(days: float = 0, **delta) -> datetime:
    return T0 + timedelta(days=days, **delta)


def challenges_state() -> dict:
    """Every row a challenge service may write, plus the funnel, the queue and the audit log."""

    def rows(model) -> list[dict]:
        return list(model.objects.order_by("pk").values())

    return {
        "challenges": rows(Challenge),
        "phases": rows(Phase),
        "criteria": rows(Criterion),
        "indicators": rows(Indicator),
        "documents": rows(ChallengeDocument),
        "questions": rows(Question),
        "slots": rows(ConsultationSlot),
        "cycles": rows(ReviewCycle),
        "submissions": rows(Submission),
        "attachments": rows(Attachment),
        "receipts": rows(Receipt),
        "assignments": rows(Assignment),
        "scores": rows(Score),
        "initiatives": rows(Initiative),
        "stays": rows(StageStay),
        "decisions": rows(GateDecision),
        "goals": rows(Goal),
        "tasks": DBTaskResult.objects.count(),
        "notifications": Notification.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


class AuditWatch:
    """The audit actions recorded since it was made; the chain must still verify."""

    def __init__(self) -> None:
        self.start = AuditEvent.objects.count()

    def actions(self) -> list[str]:
        assert audit.verify_chain() == []
        return list(AuditEvent.objects.order_by("sequence")[self.start :].values_list("action", flat=True))


SECTIONS = {
    "title": "Датчики занятости парковок",
    "summary": "Датчики в асфальте сообщают о свободных местах.",
    "approach": "Магнитные датчики и открытое API для навигаторов.",
    "team": "Пять инженеров и аналитик.",
    "plan": "Три месяца: установка, калибровка, отчёт.",
    "budget": "400000",
}


def sections(**overrides) -> dict:
    return {**SECTIONS, **overrides}


# The smallest file that is a PDF by its content (the magic bytes are what the upload check sniffs).
TINY_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "plan.pdf", content: bytes = TINY_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def supplier_with_member(**fields):
    """Another supplier organization and one member who may act for it."""
    organization = SupplierFactory(**fields)
    member = UserFactory()
    MembershipFactory(user=member, organization=organization, role=MembershipRole.ADMIN)
    return organization, member


def draft_challenge(owner, **fields) -> Challenge:
    """A complete draft (or another status given) whose one phase opens tomorrow and closes in ten days."""
    now = timezone.now()
    phases = fields.pop("phases", [{"opens_at": now + timedelta(days=1), "closes_at": now + timedelta(days=10)}])
    return ChallengeFactory(
        owner=owner, **{"status": ChallengeStatus.DRAFT, "published_at": None, "phases": phases, **fields}
    )


def hand_in(assignment: Assignment, values: list[int]) -> Assignment:
    """The expert declared no conflict and handed in these scores, one per criterion in order."""
    criteria = list(Criterion.objects.filter(challenge_id=assignment.submission.phase.challenge_id).order_by("pk"))
    assert len(values) == len(criteria)
    for criterion, value in zip(criteria, values, strict=True):
        Score.objects.create(assignment=assignment, criterion=criterion, value=value)
    assignment.conflict = Declaration.NONE
    assignment.completed_at = timezone.now()
    assignment.save()
    return assignment


def evaluated(phase: Phase, supplier, *, experts, values: list[list[int]], **fields) -> Submission:
    """A submission of ``supplier`` with one handed-in evaluation per expert."""
    submission = SubmissionFactory(phase=phase, supplier=supplier, **fields)
    for expert, scores in zip(experts, values, strict=True):
        hand_in(AssignmentFactory(submission=submission, expert=expert), scores)
    return submission


def close_panel(submission: Submission) -> ReviewCycle:
    cycle = submission.cycle
    cycle.panel_closed_at = timezone.now()
    cycle.save()
    return cycle


def decidable_challenge(owner, suppliers, *, advance_cap: int = 1, experts=None, **fields):
    """A one-phase challenge in evaluation: the phase closed an hour ago, each supplier's submission
    was scored by two experts and the panel is closed, so the owner may decide now.
    Returns (challenge, phase, submissions)."""
    now = timezone.now()
    challenge = ChallengeFactory(
        owner=owner,
        status=ChallengeStatus.EVALUATION,
        published_at=now - timedelta(days=20),
        phases=[
            {
                "opens_at": now - timedelta(days=15),
                "closes_at": now - timedelta(hours=1),
                "advance_cap": advance_cap,
                **fields.pop("phase", {}),
            }
        ],
        **fields,
    )
    phase = challenge.phases.get()
    experts = experts or [UserFactory(is_expert=True), UserFactory(is_expert=True)]
    submissions = [
        evaluated(
            phase,
            supplier,
            experts=experts,
            values=[[8 - index, 7 - index]] * len(experts),
            submitted_at=now - timedelta(days=10 - index),
        )
        for index, supplier in enumerate(suppliers)
    ]
    if submissions:
        close_panel(submissions[0])
    return challenge, phase, submissions
