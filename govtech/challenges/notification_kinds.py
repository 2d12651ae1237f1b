"""Notification kinds of challenges (registered in ChallengesConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from govtech.notifications.kinds import register

REVIEW_REQUESTED = register(
    "challenges.review_requested",
    _("A challenge waits for review (operators)"),
    _("Challenge to review: %(challenge)s"),
)
REVIEWED = register(
    "challenges.reviewed",
    _("My agency's challenge is published or returned for changes"),
    _("%(challenge)s: %(outcome)s"),
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
    _("Decision on your submission to %(challenge)s: %(outcome)s"),
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
