"""Middleware of the whole site, and the hooks of the login limits (django-axes)."""

import ipaddress
import logging
import math

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)


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


# --- a lost database connection ---------------------------------------------------------------

RETRY_AFTER_SECONDS = 10

# The first word of a statement that changes data (a SELECT, SAVEPOINT or BEGIN does not).
WRITES = {"INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "CREATE", "ALTER", "DROP", "TRUNCATE"}


class RequestStatements:
    """What a lost connection needs to know of a request's statements: the connection they
    ran on, whether one of its writes is committed, whether writes wait in a transaction not yet
    ended, and which statement failed last. Installed with `connection.execute_wrapper` for the
    whole request."""

    def __init__(self):
        self.driver_connection = None
        self.committed = False
        self.open_writes = False
        self.failure = None  # (the error, raised inside a transaction, by a write)

    def __call__(self, execute, sql, params, many, context):
        database = context["connection"]
        self.driver_connection = database.connection
        in_transaction = database.in_atomic_block
        if not in_transaction:
            self.open_writes = False  # the transaction before, if any, has ended
        words = sql[:32].split(None, 1)
        write = bool(words) and words[0].upper() in WRITES
        try:
            result = execute(sql, params, many, context)
        except Exception as error:
            self.failure = (error, in_transaction, write)
            raise
        if write:
            if in_transaction:
                self.open_writes = True
                # Runs when the transaction commits; dropped with it (or its savepoint) on a
                # rollback.
                transaction.on_commit(self._mark_committed, using=database.alias)
            else:
                self.committed = True  # autocommit: committed as it ran
        return result

    def _mark_committed(self) -> None:
        self.committed = True

    def connection_lost(self) -> bool:
        """Whether the connection of the request's statements is gone. Django drops a
        connection whose rollback failed and opens a new one at once; otherwise the connection
        must answer a health check."""
        if connection.connection is None:
            return True
        if self.driver_connection is not None and connection.connection is not (
            self.driver_connection
        ):
            return True
        return not connection.is_usable()

    def may_have_committed(self, error: Exception) -> bool:
        """Whether something of the request may be in the database after `error` lost the
        connection."""
        if self.committed:
            return True
        if self.failure is not None and self.failure[0] is error:
            _error, in_transaction, write = self.failure
            # Inside a transaction the server rolls back what a lost connection leaves open;
            # a write in autocommit may have been applied before the answer was lost.
            return write and not in_transaction
        # Not a statement: the COMMIT itself (applied or not, nobody can tell) when writes
        # were waiting for it, otherwise connecting or a rollback.
        return self.open_writes

    def rolled_back(self) -> None:
        """The request's open transaction is known to be gone with the connection."""
        self.open_writes = False


class DatabaseUnavailable(Exception):
    def __init__(self, *, maybe_saved: bool):
        super().__init__()
        self.maybe_saved = maybe_saved

    def response(self) -> HttpResponse:
        # Rendered without the request: its context would read the user from the database.
        content = loader.render_to_string("503.html", {"maybe_saved": self.maybe_saved})
        response = HttpResponse(content, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class RetryOnLostConnectionMiddleware:
    """Run a request's database work once more when the connection to the database was lost.

    A connection can die under a request: the database restarted or failed over, the network
    cut, a proxy dropped it. When nothing of the request can have been committed, its work runs
    once more on a new connection: first the session and the user (in `__call__`, before any
    other middleware's `process_view` reads them), then the view, its template rendered too
    (in `process_view`). Lost again, or lost when the request's change may already be committed
    (at its COMMIT, or after it), the answer is a 503 with a Retry-After and a page that says
    which: nothing was changed, or check whether it was saved. Retrying an action that the server
    had in fact applied would be refused as stale by the version check; an action without a
    version (a creation) is never retried once its COMMIT was sent.

    Only a lost connection: an InterfaceError or OperationalError after which the connection
    no longer answers. Any other database error (a constraint, a lock timeout) keeps the error
    page, and on SQLite the connection never counts as lost.

    It must come last in MIDDLEWARE: its `process_view` runs the view itself, and renders a
    template response before a later middleware's `process_template_response` could see it.
    Views are not wrapped in a request transaction (ATOMIC_REQUESTS stays off).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        statements = RequestStatements()
        request.database_statements = statements
        with connection.execute_wrapper(statements):
            try:
                self._run(request, lambda: request.user.is_authenticated)
            except DatabaseUnavailable as unavailable:
                return unavailable.response()
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        def view():
            response = view_func(request, *view_args, **view_kwargs)
            if response is None:
                raise ValueError(
                    f"The view {view_func.__module__}.{view_func.__qualname__} didn't return "
                    "an HttpResponse object. It returned None instead."
                )
            if callable(getattr(response, "render", None)):
                response.render()  # its queries too, under the retry
            return response

        try:
            return self._run(request, view)
        except DatabaseUnavailable as unavailable:
            return unavailable.response()

    def _run(self, request, work):
        statements = request.database_statements
        for attempt in (1, 2):
            try:
                return work()
            except (InterfaceError, OperationalError) as error:
                if not statements.connection_lost():
                    raise  # a database error on a working connection: the error page
                maybe_saved = statements.may_have_committed(error)
                retry = attempt == 1 and not maybe_saved and not connection.in_atomic_block
                logger.warning(
                    "Database connection lost during %s %s (%s): %s",
                    request.method,
                    request.path,
                    error,
                    "running it again" if retry else "answering 503",
                    exc_info=not retry,
                )
                connection.close()
                if not retry:
                    raise DatabaseUnavailable(maybe_saved=maybe_saved) from error
                statements.rolled_back()
        return None  # not reached: the second attempt returns or raises


# --- login limits (django-axes; see AXES_* in config/settings.py) -----------------------------


def client_address(request) -> str | None:
    """The client's address for the login limits.

    Behind the TLS proxy (DJANGO_BEHIND_TLS_PROXY) the last address of X-Forwarded-For, the one
    the balancer appended: the addresses before it are whatever the client sent. Otherwise the
    peer's address, and the header is ignored: anyone can send it.
    """
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if _valid_address(forwarded):
            return forwarded
    peer = request.META.get("REMOTE_ADDR", "")
    return peer if _valid_address(peer) else None


def _valid_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class LoginLimits(AxesDatabaseHandler):
    """Axes' database handler with two limits on the recent failures from one address: those
    for the username tried (AXES_FAILURE_LIMIT), and all of them whatever the username
    (LOGIN_ADDRESS_FAILURE_LIMIT). Axes compares the count returned here with
    AXES_FAILURE_LIMIT, so an address over its own limit counts as that limit for every
    username."""

    def get_failures(self, request, credentials=None) -> int:
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        username = get_client_username(request, credentials)
        counts = recent.aggregate(
            address=Sum("failures_since_start"),
            username=Sum("failures_since_start", filter=Q(username=username)),
        )
        failures = counts["username"] or 0
        if (counts["address"] or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            failures = max(failures, get_failure_limit(request, credentials))
        return failures


def login_paused(request, original_response=None, credentials=None) -> HttpResponse:
    """The answer to a paused login (axes' AXES_LOCKOUT_CALLABLE): the site's page, 429."""
    cool_off = get_cool_off(request)
    response = render(
        request,
        "registration/login_paused.html",
        {"minutes": math.ceil(cool_off.total_seconds() / 60)},
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
