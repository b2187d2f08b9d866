"""Throttling per token and per user, counted in the database cache that every server shares.

Two limits apply to each authenticated request (REST_FRAMEWORK's DEFAULT_THROTTLE_RATES):
"token", the requests made with one token, and "user", all the requests of one user, whatever
token or session they come with. Each is a counter per fixed window (a minute for "600/minute").
The counters of one user's window live in one cache row, `{"user": 12, "token 7": 5}`: a request
reads the row and writes it back, two statements' worth of work in the cache table, whatever the
number of limits, and the row stays a few bytes at any rate (DRF's own throttles keep a list of
timestamps per key). Read and written without a lock, two servers counting the same user at the
same moment can each miss the other's request: the limit is approximate by that much, no more.
"""

import time
from collections import defaultdict

from django.core.cache import caches
from django.db import connections, router, transaction
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from api.models import ApiToken

CACHE_ALIAS = "api_throttle"


def cache_database() -> str:
    cache = caches[CACHE_ALIAS]
    return router.db_for_write(cache.cache_model_class)


class TokenAndUserThrottle(BaseThrottle):
    timer = time.time

    def __init__(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        parse = SimpleRateThrottle.parse_rate
        self.rates = {scope: parse(None, rates.get(scope)) for scope in ("token", "user")}
        self.wait_seconds = None

    def counters(self, request) -> dict[int, list[tuple[str, int]]]:
        """window length -> the (counter, limit) that apply, in one row per window length."""
        found = defaultdict(list)
        token_limit, token_window = self.rates["token"]
        if isinstance(request.auth, ApiToken) and token_limit is not None:
            found[token_window].append((f"token {request.auth.pk}", token_limit))
        user_limit, user_window = self.rates["user"]
        if user_limit is not None:
            found[user_window].append(("user", user_limit))
        return found

    def allow_request(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return True  # refused before (401); nothing to count against
        now = self.timer()
        keys = {
            f"throttle:{user.pk}:{duration}:{int(now // duration)}": (duration, counters)
            for duration, counters in self.counters(request).items()
        }
        if not keys:
            return True
        cache = caches[CACHE_ALIAS]
        rows = cache.get_many(list(keys))
        over = [
            duration
            for key, (duration, counters) in keys.items()
            for counter, limit in counters
            if rows.get(key, {}).get(counter, 0) >= limit
        ]
        if over:
            self.wait_seconds = max(duration - now % duration for duration in over)
            return False
        database = cache_database()
        with transaction.atomic(using=database):
            connection = connections[database]
            if connection.vendor == "postgresql":
                # A count lost in a crash costs nothing; waiting for the disk at each request's
                # commit would cost every request (PostgreSQL writes the row soon after anyway).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            for key, (duration, counters) in keys.items():
                row = rows.get(key, {})
                for counter, _limit in counters:
                    row[counter] = row.get(counter, 0) + 1
                # The row outlives its window by a little, then the cache culls it.
                cache.set(key, row, timeout=duration + 1)
        return True

    def wait(self) -> float | None:
        return self.wait_seconds
