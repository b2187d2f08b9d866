"""Running a job on a worker: claim it, do its work chunk by chunk, record how it ended.

Every write to a running job is conditioned on the lease its worker took when it claimed it:
once a sweep has queued the job again (its worker was silent too long), the old worker's next
chunk finds its lease gone, rolls back and stops, and only the new one goes on.
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from jobs import services
from jobs.models import Job
from opportunities.models import Opportunity
from opportunities.services.deletion import delete_closed_opportunities_in_chunks
from pipeline import figures

logger = logging.getLogger("jobs")

# A lost database connection (restarted, failed over, killed) is retried this many times in a
# row, waiting a little longer each time, before the job gives up its worker to the sweep.
RETRIES = 6
RETRY_WAIT = 0.5


class LeaseLost(Exception):
    """The job was queued again (or cancelled before it started) under this worker."""


@dataclass
class WorkerContext:
    """What a job needs from the worker that runs it: its id, and whether it must stop."""

    worker_id: str
    stop: threading.Event = field(default_factory=threading.Event)


_running = threading.local()


def current_context() -> WorkerContext:
    """The worker running this thread's task (one of its own when run outside a worker)."""
    context = getattr(_running, "context", None)
    if context is None:
        context = WorkerContext(worker_id=f"task-{uuid.uuid4().hex[:12]}")
    return context


def set_context(context: WorkerContext | None) -> None:
    _running.context = context


def run(job_id: int) -> dict:
    """The task's body: run the job `job_id` if it is still queued; returns its result."""
    context = current_context()
    job = claim(job_id, context.worker_id)
    if job is None:
        return {"skipped": True}
    try:
        return RUNNERS[job.kind](job, context)
    except LeaseLost:
        logger.warning("%s: taken back from worker %s, which stops", job, context.worker_id)
        return {"lease_lost": True}
    except Exception as error:
        logger.exception("%s failed", job)
        fail(job, error)
        raise


def claim(job_id: int, worker_id: str) -> Job | None:
    """Take a queued job for this worker: running, with a new lease; None when it is not
    queued any more (cancelled, or already taken)."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != Job.State.QUEUED:
            return None
        if job.cancel_requested:
            job.state = Job.State.CANCELLED
            job.finished_at = now
            job.result = services.outcome_of(job)
            job.save(update_fields=["state", "finished_at", "result"])
            return None
        if job.attempts >= services.MAX_ATTEMPTS:
            job.state = Job.State.FAILED
            job.finished_at = now
            job.error = f"Given up after {job.attempts} attempts."
            job.result = services.outcome_of(job)
            job.save(update_fields=["state", "finished_at", "error", "result"])
            return None
        job.state = Job.State.RUNNING
        job.lease = uuid.uuid4().hex
        job.worker = worker_id[:100]
        job.attempts += 1
        job.heartbeat_at = now
        job.save(update_fields=["state", "lease", "worker", "attempts", "heartbeat_at"])
    logger.info(
        "%s started on worker %s (attempt %s, at %s done)", job, worker_id, job.attempts, job.done
    )
    return job


def own(job: Job):
    """The job's row, as long as this worker's lease holds it."""
    return Job.objects.filter(pk=job.pk, lease=job.lease, state=Job.State.RUNNING)


def beat(job: Job, **fields) -> None:
    """Write to the running job (and beat); raises LeaseLost when it is not ours any more."""
    if not own(job).update(heartbeat_at=timezone.now(), **fields):
        raise LeaseLost


def finish(job: Job, state: str, result: dict) -> None:
    now = timezone.now()
    if not own(job).update(state=state, result=result, finished_at=now, heartbeat_at=now, lease=""):
        raise LeaseLost
    logger.info("%s %s: %s", job, state, result)


def fail(job: Job, error: Exception) -> None:
    """Record a job's failure; when the database itself is gone, the sweep will queue it."""
    try:
        now = timezone.now()
        job.refresh_from_db(fields=["done"])
        own(job).update(
            state=Job.State.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            result=services.outcome_of(job),
            finished_at=now,
            heartbeat_at=now,
            lease="",
        )
    except (InterfaceError, OperationalError):
        logger.exception("%s: its failure could not be recorded", job)


