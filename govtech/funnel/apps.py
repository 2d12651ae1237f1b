from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FunnelConfig(AppConfig):
    name = "govtech.funnel"
    label = "funnel"
    verbose_name = _("Innovation funnel")

    def ready(self) -> None:
        from govtech.funnel import notification_kinds  # noqa: F401 - registers kinds
        from govtech.funnel.models import Initiative, Visibility
        from govtech.notifications.followable import register_followable

        register_followable(Initiative, lambda initiative: initiative.visibility == Visibility.PUBLIC)
