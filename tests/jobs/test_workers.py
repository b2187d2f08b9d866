"""Real worker processes: killed in the middle of a deletion (SIGKILL, or their database
connection killed), stopped gracefully, and two of them on one PostgreSQL.

Each test starts its own `manage.py jobs_worker` processes on the test's database and stops
them; every wait is bounded. The deletion deletes JO's closed opportunities in chunks of 4;
afterwards exactly those are gone with their entries, none counted twice, and every other row
is as it was.
"""

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from jobs import services
from jobs.models import Job
from opportunities import services as opportunity_services
from opportunities.models import Opportunity, OpportunityEntry
from tests.jobs.workers import wait_for
from tests.postgres import require_postgresql_database

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

CHUNK = 4


class Selection:
    """18 closed opportunities of JO to delete (5 chunks); open ones and AH's closed ones stay."""

    def __init__(self, fx):
        self.doomed = []
        for index in range(18):
            opportunity = fx.create_opp_a(description=f"Lost {index}")
            opportunity_services.close_opportunity(
                opportunity, outcome="lost", close_code=fx.L_COMP
            )
            self.doomed.append(opportunity.pk)
        for index in range(3):
            fx.create_opp_a(description=f"Open {index}")
            other = fx.create_opp_a(description=f"AH lost {index}", salesperson=fx.AH)
            opportunity_services.close_opportunity(other, outcome="lost", close_code=fx.L_COMP)
        self.doomed_entries = OpportunityEntry.objects.filter(opportunity__in=self.doomed).count()
        self.others = self.rows_kept()
        assert len(self.others["opportunities"]) == 6

    def rows_kept(self) -> dict:
        """Every column of every opportunity and entry outside the selection."""
        return {
            "opportunities": list(
                Opportunity.objects.exclude(pk__in=self.doomed).order_by("pk").values()
            ),
            "entries": list(
                OpportunityEntry.objects.exclude(opportunity__in=self.doomed)
                .order_by("pk")
                .values()
            ),
        }

    def enqueue(self) -> Job:
        return services.enqueue_deletion(user=None, filters={"salesperson": "JO"}, chunk_size=CHUNK)

    def assert_deleted_exactly(self, job: Job) -> None:
        job.refresh_from_db()
        assert job.state == "done", job.as_dict()
        assert (job.done, job.total, job.result) == (18, 18, {"deleted": 18})
        assert not Opportunity.objects.filter(pk__in=self.doomed).exists()
        assert not OpportunityEntry.objects.filter(opportunity__in=self.doomed).exists()
        assert self.doomed_entries > 18
        assert self.rows_kept() == self.others


@pytest.fixture
def selection(shared_database, fx):
    return Selection(fx)


def finished(job: Job):
    def check():
        job.refresh_from_db()
        return job.finished

    return check


def test_a_worker_killed_mid_chunk_leaves_a_job_that_another_worker_finishes_exactly(
    selection, workers
):
    job = selection.enqueue()
    first = workers("first", fault=["--pause-at", "3"])
    first.wait_marker()  # two chunks committed; the third deleted, not committed

    first.kill()

    job.refresh_from_db()
    assert (job.state, job.done, job.worker) == ("running", 2 * CHUNK, "first")
    assert Opportunity.objects.filter(pk__in=selection.doomed).count() == 18 - 2 * CHUNK
    second = workers("second", worker=["--stale-after", "1"])
    wait_for(finished(job), "the job to finish", logs=[first, second])
    selection.assert_deleted_exactly(job)
    job.refresh_from_db()
    assert (job.attempts, job.worker) == (2, "second")
    assert "queued again at 8 of 18" in second.output()
    assert second.stop() == 0
    dead_task = DBTaskResult.objects.filter(worker_ids=["first"]).get()
    assert dead_task.status == "FAILED"


def test_a_worker_whose_connection_is_killed_mid_chunk_resumes_and_finishes_exactly(
    selection, workers
):
    require_postgresql_database("the server terminates the worker's connection")
    job = selection.enqueue()
    worker = workers("worker", fault=["--kill-connection-at", "3"])
    wait_for(finished(job), "the job to finish", logs=[worker])
    assert worker.marker.exists()
    selection.assert_deleted_exactly(job)
    job.refresh_from_db()
    assert job.attempts == 1  # the same worker went on, on a new connection
    assert "database error" in worker.output()
    assert worker.stop() == 0


def test_a_stopped_worker_gives_its_job_back_between_chunks_and_another_finishes_it(
    selection, workers
):
    job = selection.enqueue()
    first = workers("first", fault=["--slow", "0.3"])
    first.wait_marker()

    assert first.stop() == 0  # SIGTERM, as Ctrl-C or a service manager

    job.refresh_from_db()
    assert job.state == "queued" and 0 < job.done < 18
    assert "given back" in first.output()
    second = workers("second")
    wait_for(finished(job), "the job to finish", logs=[first, second])
    selection.assert_deleted_exactly(job)
    assert second.stop() == 0


def test_two_workers_on_postgresql_never_take_the_same_job(shared_database, fx, workers):
    require_postgresql_database("SELECT ... FOR UPDATE SKIP LOCKED between processes")
    for index in range(12):
        opportunity = fx.create_opp_a(description=f"Lost {index}")
        opportunity_services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
    left, right = workers("left"), workers("right")
    left.wait_ready()
    right.wait_ready()
    numbers = sorted(Opportunity.objects.values_list("number", flat=True))
    # One job per opportunity, queued together: both workers wake at once and race for them.
    jobs = [
        services.enqueue_deletion(
            user=None, filters={"number_from": number, "number_to": number}, chunk_size=1
        )
        for number in numbers
    ]

    wait_for(
        lambda: not Job.objects.unfinished().exists(), "every job to finish", logs=[left, right]
    )

    assert left.stop() == 0 and right.stop() == 0
    runs = {}
    for job in Job.objects.filter(pk__in=[j.pk for j in jobs]):
        assert (job.state, job.result, job.attempts) == ("done", {"deleted": 1}, 1)
        task = DBTaskResult.objects.get(id=job.task_id)
        assert len(task.worker_ids) == 1, task.worker_ids
        runs[job.pk] = task.worker_ids[0]
    assert len(runs) == 12
    assert set(runs.values()) == {"left", "right"}, runs
    assert DBTaskResult.objects.count() == 12  # no run was ever queued again
    assert not Opportunity.objects.exists()
    assert connection.vendor == "postgresql"