def give_back(job: Job) -> None:
    """The worker is stopping: queue the job again, to resume on another (or this) worker."""
    with transaction.atomic():
        if not own(job).update(state=Job.State.QUEUED, lease="", worker=""):
            raise LeaseLost
        services.queue_task(job)
    logger.info("%s given back at %s done: the worker is stopping", job, job.done)


def run_deletion(job: Job, context: WorkerContext) -> dict:
    """The batch deletion (or its count), resumed at the job's cursor, retried on a lost
    connection. Each chunk's DELETE and the job's progress commit together."""
    filters = services.resolved_filters(job.parameters.get("filters", {}))
    if filters is None:  # a salesperson, contact or cycle of the filters is gone: none match
        result = services.outcome_of(job)
        finish(job, Job.State.DONE, result)
        return result
    if job.dry_run:
        count = Opportunity.objects.closed().matching(**filters).count()
        beat(job, total=count, done=count, started_at=Coalesce(F("started_at"), timezone.now()))
        result = {"count": count}
        finish(job, Job.State.DONE, result)
        return result
    failures = 0
    lease = job.lease
    while True:
        try:
            if failures:
                job.refresh_from_db()  # the progress and cursor of the last chunk committed
                if job.lease != lease or job.state != Job.State.RUNNING:
                    raise LeaseLost
            result = delete_chunks(job, filters, context)
            fold_figures(job)
            return result
        except (InterfaceError, OperationalError) as error:
            failures += 1
            if failures > RETRIES or connection.in_atomic_block:
                raise
            wait = RETRY_WAIT * 2 ** (failures - 1)
            logger.warning(
                "%s: database error (%s: %s), resuming in %.1f s",
                job,
                error.__class__.__name__,
                str(error).strip()[:200],
                wait,
            )
            connection.close()
            time.sleep(wait)


def fold_figures(job: Job) -> None:
    """The pipeline figures' changes that the chunks appended, folded by the worker now rather
    than by the next board or dashboard (seconds after a large deletion). Should the database
    refuse, the next page folds them as it would have."""
    try:
        figures.prepare()
    except (InterfaceError, OperationalError) as error:
        logger.warning("%s: figures left to fold on the next read (%s)", job, error)


def delete_chunks(job: Job, filters: dict, context: WorkerContext) -> dict:
    remaining = (
        Opportunity.objects.closed().matching(**filters).filter(number__gt=job.cursor).count()
    )
    total = job.done + remaining
    beat(job, total=total, started_at=Coalesce(F("started_at"), timezone.now()))
    job.total = total
    last = False

    def in_chunk(count: int, last_number: str | None) -> None:
        nonlocal last
        fields = {"done": F("done") + count}
        if last_number is not None:
            fields["cursor"] = last_number
        beat(job, **fields)
        last = last_number is None

    chunks = delete_closed_opportunities_in_chunks(
        chunk_size=job.parameters.get("chunk_size") or services.DEFAULT_CHUNK_SIZE,
        start_after=job.cursor,
        in_chunk=in_chunk,
        **filters,
    )
    for count in chunks:
        job.done += count
        logger.debug("%s: %s of %s deleted", job, job.done, total)
        if last:
            break
        job.refresh_from_db(fields=["cursor", "cancel_requested"])
        if job.cancel_requested:
            result = services.outcome_of(job)
            finish(job, Job.State.CANCELLED, result)
            return result
        if context.stop.is_set():
            give_back(job)
            return {"stopped": True}
    result = services.outcome_of(job)
    finish(job, Job.State.DONE, result)
    return result


RUNNERS = {Job.Kind.DELETE_OPPORTUNITIES: run_deletion}
