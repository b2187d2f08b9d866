"""Starting, cancelling and recovering jobs: the public face of the jobs app.

`enqueue_deletion` starts the batch deletion as a job (the page, the command's `--background`
and the REST API call it); `cancel_job` asks a job to stop between chunks; `sweep_stale_jobs`,
run by every worker now and then, queues again a job whose worker stopped beating.
"""

import datetime
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from contacts.models import Contact, Salesperson
from jobs.models import DELETION_FILTERS, Job
from opportunities.services.deletion import DEFAULT_CHUNK_SIZE, check_chunk_size
from salescycles.models import SalesCycle

logger = logging.getLogger("jobs")

# Workers wait on this PostgreSQL channel between polls: a job enqueued (or queued again)
# wakes one at once instead of at its next poll.
CHANNEL = "crm_jobs"
# A job claimed this many times without finishing is failed instead of being queued again.
MAX_ATTEMPTS = 10

REFUSALS = {
    "no_filter": _(
        "Choose at least one filter, or choose all closed opportunities to delete every closed "
        "opportunity."
    ),
    "all_with_filters": _(
        "All closed opportunities deletes without any filter: give either filters or all "
        "closed opportunities, not both."
    ),
    "unknown_filter": _("%(name)s is not a filter of the deletion."),
    "invalid_filter": _("%(label)s: %(value)s is not valid."),
    "not_found": _("%(label)s: there is none with %(value)s."),
    "finished": _("Job %(job)s is finished and cannot be cancelled."),
}

# The filters that name a record, the model and the field that names it.
REFERENCES = {
    "salesperson": (Salesperson, "code"),
    "contact": (Contact, "number"),
    "sales_cycle": (SalesCycle, "code"),
}


def refusal(code: str, **params) -> ValidationError:
    return ValidationError(REFUSALS[code], code=code, params=params or None)


def check_selection(*, filtered: bool, all_closed: bool) -> None:
    """Deleting every closed opportunity is asked for with `all_closed`, never by empty
    filters, and `all_closed` takes no filter: the page's preview checks it too, before any
    job is queued."""
    if filtered and all_closed:
        raise refusal("all_with_filters")
    if not filtered and not all_closed:
        raise refusal("no_filter")


def deletion_filters(filters: dict) -> dict[str, str]:
    """The deletion's filters as a job keeps them: codes, numbers and ISO dates, "" when unused.

    Takes the service's keyword arguments (`BatchDeleteForm.filters()`: records and dates) or
    their plain values (codes, numbers, ISO dates, as an API receives them); a record that does
    not exist, a date that does not parse, or a filter that is not one is refused.
    """
    unknown = set(filters) - set(DELETION_FILTERS)
    if unknown:
        raise refusal("unknown_filter", name=", ".join(sorted(unknown)))
    plain = {}
    for name, label in DELETION_FILTERS.items():
        value = filters.get(name)
        if value is None or value == "":
            plain[name] = ""
        elif name in REFERENCES:
            model, field = REFERENCES[name]
            if isinstance(value, model):
                plain[name] = getattr(value, field)
            else:
                code = str(value).strip()
                if name != "contact":
                    code = code.upper()
                if not model.objects.filter(**{field: code}).exists():
                    raise refusal("not_found", label=label, value=code)
                plain[name] = code
        elif name.startswith("date_"):
            if isinstance(value, datetime.date):
                plain[name] = value.isoformat()
            else:
                try:
                    plain[name] = datetime.date.fromisoformat(str(value).strip()).isoformat()
                except ValueError:
                    raise refusal("invalid_filter", label=label, value=value) from None
        else:
            # Numbers are stored in upper case: a lower-case bound would sort after all of them.
            plain[name] = str(value).strip().upper()
            if len(plain[name]) > 50:
                raise refusal("invalid_filter", label=label, value=plain[name][:50])
    return plain


def resolved_filters(plain: dict[str, str]) -> dict | None:
    """The service's keyword arguments for a job's filters; None when a record they name is
    gone since (nothing can match it: a record that opportunities use cannot be deleted)."""
    filters = {}
    for name in DELETION_FILTERS:
        value = plain.get(name) or None
        if value is not None and name in REFERENCES:
            model, field = REFERENCES[name]
            value = model.objects.filter(**{field: value}).first()
            if value is None:
                return None
        elif value is not None and name.startswith("date_"):
            value = datetime.date.fromisoformat(value)
        filters[name] = value
    return filters


