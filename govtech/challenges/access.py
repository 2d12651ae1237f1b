"""The only way views and the API get challenge objects for an actor: anything the actor may
not see is "not found", the same as a missing object (a recused expert included)."""

from django.http import Http404

from govtech.challenges.models import (
    Assignment,
    Challenge,
    ChallengeDocument,
    ConsultationSlot,
    Declaration,
    Phase,
    Question,
    ReviewCycle,
    Submission,
    SubmissionStatus,
)


def access_challenge(*, actor, slug: str, perm: str = "challenges.view_challenge") -> Challenge:
    challenge = Challenge.objects.select_related("owner").filter(slug=slug).first()
    if challenge is None or not actor.has_perm("challenges.view_challenge", challenge):
        raise Http404
    if perm != "challenges.view_challenge" and not actor.has_perm(perm, challenge):
        raise Http404
    return challenge


def access_phase(*, challenge: Challenge, number) -> Phase:
    phase = Phase.objects.filter(challenge=challenge, number=_int(number)).select_related("challenge__owner").first()
    if phase is None:
        raise Http404
    return phase


def access_cycle(*, phase: Phase, number) -> ReviewCycle:
    cycle = ReviewCycle.objects.filter(phase=phase, number=_int(number)).select_related("phase__challenge").first()
    if cycle is None:
        raise Http404
    return cycle


def access_submission(*, actor, pk) -> Submission:
    submission = (
        Submission.objects.select_related("phase__challenge__owner", "supplier", "cycle", "initiative")
        .filter(pk=_int(pk))
        .first()
    )
    if submission is None or not actor.has_perm("challenges.view_submission", submission):
        raise Http404
    return submission


def access_assignment(*, actor, pk) -> Assignment:
    """An expert's own assignment; once recused it is gone for them."""
    assignment = (
        Assignment.objects.select_related("submission__phase__challenge", "submission__supplier", "submission__cycle")
        .filter(pk=_int(pk), expert_id=getattr(actor, "pk", None))
        .exclude(conflict=Declaration.RECUSED)
        .exclude(submission__status=SubmissionStatus.WITHDRAWN)
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


def access_question(*, challenge: Challenge, pk) -> Question:
    question = Question.objects.filter(challenge=challenge, pk=_int(pk)).select_related("challenge").first()
    if question is None:
        raise Http404
    return question


def access_slot(*, challenge: Challenge, pk) -> ConsultationSlot:
    slot = ConsultationSlot.objects.filter(challenge=challenge, pk=_int(pk)).select_related("challenge").first()
    if slot is None:
        raise Http404
    return slot


def access_document(*, challenge: Challenge, pk) -> ChallengeDocument:
    document = ChallengeDocument.objects.filter(challenge=challenge, pk=_int(pk)).select_related("challenge").first()
    if document is None:
        raise Http404
    return document


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
