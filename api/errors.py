"""The API's errors: a rule's refusal is 409, a stale write 412, each `{"code", "message"}`;
a bad shape is 400 with the messages by field; 401, 403, 404, 405 and 429 as DRF makes them,
in the same `{"code", "message"}` form. Messages are in the request's language."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from web.shortcuts import shown


class Refused(exceptions.APIException):
    """A rule of the services (or of the models' guards) refused; nothing was written."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, code: str, message: str):
        super().__init__(detail=message, code=code)
        self.refusal_code = code


class Stale(exceptions.APIException):
    """The If-Match version is not the opportunity's: someone changed it since."""

    status_code = status.HTTP_412_PRECONDITION_FAILED

    def __init__(self, message: str, *, etag: str | None = None):
        super().__init__(detail=message, code="stale")
        self.refusal_code = "stale"
        self.etag = etag


def refusal(error: ValidationError, *, etag=None) -> exceptions.APIException:
    """A service's refusal as the API answers it: its code, its message in the user's language
    (with the dates as the pages show them)."""
    code = getattr(error, "code", None)
    if code is None:
        codes = [item.code for item in error.error_list] if hasattr(error, "error_list") else []
        code = next((c for c in codes if c), "invalid")
    message = " ".join(shown(error).messages)
    if code == "stale":
        return Stale(message, etag=etag() if callable(etag) else etag)
    return Refused(code, message)


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        if not isinstance(response.data, dict):
            response.data = {"non_field_errors": response.data}
        return response
    if isinstance(exc, exceptions.ParseError):  # a body that is no JSON: 400 like any shape
        response.data = {"non_field_errors": [str(exc.detail)]}
        return response
    code = getattr(exc, "refusal_code", None)
    if code is None:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
    response.data = {"code": code, "message": str(exc.detail)}
    if isinstance(exc, Stale) and exc.etag:
        response["ETag"] = exc.etag
    return response


def bad_request(request, exception):
    """The site's 400 (handler400): JSON under /api/v1/, as the schema says, else the page.

    It answers what fails before any view, such as a NUL character in the address (refused by
    config.middleware.RejectNulCharactersMiddleware)."""
    if request.path.startswith("/api/v1/"):
        message = _("The request holds a character that no field can take, or is malformed.")
        return JsonResponse({"non_field_errors": [str(message)]}, status=400)
    return defaults.bad_request(request, exception)
