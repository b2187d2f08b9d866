"""The batch deletion through a job on a real worker, against one raw DELETE with the cascade.

Two more number ranges after bench.deletion's three, of the same make: a `manage.py
jobs_worker` process (the benchmark's settings, the same database) deletes the first through a
job, from the moment `enqueue_deletion` is called to the job's `finished_at` as the worker
wrote it; one raw `DELETE` deletes the second. The worker first runs a dry run of the job (a
count, nothing deleted), so that what it imports and caches once is loaded before it is
measured; its peak resident memory is then reset (Linux's clear_refs) and read again after the
timed job. Also printed: the time from the enqueue to the first chunk starting (`started_at`).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.utils import timezone

from bench.context import Bench
from bench.deletion import checkpoint, deletion_blocks, range_counts, warm
from bench.generate import BLOCK, block_range
from bench.report import Goal
from jobs.models import Job
from jobs.services import enqueue_deletion
from opportunities.models import Opportunity

BASE_DIR = Path(__file__).resolve().parent.parent
RATE_GOAL = Goal("ratio_min", 0.7)
MEMORY_GOAL = Goal("less", 20, timing=False)
FIRST_RANGE = 3  # bench.deletion uses the ranges 0, 1 and 2
TIMEOUT = 600


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def quiet(bench: Bench, *, seconds: float = 180) -> float:
    """Wait (bounded) until no autovacuum works on the database: after the load and the
    deletions before, one may be vacuuming the entries for minutes, on the same two cores as
    the measured deletion. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with bench.raw.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.5)
    return time.monotonic() - started


def run_job(first: str, last: str, *, dry_run: bool = False) -> Job:
    job = enqueue_deletion(
        user=None, filters={"number_from": first, "number_to": last}, dry_run=dry_run
    )
    deadline = time.monotonic() + TIMEOUT
    while not job.finished:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{job} not finished after {TIMEOUT} s: {job.as_dict()}")
        time.sleep(0.01)
        job.refresh_from_db()
    return job


def measure_job_deletion(bench: Bench) -> None:
    results = bench.results
    blocks = deletion_blocks(bench.size)
    ranges = [block_range((FIRST_RANGE + i) * blocks, blocks) for i in range(2)]
    if (FIRST_RANGE + 2) * blocks * BLOCK > bench.size:
        results.check("job deletion: enough data", False, f"size {bench.size}")
        return
    counts = [range_counts(bench, *r) for r in ranges]
    closed, entries, _open = counts[0]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": os.environ["DATABASE_URL"],
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "jobs_worker", "--worker-id", "bench"],
        cwd=BASE_DIR,
        env=environment,
    )
    try:
        # Warm-up: the count of the range to delete (a dry run), which deletes nothing.
        warm_up = run_job(*ranges[0], dry_run=True)
        results.check("job deletion: the warm-up job ran", warm_up.state == "done", warm_up.state)
        Path(f"/proc/{worker.pid}/clear_refs").write_text("5")  # peak RSS := current RSS
        before = memory_kib(worker.pid, "VmRSS")
        waited = quiet(bench)
        warm(bench, *ranges[0])
        checkpoint(bench)
        bench.progress(
            f"job deletion: {closed:,} closed opportunities with {entries:,} entries, "
            "on a jobs_worker process"
        )
        enqueued = timezone.now()
        job = run_job(*ranges[0])
        peak = memory_kib(worker.pid, "VmHWM")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    elapsed = (job.finished_at - enqueued).total_seconds()
    to_first_chunk = (job.started_at - enqueued).total_seconds()

    waited += quiet(bench)
    warm(bench, *ranges[1])
    checkpoint(bench)
    table = Opportunity._meta.db_table
    raw_closed, raw_entries, _ = counts[1]
    start = time.perf_counter()
    raw_deleted = bench.raw.execute(
        f"DELETE FROM \"{table}\" WHERE status IN ('won', 'lost') AND number >= %s "
        "AND number <= %s",
        ranges[1],
    ).rowcount
    raw_elapsed = time.perf_counter() - start

    after = [range_counts(bench, *r) for r in ranges]
    results.check(
        "job deletion: every closed opportunity of each range deleted, the open ones kept",
        job.state == "done"
        and job.result == {"deleted": closed}
        and raw_deleted == raw_closed
        and all(a == (0, 0, c[2]) for a, c in zip(after, counts, strict=True)),
        f"job {job.state} {job.result} of {closed}; raw {raw_deleted} of {raw_closed}; "
        f"after: {after}",
    )
    results.row(
        "batch deletion as a job (enqueue to done): rows per second",
        "rows/s",
        (closed + entries) / elapsed,
        (raw_closed + raw_entries) / raw_elapsed,
        goal=RATE_GOAL,
        note=f"{closed:,} opportunities + {entries:,} entries",
    )
    results.row(
        "batch deletion as a job: enqueue to first chunk",
        "ms",
        to_first_chunk * 1000,
        note="the worker woken by NOTIFY, the job claimed, the selection counted",
    )
    results.row(
        "batch deletion as a job: worker's peak memory growth",
        "MiB",
        max(0, peak - before) / 1024,
        goal=MEMORY_GOAL,
        note=f"resident memory, from {before / 1024:.0f} MiB after a warm-up job",
    )
    bench.progress(
        f"job deletion: {elapsed:.2f} s enqueue to done, raw DELETE {raw_elapsed:.2f} s, "
        f"first chunk {to_first_chunk * 1000:.0f} ms after the enqueue"
    )
    results.details["job_deletion"] = {
        "ranges": ranges,
        "closed": closed,
        "entries": entries,
        "seconds": elapsed,
        "raw_seconds": raw_elapsed,
        "to_first_chunk_seconds": to_first_chunk,
        "autovacuum_waited_seconds": waited,
        "worker_rss_kib": before,
        "worker_peak_kib": peak,
    }
