"""The batch deletion of closed opportunities, against one raw DELETE with the cascade.

Three number ranges at the start of the numbering, aligned on the generator's blocks, hold
exactly the same numbers of closed opportunities and of their entries. The service deletes the
first (timed, chunk by chunk through its progress callback), one raw `DELETE` the second
(the database's ON DELETE CASCADE takes the entries), and the service the third again under
tracemalloc for its peak Python memory (tracing slows Python down, so it is not timed).
"""

import math
import time
import tracemalloc

from django.db import connection

from bench.context import Bench
from bench.generate import BLOCK, BLOCK_PATTERN, block_range
from bench.report import Goal
from opportunities.models import Opportunity, OpportunityEntry
from opportunities.services import deletion

RATE_GOAL = Goal("ratio_min", 0.7)
MEMORY_GOAL = Goal("less", 20, timing=False)
CLOSED_PER_BLOCK = sum(1 for status, _count in BLOCK_PATTERN if status in ("won", "lost"))


def deletion_blocks(size: int) -> int:
    """Blocks per range: about 10% of the opportunities closed in each range."""
    return max(1, math.ceil(size * 0.10 / CLOSED_PER_BLOCK))


def range_counts(bench: Bench, first: str, last: str) -> tuple[int, int, int]:
    """Closed opportunities, their entries, and open opportunities in a number range."""
    opportunities = Opportunity._meta.db_table
    entries = OpportunityEntry._meta.db_table
    with bench.raw.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*) FILTER (WHERE o.status IN ('won', 'lost')),
                   coalesce(sum(e.n) FILTER (WHERE o.status IN ('won', 'lost')), 0),
                   count(*) FILTER (WHERE o.status NOT IN ('won', 'lost')),
                   sum(e.days)
            FROM "{opportunities}" o
            CROSS JOIN LATERAL (
                SELECT count(*) AS n, sum(days_open) AS days
                FROM "{entries}" WHERE opportunity_id = o.id
            ) e
            WHERE o.number >= %s AND o.number <= %s
            """,
            (first, last),
        )
        closed, closed_entries, still_open, _days = cursor.fetchone()
    return int(closed), int(closed_entries), int(still_open)


def checkpoint(bench: Bench) -> None:
    """Start each run from the same place: dirty pages written, the range's rows read once."""
    bench.raw.execute("CHECKPOINT")


def warm(bench: Bench, first: str, last: str) -> None:
    range_counts(bench, first, last)


def measure_deletion(bench: Bench) -> None:
    results = bench.results
    blocks = deletion_blocks(bench.size)
    needed = 3 * blocks * BLOCK
    if needed > bench.size * 0.7:
        results.check("deletion: enough data", False, f"needs {needed} opportunities")
        return
    ranges = [block_range(i * blocks, blocks) for i in range(3)]
    counts = [range_counts(bench, *r) for r in ranges]
    results.check(
        "deletion: the three ranges hold the same closed opportunities and entries",
        len({c[:2] for c in counts}) == 1,
        str(counts),
    )
    closed, entries, _open = counts[0]
    rows = closed + entries
    chunk_size = deletion.DEFAULT_CHUNK_SIZE
    bench.progress(
        f"deletion: {closed:,} closed opportunities with {entries:,} entries per run, "
        f"chunks of {chunk_size:,}"
    )

    # Ours, timed: the service with its default chunk size.
    warm(bench, *ranges[0])
    checkpoint(bench)
    marks = []
    start = time.perf_counter()
    deleted = deletion.delete_closed_opportunities(
        number_from=ranges[0][0],
        number_to=ranges[0][1],
        progress=lambda total: marks.append(time.perf_counter()),
    )
    elapsed = time.perf_counter() - start
    chunk_times = [b - a for a, b in zip([start, *marks], marks, strict=False)]
    longest = max(chunk_times)

    # The baseline: one statement, the cascade in the database.
    warm(bench, *ranges[1])
    checkpoint(bench)
    table = Opportunity._meta.db_table
    start = time.perf_counter()
    raw_deleted = bench.raw.execute(
        f"DELETE FROM \"{table}\" WHERE status IN ('won', 'lost') AND number >= %s "
        "AND number <= %s",
        ranges[1],
    ).rowcount
    raw_elapsed = time.perf_counter() - start

    # Ours again, for memory.
    warm(bench, *ranges[2])
    connection.close()
    tracemalloc.start()
    memory_deleted = deletion.delete_closed_opportunities(
        number_from=ranges[2][0], number_to=ranges[2][1]
    )
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    after = [range_counts(bench, *r) for r in ranges]
    results.check(
        "deletion: every closed opportunity of each range deleted, the open ones kept",
        deleted == raw_deleted == memory_deleted == closed
        and all(a == (0, 0, c[2]) for a, c in zip(after, counts, strict=True)),
        f"deleted {deleted}, {raw_deleted}, {memory_deleted} of {closed}; after: {after}",
    )
    results.row(
        "batch deletion: rows per second (opportunities + entries)",
        "rows/s",
        rows / elapsed,
        rows / raw_elapsed,
        goal=RATE_GOAL,
        note=f"{closed:,} opportunities + {entries:,} entries",
    )
    results.row(
        "batch deletion: peak Python memory",
        "MiB",
        peak / 2**20,
        goal=MEMORY_GOAL,
        note=f"{closed:,} opportunities",
    )
    results.row(
        "batch deletion: longest transaction",
        "ms",
        longest * 1000,
        raw_elapsed * 1000,
        note=f"{len(chunk_times)} chunks of up to {chunk_size:,}",
    )
    results.check(
        "deletion: works in chunks",
        len(chunk_times) >= math.ceil(closed / chunk_size),
        f"{len(chunk_times)} chunks for {closed} rows",
    )
    results.details["deletion"] = {
        "ranges": ranges,
        "closed": closed,
        "entries": entries,
        "seconds": elapsed,
        "raw_seconds": raw_elapsed,
        "chunks_ms": [t * 1000 for t in chunk_times],
        "peak_bytes": peak,
    }
