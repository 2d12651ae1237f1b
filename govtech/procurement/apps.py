from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "govtech.procurement"
    label = "procurement"
    verbose_name = _("Procurement for startups and SMEs")

    def ready(self) -> None:
        from govtech.procurement import notification_kinds  # noqa: F401 - registers kinds
