"""Notification kinds of the accounts app (registered in AccountsConfig.ready)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govtech.accounts.models import PlatformRole
from govtech.notifications.kinds import register


def _role_changed_title(params: dict) -> str:
    role = PlatformRole(params["role"]).label
    if params.get("granted"):
        return _("You were given the platform role «%(role)s»") % {"role": role}
    return _("Your platform role «%(role)s» was withdrawn") % {"role": role}


MEMBER_JOINED = register(
    "organization.member_joined",
    gettext_lazy("Someone joins an organization I administer"),
    gettext_lazy("%(person)s joined %(organization)s"),
)
ROLE_CHANGED = register(
    "account.role_changed",
    gettext_lazy("I am given or lose a platform role"),
    _role_changed_title,
)
