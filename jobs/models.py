"""The job record: what a piece of background work is, who started it, where it stands."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The deletion's filters as the job keeps them (plain values: codes, numbers, ISO dates), in
# the order the pages list them, with their labels.
DELETION_FILTERS = {
    "number_from": _("Number from"),
    "number_to": _("Number to"),
    "date_closed_from": _("Closed from"),
    "date_closed_to": _("Closed to"),
    "salesperson": _("Salesperson"),
    "contact": _("Contact no."),
    "sales_cycle": _("Sales cycle"),
}


class JobQuerySet(models.QuerySet):
    def recent(self):
        return self.select_related("started_by").order_by("-created_at", "-pk")

    def unfinished(self):
        return self.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING])


class Job(models.Model):
    """Long work that runs on a worker process, not in a web request.

    A job is queued, then running on one worker, then done, failed or cancelled. Its progress
    (`done` of `total`) and its resume `cursor` are written in the same transaction as each
    chunk of its work, so they never differ from what was done: a job whose worker died is
    queued again by a sweep and resumes at its cursor, nothing lost or done twice. The worker
    that runs it holds a `lease` and beats (`heartbeat_at`) at every chunk; a chunk whose lease
    was taken back is rolled back. The task framework's own record of the run (`task_id`)
    only carries the job's id.
    """

    class Kind(models.TextChoices):
        DELETE_OPPORTUNITIES = "delete_opportunities", _("Delete opportunities")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.DB_SET_NULL,
        related_name="+",
    )
    parameters = models.JSONField(_("parameters"), default=dict)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    cursor = models.CharField(_("resume cursor"), max_length=50, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    lease = models.CharField(_("lease"), max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    # A digest of the page's signed confirmation that started the job: posted twice (a double
    # click, a retried request), it starts one job.
    confirmation = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "heartbeat_at"], name="jobs_state_heartbeat_idx"),
            models.Index(fields=["-created_at"], name="jobs_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "done", "failed", "cancelled"]),
                name="jobs_job_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED, self.State.CANCELLED)

    @property
    def dry_run(self) -> bool:
        return bool(self.parameters.get("dry_run"))

    @property
    def percent(self) -> int | None:
        """How far it is, 0 to 100; None while the total is not known yet."""
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    def filters_shown(self) -> list[tuple[str, str]]:
        """The deletion's filters in use, as the pages list them: (label, value)."""
        filters = self.parameters.get("filters", {})
        return [
            (str(label), str(filters[name]))
            for name, label in DELETION_FILTERS.items()
            if filters.get(name)
        ]

    def as_dict(self) -> dict:
        """The job's public state: what a page or an API shows of it."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "state": self.state,
            "parameters": self.parameters,
            "progress": {"done": self.done, "total": self.total, "percent": self.percent},
            "result": self.result,
            "error": self.error,
            "cancel_requested": self.cancel_requested,
            "started_by": self.started_by.get_username() if self.started_by else None,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }
