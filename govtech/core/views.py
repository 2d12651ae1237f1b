"""Small helpers of thin views."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.http import url_has_allowed_host_and_scheme

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


def stored_file_response(stored_file, title: str, *, as_attachment: bool = True) -> FileResponse:
    """A stored upload, sent under its human title (with the stored file's extension); a file
    missing from storage is "not found". Callers check access first."""
    try:
        handle = stored_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    extension = stored_file.name.rsplit(".", 1)[-1] if "." in stored_file.name else ""
    filename = title if not extension or title.lower().endswith("." + extension.lower()) else f"{title}.{extension}"
    return FileResponse(handle, as_attachment=as_attachment, filename=filename)


def safe_next(request, fallback: str) -> str:
    """Where a form asks to go back to (``next``), if it is on this site; otherwise ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback
