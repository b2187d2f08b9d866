"""The OpenAPI schema: drf-spectacular's, with every operation's error answers and the token.

Each operation documents the errors it can give, all as JSON: 400 (the messages by field), and
`{"code", "message"}` for 401, 403, 404, 429 and, on writes, 409 (a rule refused) and 412 (a
stale If-Match). Schemathesis checks every answer against them (tests/api/test_schema.py).
"""

from drf_spectacular import authentication, openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from api.serializers import FIELD_ERRORS, ErrorSerializer

ERRORS = {
    "400": FIELD_ERRORS,
    "401": ErrorSerializer,
    "403": ErrorSerializer,
    "404": ErrorSerializer,
    "429": ErrorSerializer,
}
WRITE_ERRORS = {"409": ErrorSerializer, "412": ErrorSerializer}
DESCRIPTIONS = {
    "400": "The request's shape: the messages by field.",
    "401": "No credentials, or a token that does not authenticate.",
    "403": "The user may not do this (the same permissions as the pages).",
    "404": "No such object, or a cursor that this list did not make.",
    "409": "A rule refused the action; nothing was written.",
    "412": "If-Match is not the opportunity's version: it changed since (code stale).",
    "429": "Too many requests (Retry-After says when to try again), or logins paused.",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors |= WRITE_ERRORS
        for status, serializer in errors.items():
            if status not in responses:
                response = self._get_response_for_code(serializer, status, direction=direction)
                response["description"] = DESCRIPTIONS[status]
                responses[status] = response
        return responses


class SessionScheme(authentication.SessionScheme):
    target_class = "api.authentication.SessionAuthentication"


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token crm_...`: a key from the API tokens page (user menu) or "
            "`manage.py create_api_token USER`.",
        }
