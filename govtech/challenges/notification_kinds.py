"""Notification kinds of challenges (registered in ChallengesConfig.ready)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govtech.notifications.kinds import register


def _label(choices, value: str) -> str:
    """A status in the reader's language: notifications store the value, never the label."""
    return str(choices(value).label) if value in choices.values else value


def _reviewed_title(params: dict) -> str:
    from govtech.challenges.models import ChallengeStatus

    return gettext("%(challenge)s: %(outcome)s") % {
        "challenge": params["challenge"],
        "outcome": _label(ChallengeStatus, params["outcome"]),
    }


def _decided_title(params: dict) -> str:
    from govtech.challenges.models import SubmissionStatus

    return gettext("Decision on your submission to %(challenge)s: %(outcome)s") % {
        "challenge": params["challenge"],
        "outcome": _label(SubmissionStatus, params["outcome"]),
    }


REVIEW_REQUESTED = register(
    "challenges.review_requested",
    _("A challenge waits for review (operators)"),
    _("Challenge to review: %(challenge)s"),
)
REVIEWED = register(
    "challenges.reviewed",
    _("My agency's challenge is published or returned for changes"),
    _reviewed_title,
)
QUESTION_ASKED = register(
    "challenges.question_asked",
    _("A supplier asks a question about my agency's challenge"),
    _("New question about %(challenge)s"),
)
QUESTION_ANSWERED = register(
    "challenges.question_answered",
    _("A question about a challenge I take part in or follow is answered"),
    _("New answer about %(challenge)s"),
)
SUBMISSION_RECEIVED = register(
    "challenges.submission_received",
    _("My organization's submission is received (with its receipt)"),
    _("Submission received for %(challenge)s, receipt %(receipt)s"),
)
EXPERT_ASSIGNED = register(
    "challenges.expert_assigned",
    _("I am asked to evaluate a submission (experts)"),
    _("Please evaluate a submission to %(challenge)s"),
)
NO_EXPERT_LEFT = register(
    "challenges.no_expert_left",
    _("No expert is left to replace a recused one (operators)"),
    _("No free expert for a submission to %(challenge)s"),
)
SUBMISSION_DECIDED = register(
    "challenges.submission_decided",
    _("A decision on my organization's submission"),
    _decided_title,
)
RESULTS_PUBLISHED = register(
    "challenges.results_published",
    _("Results of a challenge I take part in or follow are published"),
    _("Results published: %(challenge)s, %(phase)s"),
)
DEADLINE_SOON = register(
    "challenges.deadline_soon",
    _("A challenge I take part in or follow closes soon"),
    _("%(challenge)s: submissions close on %(deadline)s"),
)
