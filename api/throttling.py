"""Throttling per token and per user, counted in the database cache that every server shares.

Two limits apply to each authenticated request (REST_FRAMEWORK's DEFAULT_THROTTLE_RATES):
"token", the requests made with one token, and "user", all the requests of one user, whatever
token or session they come with. Each is a counter per fixed window (a minute for "600/minute"):
a small integer per key instead of DRF's list of timestamps, so the cache row stays a few bytes
at any rate. Read and written with two statements and no lock, two servers counting at the same
moment can each miss the other's request: the limit is approximate by that much, never by more.
"""

import time

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from api.models import ApiToken

CACHE_ALIAS = "api_throttle"


class TokenAndUserThrottle(BaseThrottle):
    timer = time.time

    def __init__(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        parse = SimpleRateThrottle.parse_rate
        self.rates = {scope: parse(None, rates.get(scope)) for scope in ("token", "user")}
        self.wait_seconds = None

    def keys(self, request, now: float) -> dict[str, tuple[str, int, int]]:
        """cache key -> (scope, limit, window length) of the limits that apply."""
        idents = {}
        if isinstance(request.auth, ApiToken):
            idents["token"] = request.auth.pk
        if request.user is not None and request.user.is_authenticated:
            idents["user"] = request.user.pk
        found = {}
        for scope, ident in idents.items():
            limit, duration = self.rates[scope]
            if limit is None:
                continue
            window = int(now // duration)
            found[f"throttle:{scope}:{ident}:{duration}:{window}"] = (scope, limit, duration)
        return found

    def allow_request(self, request, view) -> bool:
        now = self.timer()
        keys = self.keys(request, now)
        if not keys:
            return True
        cache = caches[CACHE_ALIAS]
        counts = cache.get_many(list(keys))
        over = [
            duration
            for key, (_scope, limit, duration) in keys.items()
            if counts.get(key, 0) >= limit
        ]
        if over:
            self.wait_seconds = max(duration - now % duration for duration in over)
            return False
        for key, (_scope, _limit, duration) in keys.items():
            # The row outlives its window by a little, then the cache culls it.
            cache.set(key, counts.get(key, 0) + 1, timeout=duration + 1)
        return True

    def wait(self) -> float | None:
        return self.wait_seconds
