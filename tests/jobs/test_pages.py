"""The job pages: recent jobs, one job's live progress and result, cancelling; and the
command's `--background`."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobs import services
from jobs.models import Job
from opportunities import services as opportunity_services
from opportunities.models import Opportunity
from tests.jobs.workers import run_jobs
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db
JOBS = reverse("jobs:list")


@pytest.fixture
def client(manager_client) -> Client:
    return manager_client


@pytest.fixture
def closed(fx):
    for index in range(3):
        opportunity = fx.create_opp_a(description=f"Lost {index}")
        opportunity_services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)


def test_a_running_job_shows_its_progress_and_asks_again_every_second(fx, client, closed):
    job = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    Job.objects.filter(pk=job.pk).update(state="running", total=3, done=1)

    page = client.get(job.get_absolute_url()).content.decode()
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()

    assert "1 of 3 closed opportunities deleted." in page
    assert '<progress class="w-100" max="3" value="1"' in page
    assert "You can close this page" in page
    assert "<html" not in partial and partial.strip().startswith('<div id="job-progress"')
    assert f'data-hx-get="{job.get_absolute_url()}" data-hx-trigger="every 1s"' in partial
    assert 'id="job-refresh"' in partial and 'id="job-cancel"' in partial


def test_a_finished_job_shows_its_result_and_stops_asking(fx, client, closed):
    job = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    run_jobs()
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "3 closed opportunities were deleted." in partial
    assert "data-hx-trigger" not in partial
    assert 'id="job-cancel"' not in partial and 'id="job-refresh"' not in partial


def test_the_recent_jobs_say_who_when_which_filters_state_and_result(fx, client, manager, closed):
    done = services.enqueue_deletion(user=manager, filters={"salesperson": "JO"})
    run_jobs()
    queued = services.enqueue_deletion(user=None, filters={}, all_closed=True, dry_run=True)

    page = client.get(JOBS).content.decode()

    done_row = page.split(f'id="job-{done.pk}"')[1].split("</tr>")[0]
    assert "manager" in done_row
    assert "Salesperson</span> JO" in done_row
    assert 'data-state="done"' in done_row
    assert "3 closed opportunities were deleted." in done_row
    queued_row = page.split(f'id="job-{queued.pk}"')[1].split("</tr>")[0]
    assert "Command line" in queued_row and "count only" in queued_row
    assert "All closed opportunities" in queued_row
    assert "Waiting for a worker." in queued_row
    assert page.index(f'id="job-{queued.pk}"') < page.index(f'id="job-{done.pk}"')  # newest first


def test_the_recent_jobs_filter_by_state_and_ignore_an_unknown_one(fx, client, closed):
    done = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    run_jobs()
    queued = services.enqueue_deletion(user=None, filters={"salesperson": "AH"})
    assert list(client.get(JOBS, {"state": "done"}).context["jobs"]) == [done]
    assert list(client.get(JOBS, {"state": "queued"}).context["jobs"]) == [queued]
    assert len(client.get(JOBS, {"state": "<script>"}).context["jobs"]) == 2


def test_the_recent_jobs_page_counts_its_queries_whatever_the_rows(fx, client, manager):
    for _ in range(3):
        services.enqueue_deletion(user=manager, filters={"salesperson": "JO"})

    with CaptureQueriesContext(connection) as few:
        client.get(JOBS)
    for _ in range(10):
        services.enqueue_deletion(user=manager, filters={"salesperson": "JO"})
    with CaptureQueriesContext(connection) as many:
        client.get(JOBS)
    assert len(many) == len(few)


def test_an_empty_job_list_says_where_jobs_come_from(fx, client):
    assert "No jobs yet." in client.get(JOBS).content.decode()


def test_cancelling_a_queued_job_from_its_page(fx, client, closed):
    job = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    response = client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    assert "The job was cancelled before it started." in response.content.decode()
    job.refresh_from_db()
    assert job.state == "cancelled"
    run_jobs()
    assert Opportunity.objects.closed().count() == 3


def test_cancelling_a_running_job_asks_it_to_stop_after_its_chunk(fx, client, closed):
    job = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    Job.objects.filter(pk=job.pk).update(state="running")
    response = client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    content = response.content.decode()
    assert "The job stops after the chunk it is on." in content
    assert 'id="job-cancelling"' in content
    job.refresh_from_db()
    assert (job.state, job.cancel_requested) == ("running", True)


def test_cancelling_a_finished_job_is_refused_with_a_message(fx, client, closed):
    job = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    run_jobs()
    before = database_state()
    response = client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    assert "is finished and cannot be cancelled" in response.content.decode()
    assert database_state() == before


def test_a_salesperson_may_not_see_or_cancel_jobs(fx, seller, closed):
    job = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    client = Client()
    client.force_login(seller)
    before = database_state()
    assert client.get(JOBS).status_code == 403
    assert client.get(job.get_absolute_url()).status_code == 403
    assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 403
    assert database_state() == before


def test_an_unknown_job_is_not_found(fx, client):
    assert client.get(reverse("jobs:detail", args=[999])).status_code == 404
    assert client.post(reverse("jobs:cancel", args=[999])).status_code == 404
    assert client.get("/jobs/abc/").status_code == 404


def test_the_job_pages_read_in_french(fx, client, closed):
    job = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    queued = client.get(job.get_absolute_url()).content.decode()
    assert "En attente d\u2019un processus de travail." in queued
    run_jobs()
    done = client.get(job.get_absolute_url()).content.decode()
    assert "3 opportunités clôturées ont été supprimées." in done
    assert "Travaux récents" in client.get(JOBS).content.decode()


def test_the_command_queues_the_deletion_with_background(fx, closed, capsys):
    call_command("delete_opportunities", "--salesperson", "jo", "--background")
    job = Job.objects.get()
    assert job.parameters["filters"]["salesperson"] == "JO"
    assert job.started_by is None and job.state == "queued"
    assert f"Queued the deletion as job #{job.pk}." in capsys.readouterr().out
    assert Opportunity.objects.closed().count() == 3  # the worker deletes
    run_jobs()
    job.refresh_from_db()
    assert job.result == {"deleted": 3}


def test_the_command_queues_a_count_with_background_and_dry_run(fx, closed, capsys):
    call_command("delete_opportunities", "--all", "--background", "--dry-run")
    job = Job.objects.get()
    assert job.dry_run and job.parameters["all_closed"]
    run_jobs()
    job.refresh_from_db()
    assert job.result == {"count": 3}
    assert Opportunity.objects.closed().count() == 3


def test_the_command_refuses_to_queue_without_a_filter(fx, closed):
    with pytest.raises(CommandError, match="No filter given"):
        call_command("delete_opportunities", "--background")
    assert not Job.objects.exists()


def test_the_command_still_deletes_in_the_foreground_with_its_progress(fx, closed, capsys):
    call_command("delete_opportunities", "--salesperson", "JO", "--chunk-size", "2")
    out = capsys.readouterr().out
    assert "2 of 3 deleted" in out and "Deleted 3 closed opportunities." in out
    assert not Job.objects.exists()
    assert not Opportunity.objects.exists()
