from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "govtech.challenges"
    label = "challenges"
    verbose_name = _("Challenges")

    def ready(self) -> None:
        from govtech.challenges import notification_kinds  # noqa: F401 - registers kinds
        from govtech.challenges.models import Challenge
        from govtech.notifications.followable import register_followable

        register_followable(Challenge, lambda challenge: challenge.is_public)
