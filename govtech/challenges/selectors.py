"""Reads of the challenge platform. Lists build a fixed number of queries whatever their length;
what a person may see of scores is decided here, once, for pages and the API."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from govtech.accounts.models import OrganizationKind
from govtech.challenges.aggregation import ResultRow, ScoreSummary, panel_results, summarise
from govtech.challenges.models import (
    Assignment,
    Challenge,
    ChallengeStatus,
    Declaration,
    Phase,
    Question,
    ReviewCycle,
    Submission,
    SubmissionStatus,
)
from govtech.core.search import search

PUBLIC_STATUSES = [
    ChallengeStatus.PUBLISHED,
    ChallengeStatus.EVALUATION,
    ChallengeStatus.DECIDED,
    ChallengeStatus.CLOSED,
    ChallengeStatus.CANCELLED,
]


class Deadline:
    """The deadline filter of the public list."""

    OPEN = "open"  # a phase takes submissions now
    WEEK = "week"  # a phase open now closes within 7 days
    MONTH = "month"  # ... within 30 days
    UPCOMING = "upcoming"  # a phase opens later

    CHOICES = (OPEN, WEEK, MONTH, UPCOMING)


@dataclass
class ChallengeFilters:
    status: str | None = None
    owner: int | None = None  # agency id
    topic: str | None = None
    phase_kind: str | None = None
    deadline: str | None = None
    query: str | None = None


def _open_phase(now) -> Q:
    return Q(phases__opens_at__lte=now, phases__closes_at__gt=now)


def public_challenges() -> QuerySet[Challenge]:
    return Challenge.objects.filter(published_at__isnull=False)


def challenge_list(*, filters: ChallengeFilters | None = None, now=None) -> QuerySet[Challenge]:
    """Published challenges (and those cancelled after publication), with the next deadline."""
    filters = filters or ChallengeFilters()
    now = now or timezone.now()
    challenges = public_challenges()
    if filters.status:
        challenges = challenges.filter(status=filters.status)
    if filters.owner:
        challenges = challenges.filter(owner_id=filters.owner)
    if filters.topic:
        challenges = challenges.filter(topic=filters.topic)
    if filters.phase_kind:
        challenges = challenges.filter(pk__in=Phase.objects.filter(kind=filters.phase_kind).values("challenge_id"))
    if filters.deadline in Deadline.CHOICES:
        running = Q(challenge__status=ChallengeStatus.PUBLISHED)
        window = {
            Deadline.OPEN: Q(opens_at__lte=now, closes_at__gt=now),
            Deadline.WEEK: Q(opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + timedelta(days=7)),
            Deadline.MONTH: Q(opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + timedelta(days=30)),
            Deadline.UPCOMING: Q(opens_at__gt=now),
        }[filters.deadline]
        challenges = challenges.filter(pk__in=Phase.objects.filter(running & window).values("challenge_id"))
    if filters.query:
        challenges = search(challenges, ["title", "summary", "problem"], filters.query)
    return with_list_data(challenges, now=now)


def with_list_data(challenges: QuerySet[Challenge], *, now=None) -> QuerySet[Challenge]:
    now = now or timezone.now()
    # A correlated subquery, not a join with GROUP BY: the database computes it for the page's rows only.
    # Only a running challenge has deadlines: a cancelled or decided one shows none.
    upcoming = Phase.objects.filter(
        challenge=OuterRef("pk"), challenge__status=ChallengeStatus.PUBLISHED, closes_at__gt=now
    ).order_by("closes_at")
    return (
        challenges.select_related("owner")
        .annotate(next_deadline=Subquery(upcoming.values("closes_at")[:1]))
        .prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("number")))
        .order_by("-published_at", "-id")
    )


def next_deadline(challenge: Challenge, phases: list[Phase], *, now=None):
    """The detail page's counterpart of the list's ``next_deadline`` annotation."""
    now = now or timezone.now()
    if challenge.status != ChallengeStatus.PUBLISHED:
        return None
    return min((phase.closes_at for phase in phases if phase.closes_at > now), default=None)


def challenges_of_agencies(*, user) -> QuerySet[Challenge]:
    """ "My challenges": every challenge of the agencies the person belongs to, drafts included."""
    agencies = user.memberships.filter(organization__kind=OrganizationKind.AGENCY).values("organization_id")
    return with_list_data(Challenge.objects.filter(owner_id__in=agencies)).order_by("-updated_at", "-id")


def review_queue() -> QuerySet[Challenge]:
    """Challenges waiting for the operator, oldest first."""
    return with_list_data(Challenge.objects.filter(status=ChallengeStatus.IN_REVIEW)).order_by("updated_at", "id")


def phases_of(challenge: Challenge) -> list[Phase]:
    return list(challenge.phases.order_by("number"))


def answered_questions(challenge: Challenge) -> QuerySet[Question]:
    """Published Q&A: the question and its answer, never who asked."""
    return challenge.questions.filter(answered_at__isnull=False).only(
        "id", "challenge_id", "text", "answer", "answered_at", "created_at"
    )


def unanswered_questions(challenge: Challenge) -> QuerySet[Question]:
    return challenge.questions.filter(answered_at__isnull=True)


def slots_of(challenge: Challenge, *, now=None) -> QuerySet:
    now = now or timezone.now()
    return challenge.slots.filter(starts_at__gt=now).select_related("booked_by")


def submissions_of_suppliers(*, user) -> QuerySet[Submission]:
    """ "My submissions": everything the person's supplier organizations submitted."""
    suppliers = user.memberships.filter(organization__kind=OrganizationKind.SUPPLIER).values("organization_id")
    return (
        Submission.objects.filter(supplier_id__in=suppliers)
        .select_related("phase__challenge__owner", "supplier", "cycle")
        .order_by("-submitted_at", "-id")
    )


