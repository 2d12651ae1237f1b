from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "govtech.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self) -> None:
        from govtech.accounts import notification_kinds  # noqa: F401 - registers kinds
        from govtech.accounts.models import Organization
        from govtech.notifications.followable import register_followable

        register_followable(Organization, lambda organization: organization.is_active)
