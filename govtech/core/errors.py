"""Domain errors raised by services. Pages show them next to the form; the API maps
them to a 4xx with a machine-readable code (govtech.api.errors)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A use case refused: bad input or a rule that does not hold now."""

    code = "invalid"
    status = 400

    def __init__(self, message=None, *, field: str | None = None, code: str | None = None):
        self.message = message or _("The request could not be processed.")
        self.field = field
        if code:
            self.code = code
        super().__init__(str(self.message))


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class Forbidden(PermissionDenied):
    """The actor may not do this. Subclasses PermissionDenied so Django and DRF answer 403."""


def reject_unknown_fields(fields, allowed) -> None:
    """A service takes only the fields it names; anything else is refused, never ignored."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ServiceError(_("These fields cannot be set here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
