"""The batch deletion page starts the deletion as a job on a worker, and shows its progress.

The confirmation the preview issued starts one job (posted twice, the same job); the job's
page shows where it stands and its result; nothing depends on the page staying open.
"""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse

from jobs.models import Job
from opportunities import services
from opportunities.models import Opportunity
from tests.jobs.workers import run_jobs

pytestmark = pytest.mark.django_db
BATCH = reverse("opportunities:batch_delete")


class FormFields(HTMLParser):
    """What a browser posts with the form of the given id: its named inputs, as rendered."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        elif tag == "input" and self.inside and attributes.get("name"):
            if attributes.get("type") == "checkbox" and "checked" not in attributes:
                return
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(response, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.fields, f"no form #{form_id} on the page"
    return parser.fields


def confirmation(client, **filters) -> dict[str, str]:
    """Preview the filters and return what the page's "Delete them" button posts."""
    page = client.get(BATCH, {"preview": "1", **filters})
    assert page.context["preview"], page.context["form"].errors
    return form_fields(page, "batch-confirm")


def refusal_codes(response) -> list[str]:
    return [error.code for error in response.context["form"].errors.as_data()[NON_FIELD_ERRORS]]


@pytest.fixture
def closed(fx):
    made = []
    for index in range(3):
        opportunity = fx.create_opp_a(description=f"Lost {index}")
        services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
        made.append(opportunity)
    return made


def delete_through_the_job(client, data, **headers):
    """Post the confirmation, let a worker run the job, and open the job's page."""
    response = client.post(BATCH, data, **headers)
    url = response.headers.get("HX-Redirect") or response["Location"]
    run_jobs()
    return client.get(url)


def test_a_confirmed_deletion_is_queued_as_a_job_that_a_worker_runs_to_its_result(
    fx, client, manager, closed
):
    open_one = fx.create_opp_a(description="Open")

    response = client.post(BATCH, confirmation(client, all_closed="on"))

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.state, job.started_by, job.parameters["all_closed"]) == (
        "queued",
        manager,
        True,
    )
    assert Opportunity.objects.count() == 4  # nothing deleted in the request
    queued = client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for a worker." in queued
    assert 'data-hx-trigger="every 1s"' in queued and 'id="job-refresh"' in queued

    run_jobs()

    page = client.get(job.get_absolute_url()).content.decode()
    assert "3 closed opportunities were deleted." in page
    assert "data-hx-trigger" not in page and 'id="job-refresh"' not in page
    assert list(Opportunity.objects.all()) == [open_one]


def test_the_job_runs_to_its_end_without_its_page_ever_opened(fx, client, closed):
    client.post(BATCH, confirmation(client, salesperson="JO"))  # then the tab is closed
    run_jobs()
    job = Job.objects.get()
    assert (job.state, job.result) == ("done", {"deleted": 3})
    assert not Opportunity.objects.exists()


def test_the_same_confirmation_posted_twice_starts_one_job(fx, client, closed):
    data = confirmation(client, all_closed="on")
    first = client.post(BATCH, data)
    second = client.post(BATCH, data)
    assert first["Location"] == second["Location"]
    assert Job.objects.count() == 1


def test_under_htmx_the_confirmation_sends_the_browser_to_the_job(fx, client, closed):
    page = delete_through_the_job(
        client, confirmation(client, all_closed="on"), HTTP_HX_REQUEST="true"
    )
    assert "3 closed opportunities were deleted." in page.content.decode()


def test_a_tampered_confirmation_under_htmx_sends_the_browser_back_to_the_preview(
    fx, client, closed
):
    data = {**confirmation(client, salesperson="JO"), "salesperson": "AH"}

    response = client.post(BATCH, data, HTTP_HX_REQUEST="true")

    assert response.headers["HX-Redirect"] == f"{BATCH}?preview=1&salesperson=AH"
    assert not Job.objects.exists()
    page = client.get(response.headers["HX-Redirect"])
    assert "The filters are not the ones of the preview." in page.content.decode()
    assert page.context["preview"] == 0


def test_a_refused_confirmation_without_javascript_shows_the_preview_again(fx, client, closed):
    data = {**confirmation(client, all_closed="on"), "confirmation": "made-up"}

    response = client.post(BATCH, data)

    assert refusal_codes(response) == ["not_previewed"]
    assert not Job.objects.exists()
    assert response.context["preview"] == 3
    assert form_fields(response, "batch-confirm")["all_closed"] == "True"


def test_the_batch_page_links_the_deletions_under_way(fx, client, closed):
    client.post(BATCH, confirmation(client, all_closed="on"))
    job = Job.objects.get()
    page = client.get(BATCH).content.decode()
    assert f'href="{job.get_absolute_url()}"' in page.split('id="unfinished-jobs"')[1]
    run_jobs()
    assert 'id="unfinished-jobs"' not in client.get(BATCH).content.decode()
