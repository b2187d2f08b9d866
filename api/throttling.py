"""Throttling per token and per user, counted in the database that every server shares.

Two limits apply to each authenticated request (REST_FRAMEWORK's DEFAULT_THROTTLE_RATES):
"token", the requests made with one token, and "user", all the requests of one user, whatever
token or session they come with. Each is a counter per fixed window (a minute for "600/minute"),
a row of `ThrottleCounter`. A request counts itself in every counter that applies with ONE
statement, `INSERT ... ON CONFLICT (key) DO UPDATE SET count = count + 1 RETURNING`, which the
database runs atomically (SQLite >= 3.35 and PostgreSQL alike): two servers counting the same
user at the same moment both count, none is lost. The row stays the counter's: a request in a
new window starts it again from one, so nothing piles up to cull. A request over a limit is
refused and takes its counts back (a second statement, only then), so that refused requests use
up nothing, as with DRF's own throttles.
"""

import time

from django.db import connections, router
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from api.models import ApiToken, ThrottleCounter


def counter_table() -> tuple[str, object]:
    """The counters' table, quoted, and the connection of the database it is in."""
    connection = connections[router.db_for_write(ThrottleCounter)]
    return connection.ops.quote_name(ThrottleCounter._meta.db_table), connection


class TokenAndUserThrottle(BaseThrottle):
    timer = time.time

    def __init__(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        parse = SimpleRateThrottle.parse_rate
        self.rates = {scope: parse(None, rates.get(scope)) for scope in ("token", "user")}
        self.wait_seconds = None

    def counters(self, request) -> list[tuple[str, int, int]]:
        """The (counter, limit, window length) that apply to this request."""
        found = []
        token_limit, token_window = self.rates["token"]
        if isinstance(request.auth, ApiToken) and token_limit is not None:
            found.append((f"token {request.auth.pk}", token_limit, token_window))
        user_limit, user_window = self.rates["user"]
        if user_limit is not None:
            found.append(("user", user_limit, user_window))
        return found

    def allow_request(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return True  # refused before (401); nothing to count against
        now = self.timer()
        rows = {
            f"{user.pk}:{duration}:{counter}": (limit, duration, int(now // duration))
            for counter, limit, duration in self.counters(request)
        }
        if not rows:
            return True
        counts = count_up({key: period for key, (_limit, _duration, period) in rows.items()})
        over = [duration for key, (limit, duration, _period) in rows.items() if counts[key] > limit]
        if over:
            take_back({key: period for key, (_limit, _duration, period) in rows.items()})
            self.wait_seconds = max(duration - now % duration for duration in over)
            return False
        return True

    def wait(self) -> float | None:
        return self.wait_seconds


def count_up(periods: dict[str, int]) -> dict[str, int]:
    """Add one to each counter in its window (`period`): a counter still on an older window
    starts again from one. Their new counts, by key."""
    table, connection = counter_table()
    values = ", ".join(["(%s, 1, %s)"] * len(periods))
    parameters = [value for key, period in periods.items() for value in (key, period)]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ("key", "count", "period") VALUES {values} '
            'ON CONFLICT ("key") DO UPDATE SET '
            f'"count" = CASE WHEN {table}."period" = excluded."period" '
            f'THEN {table}."count" + 1 ELSE 1 END, '
            '"period" = excluded."period" '
            'RETURNING "key", "count"',
            parameters,
        )
        return dict(cursor.fetchall())


def take_back(periods: dict[str, int]) -> None:
    """A refused request's counts: it used up nothing."""
    table, connection = counter_table()
    matches = " OR ".join(['("key" = %s AND "period" = %s)'] * len(periods))
    parameters = [value for key, period in periods.items() for value in (key, period)]
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "count" = "count" - 1 WHERE "count" > 0 AND ({matches})',
            parameters,
        )
