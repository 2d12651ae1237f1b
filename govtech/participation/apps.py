from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "govtech.participation"
    label = "participation"
    verbose_name = _("Residents' participation")

    def ready(self) -> None:
        from govtech.notifications.followable import register_followable
        from govtech.participation import notification_kinds  # noqa: F401 - registers kinds
        from govtech.participation.models import Idea

        register_followable(Idea, lambda idea: idea.is_public and not idea.is_hidden)