def enqueue_deletion(
    *,
    user,
    filters: dict,
    dry_run: bool = False,
    all_closed: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    confirmation: str | None = None,
) -> Job:
    """Queue the batch job "Delete opportunities" for a worker; returns the job.

    `filters` selects the closed opportunities (see `deletion_filters`); deleting every closed
    opportunity has to be asked for with `all_closed`, never by empty filters. A dry run only
    counts them (its result is `{"count": n}`; a deletion's `{"deleted": n}`). `confirmation`,
    the page's signed confirmation, makes posting it twice start one job: the first one is
    returned. `user` is who started it (None from the command line). The job and its task are
    written in one transaction.
    """
    plain = deletion_filters(filters)
    check_selection(filtered=any(plain.values()), all_closed=all_closed)
    check_chunk_size(chunk_size)
    digest = hashlib.sha256(confirmation.encode()).hexdigest() if confirmation else None
    if digest is not None:
        existing = Job.objects.filter(confirmation=digest).first()
        if existing is not None:
            return existing
    job = Job(
        kind=Job.Kind.DELETE_OPPORTUNITIES,
        started_by=user if user is not None and user.is_authenticated else None,
        parameters={
            "filters": plain,
            "all_closed": bool(all_closed),
            "dry_run": bool(dry_run),
            "chunk_size": chunk_size,
        },
        confirmation=digest,
    )
    try:
        with transaction.atomic():
            job.heartbeat_at = job.created_at
            job.save()
            queue_task(job)
    except IntegrityError:
        # The same confirmation, posted at the same moment by another request.
        existing = Job.objects.filter(confirmation=digest).first() if digest else None
        if existing is None:
            raise
        return existing
    logger.info("%s queued by %s: %s", job, job.started_by or "the command line", plain)
    return job


def queue_task(job: Job) -> None:
    """Give a job a task for a worker to run (inside the caller's transaction), and wake one."""
    from jobs.tasks import run_job

    job.task_id = str(run_job.enqueue(job.pk).id)
    job.save(update_fields=["task_id"])
    wake_workers()


def wake_workers() -> None:
    """On PostgreSQL a waiting worker is told at the commit; elsewhere they poll."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")


@transaction.atomic
def cancel_job(job: Job, *, user=None) -> Job:
    """Stop a job: a queued one at once, a running one after the chunk it is on (what that
    chunk deleted stays deleted). A finished job is refused (`finished`)."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.finished:
        raise refusal("finished", job=locked.pk)
    if locked.state == Job.State.QUEUED:
        now = timezone.now()
        locked.state = Job.State.CANCELLED
        locked.finished_at = now
        locked.result = outcome_of(locked)
        locked.cancel_requested = True
        locked.save(update_fields=["state", "finished_at", "result", "cancel_requested"])
    else:
        locked.cancel_requested = True
        locked.save(update_fields=["cancel_requested"])
    logger.info("%s: cancellation asked by %s", locked, user or "the command line")
    return locked


def outcome_of(job: Job) -> dict:
    """A job's result from its progress."""
    if job.dry_run:
        return {"count": job.done}
    return {"deleted": job.done}


def sweep_stale_jobs(*, stale_after: float, now: datetime.datetime | None = None) -> list[Job]:
    """Queue again every job whose worker stopped beating `stale_after` seconds ago: a running
    job (its worker was killed, lost the database, or hangs), or a queued one whose task a
    worker took but never ran. Its progress and cursor are what its last committed chunk wrote,
    so it resumes there. The task it had is marked failed. Rows another sweep holds are skipped
    (`SKIP LOCKED`), so workers sweeping at once queue a job again only once."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=stale_after)
    requeued = []
    with transaction.atomic():
        candidates = Job.objects.select_for_update(skip_locked=True).filter(
            state__in=[Job.State.RUNNING, Job.State.QUEUED], heartbeat_at__lt=cutoff
        )
        for job in candidates.order_by("heartbeat_at")[:100]:
            task = DBTaskResult.objects.filter(id=job.task_id).first() if job.task_id else None
            if job.state == Job.State.QUEUED and (
                task is not None and task.status == TaskResultStatus.READY
            ):
                continue  # waiting its turn
            if task is not None and task.status == TaskResultStatus.RUNNING:
                task.status = TaskResultStatus.FAILED
                task.finished_at = now
                task.exception_class_path = "jobs.services.WorkerLost"
                task.traceback = f"No heartbeat since {job.heartbeat_at.isoformat()}."
                task.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
            logger.warning(
                "%s: no heartbeat from worker %s since %s, queued again at %s of %s",
                job,
                job.worker or "-",
                job.heartbeat_at,
                job.done,
                job.total if job.total is not None else "?",
            )
            job.state = Job.State.QUEUED
            job.lease = ""
            job.worker = ""
            job.heartbeat_at = now
            job.save(update_fields=["state", "lease", "worker", "heartbeat_at"])
            queue_task(job)
            requeued.append(job)
    return requeued
