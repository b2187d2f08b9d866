"""Timing, percentiles, and recording the SQL Django runs so that a baseline can replay it."""

import math
import statistics
from dataclasses import dataclass, field

from django.db import connection

from bench.raw import SERVER_CURSOR


def percentile(samples: list[float], fraction: float) -> float | None:
    """Nearest rank: the smallest sample with at least `fraction` of them at or below it."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


@dataclass
class Samples:
    """Durations in seconds."""

    values: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.values.append(seconds)

    @property
    def p50(self) -> float:
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        return percentile(self.values, 0.95)

    def as_dict(self) -> dict:
        return {
            "p50_ms": self.p50 * 1000,
            "p95_ms": self.p95 * 1000,
            "n": len(self.values),
        }


class Recorder:
    """An execute wrapper that keeps each statement in a replayable form (see bench.raw).

    On PostgreSQL it keeps the literal text that Django's client-side-binding cursor sent
    (reading it costs a decode, no query); on SQLite the SQL and its parameters.
    """

    def __init__(self):
        self.statements: list[tuple[str, object]] = []
        self.vendor = connection.vendor

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if many:
            raise RuntimeError("executemany cannot be replayed by the benchmark")
        if self.vendor == "postgresql":
            cursor = context["cursor"].cursor
            ops = context["connection"].ops
            if getattr(cursor, "name", None):
                # QuerySet.iterator() (ModelChoiceField's choices among others) declares a
                # server-side cursor and fetches from it: the baseline does the same.
                self.statements.append((ops.compose_sql(sql, params), SERVER_CURSOR))
            else:
                literal = ops.last_executed_query(cursor, sql, params)
                self.statements.append((literal, None))
        else:
            self.statements.append((sql, None if params is None else tuple(params)))
        return result

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._wrapper.__exit__(*exc_info)

    @property
    def sql(self) -> list[str]:
        return [sql for sql, _params in self.statements]
