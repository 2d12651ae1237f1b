"""The one check every service makes: raise Forbidden unless the actor holds the permission."""

from django.utils.translation import gettext_lazy as _

from govtech.core.errors import Forbidden


def require_perm(actor, perm: str, obj=None) -> None:
    """Permissions are the rules in each app's ``rules.py``; pages, API and admin all ask them."""
    if actor is None or not actor.has_perm(perm, obj):
        raise Forbidden(_("You do not have permission to do this."))