def assignments_of_expert(*, user) -> QuerySet[Assignment]:
    """ "My evaluations": open ones first; recused ones are not listed."""
    return (
        Assignment.objects.filter(expert=user)
        .exclude(conflict=Declaration.RECUSED)
        .exclude(submission__status=SubmissionStatus.WITHDRAWN)
        .select_related("submission__phase__challenge", "submission__supplier", "submission__cycle")
        .order_by("completed_at", "submission__cycle__ends_at", "id")
    )


def panel_submissions(cycle: ReviewCycle) -> QuerySet[Submission]:
    """The operator's panel view: submissions of a cycle with their assignments."""
    return (
        cycle.submissions.select_related("supplier")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("expert")))
        .order_by("submitted_at", "id")
    )


def cycles_of(phase: Phase) -> QuerySet[ReviewCycle]:
    return phase.cycles.order_by("number")


def visible_assignments(*, actor, submission: Submission) -> list[Assignment]:
    """The evaluations (with scores) this person may read for a submission. Until the panel closes
    an expert reads only their own; afterwards the panel and the owner read all. The operator
    running the panel always may. Recused experts' rows carry no scores and are never shown."""
    assignments = (
        submission.assignments.exclude(conflict=Declaration.RECUSED)
        .select_related("expert")
        .prefetch_related("scores__criterion")
    )
    if not actor.is_authenticated:
        return []
    if actor.is_operator:
        return list(assignments)
    panel_closed = submission.cycle.panel_closed
    is_owner = actor.has_perm("challenges.view_evaluation", submission.phase.challenge)
    if panel_closed and (is_owner or assignments.filter(expert=actor, conflict=Declaration.NONE).exists()):
        return list(assignments.filter(completed_at__isnull=False))
    return list(assignments.filter(expert=actor))


def ranking(*, actor, cycle: ReviewCycle) -> list[ResultRow] | None:
    """The ranked panel results for the operator at any time, for the owner once the panel closed."""
    if not actor.has_perm("challenges.view_evaluation", cycle.phase.challenge):
        return None
    if not (cycle.panel_closed or actor.is_operator):
        return None
    return panel_results(cycle)


@dataclass
class PhaseResults:
    phase: Phase
    advanced: list[ResultRow]
    summary: ScoreSummary


def published_results(challenge: Challenge) -> list[PhaseResults]:
    """The public results: for each phase whose results are out, who advanced (with scores) and
    the score summary of all submissions. Individual experts' scores are never public."""
    results = []
    for phase in challenge.phases.filter(results_published_at__isnull=False).order_by("number"):
        rows = panel_results(phase)
        advanced = [row for row in rows if row.submission.status == SubmissionStatus.ADVANCED]
        results.append(PhaseResults(phase=phase, advanced=advanced, summary=summarise(rows)))
    return results


def is_final_phase(phase: Phase) -> bool:
    return not Phase.objects.filter(challenge_id=phase.challenge_id, number__gt=phase.number).exists()


def has_submission(*, phase: Phase, supplier) -> bool:
    return Submission.objects.filter(phase=phase, supplier=supplier).exists()


def supplier_organizations(*, user) -> QuerySet:
    """The supplier organizations a person may act for."""
    from govtech.accounts.models import Organization

    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(kind=OrganizationKind.SUPPLIER, memberships__user=user).order_by("name")


def has_open_assignments(*, user) -> bool:
    return (
        Assignment.objects.filter(expert=user, completed_at__isnull=True).exclude(conflict=Declaration.RECUSED).exists()
    )
