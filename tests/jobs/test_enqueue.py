"""Starting the batch deletion as a job (`jobs.services.enqueue_deletion`) and cancelling it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from jobs import services
from jobs.models import Job
from opportunities import services as opportunity_services
from opportunities.models import Opportunity
from tests.jobs.workers import run_jobs

pytestmark = pytest.mark.django_db


def close_lost(fx, count: int, **overrides) -> list[Opportunity]:
    made = []
    for index in range(count):
        opportunity = fx.create_opp_a(description=f"Lost {index}", **overrides)
        opportunity_services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
        made.append(opportunity)
    return made


def test_a_deletion_is_queued_with_its_filters_and_its_task_and_deletes_nothing_yet(fx, manager):
    lost = close_lost(fx, 2)

    job = services.enqueue_deletion(
        user=manager, filters={"salesperson": fx.JO, "date_closed_to": datetime.date(2024, 12, 31)}
    )

    job.refresh_from_db()
    assert (job.kind, job.state, job.started_by, job.done, job.total) == (
        "delete_opportunities",
        "queued",
        manager,
        0,
        None,
    )
    assert job.parameters["filters"] == {
        "number_from": "",
        "number_to": "",
        "date_closed_from": "",
        "date_closed_to": "2024-12-31",
        "salesperson": "JO",
        "contact": "",
        "sales_cycle": "",
    }
    assert job.parameters["all_closed"] is False and job.parameters["dry_run"] is False
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.task_path == "jobs.tasks.run_job"
    assert task.args_kwargs == {"args": [job.pk], "kwargs": {}}
    assert task.status == "READY"
    assert Opportunity.objects.filter(pk__in=[o.pk for o in lost]).count() == 2


def test_plain_values_are_accepted_as_an_api_receives_them(fx, manager):
    job = services.enqueue_deletion(
        user=manager,
        filters={
            "number_from": " op000001 ",
            "date_closed_from": "2024-01-01",
            "salesperson": "jo",
            "contact": "CT100",
            "sales_cycle": "std",
        },
    )
    filters = job.parameters["filters"]
    assert filters["number_from"] == "OP000001"
    assert (filters["salesperson"], filters["contact"], filters["sales_cycle"]) == (
        "JO",
        "CT100",
        "STD",
    )
    assert filters["date_closed_from"] == "2024-01-01"


@pytest.mark.parametrize(
    ("filters", "all_closed", "code"),
    [
        ({}, False, "no_filter"),
        ({"salesperson": "", "contact": None}, False, "no_filter"),
        ({"salesperson": "JO"}, True, "all_with_filters"),
        ({"salesperson": "NOPE"}, False, "not_found"),
        ({"contact": "CT999"}, False, "not_found"),
        ({"sales_cycle": "NOPE"}, False, "not_found"),
        ({"date_closed_from": "2024-02-31"}, False, "invalid_filter"),
        ({"number_to": "X" * 51}, False, "invalid_filter"),
        ({"status": "won"}, False, "unknown_filter"),
    ],
)
def test_a_deletion_without_a_clear_selection_is_refused_and_queues_nothing(
    fx, manager, filters, all_closed, code
):
    with pytest.raises(ValidationError) as refused:
        services.enqueue_deletion(user=manager, filters=filters, all_closed=all_closed)
    assert refused.value.code == code
    assert refused.value.messages[0].strip()
    assert not Job.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_every_closed_opportunity_is_deleted_only_when_asked_for(fx, manager):
    close_lost(fx, 2)
    kept = fx.create_opp_a(description="Open")
    job = services.enqueue_deletion(user=manager, filters={}, all_closed=True)
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.result, job.done, job.total) == ("done", {"deleted": 2}, 2, 2)
    assert list(Opportunity.objects.all()) == [kept]


def test_the_same_confirmation_starts_one_job(fx, manager):
    first = services.enqueue_deletion(
        user=manager, filters={"salesperson": "JO"}, confirmation="signed-confirmation"
    )
    again = services.enqueue_deletion(
        user=manager, filters={"salesperson": "JO"}, confirmation="signed-confirmation"
    )
    assert again.pk == first.pk
    assert Job.objects.count() == 1 and DBTaskResult.objects.count() == 1
    other = services.enqueue_deletion(
        user=manager, filters={"salesperson": "JO"}, confirmation="another-confirmation"
    )
    assert other.pk != first.pk


def test_a_dry_run_job_counts_and_deletes_nothing(fx, manager):
    close_lost(fx, 3)
    job = services.enqueue_deletion(user=manager, filters={"salesperson": "JO"}, dry_run=True)
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.result, job.done, job.total) == ("done", {"count": 3}, 3, 3)
    assert Opportunity.objects.closed().count() == 3


def test_a_command_line_job_has_no_user(fx):
    job = services.enqueue_deletion(user=None, filters={"salesperson": "JO"})
    assert job.started_by is None
    assert job.as_dict()["started_by"] is None


def test_a_queued_job_cancelled_never_runs(fx, manager):
    close_lost(fx, 2)
    job = services.enqueue_deletion(user=manager, filters={"salesperson": "JO"})

    cancelled = services.cancel_job(job, user=manager)

    assert (cancelled.state, cancelled.result) == ("cancelled", {"deleted": 0})
    assert cancelled.finished_at is not None
    run_jobs()
    job.refresh_from_db()
    assert job.state == "cancelled"
    assert Opportunity.objects.closed().count() == 2


def test_cancelling_a_finished_job_is_refused_and_changes_nothing(fx, manager):
    job = services.enqueue_deletion(user=manager, filters={"salesperson": "JO"})
    run_jobs()
    job.refresh_from_db()
    before = Job.objects.filter(pk=job.pk).values().get()
    with pytest.raises(ValidationError) as refused:
        services.cancel_job(job, user=manager)
    assert refused.value.code == "finished"
    assert Job.objects.filter(pk=job.pk).values().get() == before


def test_the_public_state_of_a_job(fx, manager):
    close_lost(fx, 2)
    job = services.enqueue_deletion(user=manager, filters={"salesperson": "JO"})
    queued = job.as_dict()
    assert queued["state"] == "queued"
    assert queued["progress"] == {"done": 0, "total": None, "percent": None}
    assert queued["started_by"] == "manager"
    run_jobs()
    job.refresh_from_db()
    done = job.as_dict()
    assert (done["state"], done["result"]) == ("done", {"deleted": 2})
    assert done["progress"] == {"done": 2, "total": 2, "percent": 100}
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]
