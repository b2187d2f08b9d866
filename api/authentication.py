"""Who calls the API: `Authorization: Token KEY`, or the session of a logged-in browser.

A token that does not authenticate (unknown, wrong, expired, its user inactive) is a failed
login for the login limits of the web login (django-axes, config.middleware.LoginLimits): it
counts for the token's user when the key's prefix names one (else for no username) from the
caller's address, and while that address or that user there is paused every token is refused
with 429 before it is checked, as a paused login is refused before its password is.
"""

import math

from axes.attempts import get_cool_off_threshold
from axes.conf import settings as axes_settings
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, status

from api.models import ApiToken, parse_key

KEYWORD = "Token"


class LoginPaused(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _(
        "Too many failed logins from this address: logging in with a token is paused."
    )
    default_code = "login_paused"

    def __init__(self, wait_seconds: int):
        super().__init__()
        self.wait = wait_seconds


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token crm_...` with a key from the API tokens page or the command."""

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() != KEYWORD.lower().encode():
            return None  # no token: the session may authenticate
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                _("Give the token as: Authorization: Token KEY."), code="authentication_failed"
            )
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            key = ""
        return self.authenticate_key(request, key)

    def authenticate_key(self, request, key: str):
        http_request = request._request
        parsed = parse_key(key)
        token = None
        if parsed is not None:
            # The token, its user and the login limits' counts for both in one query.
            tokens = with_failures(ApiToken.objects.select_related("user"), http_request)
            token = tokens.filter(prefix=parsed[0]).first()
        credentials = {"username": token.user.get_username() if token else ""}
        if token is not None:
            locked = paused(token.address_failures, token.user_failures, http_request, credentials)
        else:
            locked = AxesProxyHandler.is_locked(http_request, credentials)
        if locked:
            raise LoginPaused(int(get_cool_off(http_request).total_seconds()))
        if token is None or not token.matches(key):
            self.failed(http_request, credentials)
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="authentication_failed")
        if token.expired:
            self.failed(http_request, credentials)
            raise exceptions.AuthenticationFailed(
                _("The token has expired."), code="authentication_failed"
            )
        if not token.user.is_active:
            self.failed(http_request, credentials)
            raise exceptions.AuthenticationFailed(
                _("The token's user is inactive."), code="authentication_failed"
            )
        return token.user, token

    def failed(self, http_request, credentials: dict) -> None:
        """Count the failure as axes counts a failed login; the answer stays this API's."""
        user_login_failed.send(sender=__name__, credentials=credentials, request=http_request)
        # Axes marks the request once the limit is reached, and its middleware would answer
        # with the login page's 429; the next token is refused here with the API's own.
        http_request.axes_locked_out = False

    def authenticate_header(self, request) -> str:
        return KEYWORD


def with_failures(tokens, http_request):
    """The tokens with the login limits' counts from the caller's address (LoginLimits, the
    axes handler): `address_failures`, every recent failure from there, and `user_failures`,
    those of the token's user."""
    AxesProxyHandler.update_request(http_request)
    recent = AccessAttempt.objects.filter(
        ip_address=http_request.axes_ip_address,
        attempt_time__gte=get_cool_off_threshold(http_request),
    ).order_by()

    def total(attempts):
        summed = attempts.values("ip_address").annotate(total=Sum("failures_since_start"))
        return Coalesce(Subquery(summed.values("total")[:1]), 0)

    user_field = f"user__{get_user_model().USERNAME_FIELD}"
    return tokens.annotate(
        address_failures=total(recent),
        user_failures=total(recent.filter(username=OuterRef(user_field))),
    )


def paused(address_failures: int, user_failures: int, http_request, credentials) -> bool:
    """Whether LoginLimits would pause these credentials, from the counts `with_failures`
    read: as many failures of the user as AXES_FAILURE_LIMIT, or of anyone from the address
    as LOGIN_ADDRESS_FAILURE_LIMIT."""
    if not axes_settings.AXES_LOCK_OUT_AT_FAILURE:
        return False
    limit = get_failure_limit(http_request, credentials)
    return user_failures >= limit or address_failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, with the CSRF check for writes (DRF's own)."""


def retry_after(exception: LoginPaused) -> str:
    return str(max(1, math.ceil(exception.wait)))
