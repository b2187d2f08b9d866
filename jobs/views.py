"""The job pages: recent jobs, one job's progress (live with htmx) and result, cancelling."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView

from jobs import services
from jobs.models import Job
from opportunities import permissions
from web.shortcuts import shown

# How often an open job page asks for the job's progress (htmx), in seconds.
POLL_SECONDS = 1


def may_see_jobs(user) -> bool:
    """The deletion is the sales managers', and so are its jobs."""
    return permissions.can_delete(user)


class JobListView(ListView):
    """Recent jobs: who started them, when, with which filters, their state and result."""

    template_name = "jobs/job_list.html"
    context_object_name = "jobs"
    paginate_by = 25

    def dispatch(self, request, *args, **kwargs):
        if not may_see_jobs(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        jobs = Job.objects.recent()
        state = self.request.GET.get("state", "")
        if state in Job.State.values:  # anything else lists every state
            jobs = jobs.filter(state=state)
        return jobs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", "")
        context["states"] = Job.State.choices
        context["state"] = state if state in Job.State.values else ""
        return context


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One job: its progress while it runs (the page asks again every second with htmx, or
    with its refresh link), then its result. Closing the page does not touch the job."""
    if not may_see_jobs(request.user):
        raise PermissionDenied
    job = get_object_or_404(Job.objects.select_related("started_by"), pk=pk)
    context = {"job": job, "poll_seconds": POLL_SECONDS}
    if request.htmx:
        return render(request, "jobs/job_detail.html#progress", context)
    return render(request, "jobs/job_detail.html", context)


@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_see_jobs(request.user):
        raise PermissionDenied
    job = get_object_or_404(Job, pk=pk)
    try:
        job = services.cancel_job(job, user=request.user)
    except ValidationError as error:
        for message in shown(error).messages:
            messages.error(request, message)
    else:
        if job.state == Job.State.CANCELLED:
            messages.success(request, _("The job was cancelled before it started."))
        else:
            messages.success(
                request, _("The job stops after the chunk it is on. What it deleted stays deleted.")
            )
    return redirect(job)
