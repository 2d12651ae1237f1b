"""One machine-readable error format for every 4xx and 5xx of the API:

{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"inn": ["..."]}}}
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from govtech.core.errors import ServiceError

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


class ServiceRefused(exceptions.APIException):
    def __init__(self, error: ServiceError):
        self.status_code = error.status
        self.service_code = error.code
        # The service's own sentence is the answer's message even when it names a field.
        self.service_message = str(error.message)
        detail = {error.field: [str(error.message)]} if error.field else str(error.message)
        super().__init__(detail=detail, code=error.code)


def error_body(status_code: int, message: str, code: str | None = None, fields: dict | None = None, **extra) -> dict:
    body = {
        "status": status_code,
        "code": code or _CODES.get(status_code, "error"),
        "message": message,
        "fields": fields or {},
    }
    body.update(extra)
    return {"error": body}


def _to_drf(exc):
    if isinstance(exc, ServiceError):
        return ServiceRefused(exc)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail=detail)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(detail=str(exc) or None)
    return exc


def exception_handler(exc, context):
    exc = _to_drf(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers in the same format
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    fields, message = {}, None
    if isinstance(detail, dict):
        fields = {
            key: [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
        if "non_field_errors" in fields:
            message = fields.pop("non_field_errors")[0]
        elif "detail" in fields and len(fields) == 1:
            message = fields.pop("detail")[0]
        message = message or getattr(exc, "service_message", None) or _("The request has invalid fields.")
    elif isinstance(detail, list):
        message = " ".join(str(item) for item in detail)
    else:
        message = str(detail)
    code = getattr(exc, "service_code", None) or _CODES.get(response.status_code, "error")
    extra = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait)
    response.data = error_body(response.status_code, message, code=code, fields=fields, **extra)
    return response


def json_error_response(status_code: int, message: str) -> JsonResponse:
    return JsonResponse(error_body(status_code, message), status=status_code)


def api_not_found(request, exception=None) -> JsonResponse:
    return json_error_response(status.HTTP_404_NOT_FOUND, _("Not found."))


def api_server_error(request) -> JsonResponse:
    return json_error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, _("Internal server error. It has been logged."))
