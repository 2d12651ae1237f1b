"""Small helpers of thin views."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied

from govtech.core.errors import ServiceError


def require(allowed: bool) -> None:
    """403 unless the person may do this (hidden objects are 404 earlier, in the access layer)."""
    if not allowed:
        raise PermissionDenied


def run_action(request, call, success: str) -> bool:
    """A write without input fields: its refusal becomes an error message on the next page."""
    try:
        call()
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return False
    messages.success(request, success)
    return True
