"""The jobs endpoints: the batch deletion started over the API (202 with the job's URL), run by
the worker as the page's is, and a job read with its state, progress, parameters and result;
bad filters are 400 by field, a missing "all closed" 409, and only managers start or see jobs."""

import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from jobs import services as jobs
from jobs.models import Job
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry
from tests.api.conftest import token_client
from tests.jobs.workers import run_jobs
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db

START = "/api/v1/jobs/delete-opportunities/"


def job_url(job_id) -> str:
    return f"http://testserver/api/v1/jobs/{job_id}/"


def close_lost(fx, count: int, **overrides) -> list[Opportunity]:
    made = []
    for index in range(count):
        opportunity = fx.create_opp_a(description=f"Lost {index}", **overrides)
        services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
        made.append(opportunity)
    return made


@pytest.fixture
def selection(fx):
    """Three closed opportunities of JO (to delete); one open of JO and one closed of AH stay."""
    doomed = close_lost(fx, 3)
    kept = [fx.create_opp_a(description="Open"), *close_lost(fx, 1, salesperson=fx.AH)]
    return doomed, kept


def numbers(opportunities) -> list[str]:
    return sorted(opportunity.number for opportunity in opportunities)


def left() -> list[str]:
    return sorted(Opportunity.objects.values_list("number", flat=True))


def assert_refused_with(response, status: int, code: str, before: dict) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"].strip()
    assert database_state(setup=True) == before


# --- starting the deletion ----------------------------------------------------------------------


def test_a_deletion_is_queued_with_its_filters_and_answers_202_with_the_jobs_url(
    api, manager, fx, selection
):
    response = api.post(START, {"salesperson": "JO", "date_closed_to": "2099-12-31"})

    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert response["Location"] == job_url(job.pk)
    data = response.json()
    assert data["url"] == job_url(job.pk)
    assert (data["id"], data["kind"], data["state"]) == (job.pk, "delete_opportunities", "queued")
    assert data["progress"] == {"done": 0, "total": None, "percent": None}
    assert data["result"] is None
    assert data["started_by"] == "manager"
    assert data["parameters"]["filters"] == {
        "number_from": "",
        "number_to": "",
        "date_closed_from": "",
        "date_closed_to": "2099-12-31",
        "salesperson": "JO",
        "contact": "",
        "sales_cycle": "",
    }
    assert data["parameters"]["all_closed"] is False
    assert data["parameters"]["dry_run"] is False
    # Queued for a worker, with its task; nothing is deleted by the request itself.
    assert (job.state, job.started_by) == ("queued", manager)
    assert DBTaskResult.objects.get(id=job.task_id).task_path == "jobs.tasks.run_job"
    assert Opportunity.objects.count() == 5


def test_a_deletion_run_by_the_worker_deletes_exactly_the_matching_closed_opportunities(
    api, fx, selection
):
    _doomed, kept = selection
    entries_kept = OpportunityEntry.objects.filter(opportunity__in=kept).count()
    url = api.post(START, {"salesperson": "JO"})["Location"]

    run_jobs()

    assert left() == numbers(kept)
    assert OpportunityEntry.objects.count() == entries_kept
    data = api.get(url).json()
    assert data["state"] == "done"
    assert data["progress"] == {"done": 3, "total": 3, "percent": 100}
    assert data["result"] == {"deleted": 3}
    assert data["finished_at"] is not None


def test_a_dry_run_creates_a_job_that_deletes_nothing_and_reports_the_count(api, fx, selection):
    before = left()
    response = api.post(START, {"salesperson": "JO", "dry_run": True})
    assert response.status_code == 202, response.content
    assert response.json()["parameters"]["dry_run"] is True

    run_jobs()

    assert left() == before
    data = api.get(response["Location"]).json()
    assert (data["state"], data["result"]) == ("done", {"count": 3})


def test_all_closed_deletes_every_closed_opportunity_and_never_an_open_one(api, fx, selection):
    _doomed, kept = selection
    open_one = kept[0]

    response = api.post(START, {"all_closed": True})
    assert response.status_code == 202, response.content
    run_jobs()

    assert left() == [open_one.number]
    assert api.get(response["Location"]).json()["result"] == {"deleted": 4}


