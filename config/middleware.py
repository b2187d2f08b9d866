"""Middleware of the whole site."""

from django.core.exceptions import SuspiciousOperation


class NulCharacterInRequest(SuspiciousOperation):
    """A request carries a NUL character, which no text column can store."""


class RejectNulCharactersMiddleware:
    """Answer 400 to a request whose path, query string or form data holds a NUL character.

    No page has a use for it and PostgreSQL refuses it in every text comparison, so a lookup such
    as `?contact=%00` would otherwise end in a database error instead of a "not found".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or self._has_nul(request.GET) or self._has_nul(request.POST):
            raise NulCharacterInRequest("NUL character in the request")
        return self.get_response(request)

    @staticmethod
    def _has_nul(data) -> bool:
        return any(
            "\x00" in key or "\x00" in value for key, values in data.lists() for value in values
        )
