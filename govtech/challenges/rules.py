"""Who may do what with challenges. Windows and deadlines are not permissions: the
services check them against the clock and say why a step is not possible now."""

import rules

from govtech.accounts.models import OrganizationKind
from govtech.accounts.rules import is_expert, is_operator, is_signed_in
from govtech.challenges.models import Assignment, Challenge, Declaration, Phase, Submission


def _member_of(user, organization, kind: str) -> bool:
    return (
        is_signed_in(user)
        and organization is not None
        and organization.kind == kind
        and organization.memberships.filter(user=user).exists()
    )


def _challenge_of(obj) -> Challenge | None:
    if isinstance(obj, Challenge):
        return obj
    if isinstance(obj, Phase):
        return obj.challenge
    if isinstance(obj, Submission):
        return obj.phase.challenge
    return None


@rules.predicate
def is_owner_member(user, obj) -> bool:
    """A member of the agency that owns the challenge (obj: a challenge, phase, submission, or the agency)."""
    challenge = _challenge_of(obj)
    organization = challenge.owner if challenge else obj
    return _member_of(user, organization, OrganizationKind.AGENCY)


@rules.predicate
def is_public_challenge(user, challenge) -> bool:
    return isinstance(challenge, Challenge) and challenge.is_public


@rules.predicate
def is_supplier_member(user, organization) -> bool:
    return _member_of(user, organization, OrganizationKind.SUPPLIER)


@rules.predicate
def is_any_supplier_member(user) -> bool:
    return is_signed_in(user) and user.memberships.filter(organization__kind=OrganizationKind.SUPPLIER).exists()


@rules.predicate
def is_submitter(user, submission) -> bool:
    return isinstance(submission, Submission) and _member_of(user, submission.supplier, OrganizationKind.SUPPLIER)


@rules.predicate
def is_cleared_expert(user, submission) -> bool:
    """An assigned expert who declared no conflict of interest for this submission."""
    return (
        is_signed_in(user)
        and isinstance(submission, Submission)
        and submission.is_active
        and Assignment.objects.filter(submission=submission, expert=user, conflict=Declaration.NONE).exists()
    )


@rules.predicate
def is_owner_after_deadline(user, submission) -> bool:
    """The owner reads submissions once they can no longer change."""
    from django.utils import timezone

    return (
        isinstance(submission, Submission)
        and submission.is_active
        and is_owner_member(user, submission)
        and timezone.now() >= submission.cycle.ends_at
    )


@rules.predicate
def is_own_assignment(user, assignment) -> bool:
    return is_signed_in(user) and isinstance(assignment, Assignment) and assignment.expert_id == user.pk


PERMISSIONS = {
    "challenges.view_challenge": is_public_challenge | is_operator | is_owner_member,
    # obj: the agency the challenge would belong to
    "challenges.add_challenge": is_operator | is_owner_member,
    "challenges.change_challenge": is_operator | is_owner_member,
    "challenges.review_challenge": is_operator,
    "challenges.ask_question": is_any_supplier_member,
    "challenges.answer_question": is_operator | is_owner_member,
    "challenges.manage_slots": is_operator | is_owner_member,
    # obj: the supplier organization acting
    "challenges.act_for_supplier": is_supplier_member,
    "challenges.view_submission": is_operator | is_submitter | is_cleared_expert | is_owner_after_deadline,
    "challenges.manage_panel": is_operator,
    "challenges.declare_conflict": is_expert & is_own_assignment,
    "challenges.score": is_expert & is_own_assignment,
    "challenges.view_evaluation": is_operator | is_owner_member,
    "challenges.decide": is_operator | is_owner_member,
    "challenges.view_evaluations_inbox": is_expert,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
