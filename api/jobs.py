"""The background jobs' endpoints: start the batch deletion, follow a job.

The same rules as the pages: starting a batch deletion and seeing jobs are the sales managers'
(`jobs.views.may_see_jobs`, `opportunities.permissions.can_delete`), and the job is queued by
`jobs.services.enqueue_deletion`, as the batch page and `delete_opportunities --background`
queue it. A worker runs it; the answer is 202 with the job's URL, to poll for its progress.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.errors import refusal
from api.serializers import DeletionJobSerializer, JobSerializer, job_data
from api.views import ApiView, require, validated
from jobs import services
from jobs.models import Job
from jobs.views import may_see_jobs
from opportunities import permissions

LOCATION = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    response=[202],
    description="The job's URL in the API (as the body's url).",
)
JOB_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The job's id.")


def job_url(request, job: Job) -> str:
    return request.build_absolute_uri(reverse("api:job", args=[job.pk]))


class DeletionJobStart(ApiView):
    @extend_schema(
        operation_id="jobs_delete_opportunities",
        summary="Start the batch deletion of closed opportunities",
        description="The batch page's filters (none given: all_closed must say so, else 409 "
        "no_filter; filters and all_closed together: 409 all_with_filters). Answers at once "
        "with the queued job; a worker runs it. A dry run only counts.",
        parameters=[LOCATION],
        request=DeletionJobSerializer,
        responses={202: JobSerializer},
    )
    def post(self, request):
        require(permissions.can_delete(request.user))
        serializer = validated(DeletionJobSerializer, request)
        try:
            job = services.enqueue_deletion(
                user=request.user,
                filters=serializer.filters(),
                all_closed=serializer.validated_data["all_closed"],
                dry_run=serializer.validated_data["dry_run"],
            )
        except ValidationError as error:
            raise refusal(error) from error
        url = job_url(request, job)
        response = Response(job_data(job, url), status=status.HTTP_202_ACCEPTED)
        response["Location"] = url
        return response


class JobDetail(ApiView):
    @extend_schema(
        operation_id="jobs_retrieve",
        summary="A job: its state, progress, parameters and result",
        parameters=[JOB_ID],
        responses=JobSerializer,
    )
    def get(self, request, id: str):
        require(may_see_jobs(request.user))
        # The route takes any text, so that a malformed id is this API's 404, not the site's.
        if not (id.isascii() and id.isdigit() and len(id) <= 18):
            raise NotFound()
        job = get_object_or_404(Job.objects.select_related("started_by"), pk=int(id))
        return Response(job_data(job, job_url(request, job)))