def test_every_filter_of_the_batch_page_narrows_the_selection(api, fx, selection):
    doomed, _kept = selection
    first, second, third = sorted(doomed, key=lambda opportunity: opportunity.number)
    response = api.post(
        START,
        {
            "number_from": first.number.lower(),
            "number_to": second.number,
            "date_closed_from": "2000-01-01",
            "date_closed_to": "2099-12-31",
            "salesperson": "JO",
            "contact": "CT100",
            "sales_cycle": "STD",
        },
    )
    assert response.status_code == 202, response.content
    run_jobs()

    remaining = left()
    assert first.number not in remaining and second.number not in remaining
    assert third.number in remaining


# --- refusals -----------------------------------------------------------------------------------


def test_no_filter_without_all_closed_is_refused_as_409_and_queues_nothing(api, fx, selection):
    before = database_state(setup=True)
    response = api.post(START, {"dry_run": True})
    assert_refused_with(response, 409, "no_filter", before)


def test_filters_with_all_closed_are_refused_as_409_and_queue_nothing(api, fx, selection):
    before = database_state(setup=True)
    response = api.post(START, {"salesperson": "JO", "all_closed": True})
    assert_refused_with(response, 409, "all_with_filters", before)


def test_bad_filters_are_400_with_the_message_of_each_field_and_queue_nothing(api, fx, selection):
    before = database_state(setup=True)
    response = api.post(
        START,
        {
            "salesperson": "ZZ",
            "contact": "CT999",
            "sales_cycle": "NOPE",
            "date_closed_from": "31/12/2024",
            "number_to": "X" * 21,
            "dry_run": "perhaps",
        },
    )

    assert response.status_code == 400, response.content
    errors = response.json()
    assert set(errors) == {
        "salesperson",
        "contact",
        "sales_cycle",
        "date_closed_from",
        "number_to",
        "dry_run",
    }
    assert all(messages and messages[0].strip() for messages in errors.values())
    assert database_state(setup=True) == before


def test_a_misspelt_filter_is_400_rather_than_ignored(api, fx, selection):
    """With all_closed, an ignored filter would delete every closed opportunity."""
    before = database_state(setup=True)
    response = api.post(START, {"all_closed": True, "salesperon": "JO"})

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["salesperon"]
    assert database_state(setup=True) == before


def test_a_body_that_is_not_an_object_is_400(api, fx):
    response = api.post(START, ["salesperson", "JO"])
    assert response.status_code == 400, response.content
    assert Job.objects.count() == 0


def test_a_refusal_is_in_french_with_accept_language_fr(manager, fx):
    client = token_client(manager, HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post(START, {})
    assert response.status_code == 409
    message = response.json()["message"]
    assert "Choisissez" in message, message


# --- who may start and see jobs -----------------------------------------------------------------


def test_a_salesperson_may_not_start_a_deletion_even_of_their_own_opportunities(
    seller_api, fx, selection
):
    before = database_state(setup=True)
    response = seller_api.post(START, {"salesperson": "JO"})
    assert_refused_with(response, 403, "permission_denied", before)


def test_a_salesperson_cannot_see_a_managers_job(api, seller_api, fx, selection):
    url = api.post(START, {"salesperson": "JO", "dry_run": True})["Location"]

    response = seller_api.get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_manager_sees_a_job_started_elsewhere_as_the_job_pages_show_it(api, fx, selection):
    job = jobs.enqueue_deletion(
        user=None, filters={"date_closed_from": datetime.date(2024, 1, 1)}, dry_run=True
    )

    data = api.get(f"/api/v1/jobs/{job.pk}/").json()

    assert data["id"] == job.pk
    assert data["started_by"] is None  # the command line
    assert data["parameters"]["filters"]["date_closed_from"] == "2024-01-01"


def test_an_unknown_or_malformed_job_id_is_404_as_json(api, fx):
    for id in ("999999", "abc", "-1", "9" * 40):
        response = api.get(f"/api/v1/jobs/{id}/")
        assert response.status_code == 404, id
        assert response.json()["code"] == "not_found"
