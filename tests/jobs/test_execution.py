"""Running a deletion job: chunks in number order, progress committed with each chunk, resumed
at its cursor after its worker died, stopped by a lost lease, a cancellation or a stopping
worker, and the sweep that queues again a job whose worker went silent."""

import datetime

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs import execution, services
from jobs.models import Job
from opportunities import services as opportunity_services
from opportunities.models import Opportunity, OpportunityEntry
from tests.jobs.workers import run_jobs

pytestmark = pytest.mark.django_db


def closed(fx, count: int, **overrides) -> list[Opportunity]:
    made = []
    for index in range(count):
        opportunity = fx.create_opp_a(description=f"Lost {index}", **overrides)
        opportunity_services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
        made.append(opportunity)
    return made


def numbers(opportunities) -> list[str]:
    return sorted(opportunity.number for opportunity in opportunities)


def left() -> list[str]:
    return sorted(Opportunity.objects.values_list("number", flat=True))


def enqueue(fx, *, chunk_size: int = 2, **filters) -> Job:
    return services.enqueue_deletion(
        user=None, filters=filters or {"salesperson": fx.JO}, chunk_size=chunk_size
    )


def later(seconds: float = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


@pytest.fixture
def selection(fx):
    """Five closed opportunities of JO (to delete); one open of JO and one closed of AH stay."""
    doomed = closed(fx, 5)
    kept = [fx.create_opp_a(description="Open"), *closed(fx, 1, salesperson=fx.AH)]
    return doomed, kept


def after_chunk(monkeypatch, number: int, action) -> None:
    """Run `action()` once the chunk `number` (from 1) has committed, before the job looks at
    its state again."""
    real = execution.delete_closed_opportunities_in_chunks

    def chunks(**arguments):
        for index, count in enumerate(real(**arguments), start=1):
            if index == number:
                action()
            yield count

    monkeypatch.setattr(execution, "delete_closed_opportunities_in_chunks", chunks)


def test_a_deletion_job_deletes_in_chunks_in_number_order_with_its_progress_in_each(fx, selection):
    doomed, kept = selection
    entries_kept = OpportunityEntry.objects.filter(opportunity__in=kept).count()
    job = enqueue(fx)

    with CaptureQueriesContext(connection) as queries:
        run_jobs()

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.result) == ("done", 5, 5, {"deleted": 5})
    assert left() == numbers(kept)
    assert OpportunityEntry.objects.count() == entries_kept
    sql = [query["sql"] for query in queries.captured_queries]
    deletes = [i for i, s in enumerate(sql) if s.startswith('DELETE FROM "opportunities_opp')]
    progress = [i for i, s in enumerate(sql) if s.startswith('UPDATE "jobs_job"') and "done" in s]
    assert len(deletes) == 3  # chunks of 2, 2 and 1
    # Each chunk's progress is written right after its DELETE, in the chunk's transaction.
    assert [i + 1 for i in deletes] == progress[: len(deletes)]
    # The cursor is the last number of the last bounded chunk.
    assert job.cursor == numbers(doomed)[3]


def test_a_job_whose_worker_died_is_queued_again_by_the_sweep_and_resumes_at_its_cursor(
    fx, selection, monkeypatch
):
    doomed, kept = selection
    job = enqueue(fx)

    def die():
        raise SystemExit("the worker dies")  # no clean-up: the job stays running

    after_chunk(monkeypatch, 1, die)
    run_jobs()
    monkeypatch.undo()
    job.refresh_from_db()
    first_task = job.task_id
    assert (job.state, job.done, job.cursor) == ("running", 2, numbers(doomed)[1])
    assert left() == sorted(numbers(doomed)[2:] + numbers(kept))

    assert services.sweep_stale_jobs(stale_after=60) == []  # it beat a moment ago
    requeued = services.sweep_stale_jobs(stale_after=60, now=later(61))

    assert [j.pk for j in requeued] == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.lease, job.done) == ("queued", "", 2)
    assert job.task_id != first_task
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == ("done", 5, 5, 2)
    assert job.result == {"deleted": 5}
    assert left() == numbers(kept)
    assert DBTaskResult.objects.get(id=first_task).status == "FAILED"


def test_a_chunk_whose_lease_was_taken_back_is_rolled_back_and_its_worker_stops(
    fx, selection, monkeypatch
):
    doomed, kept = selection
    job = enqueue(fx)
    after_chunk(monkeypatch, 1, lambda: Job.objects.filter(pk=job.pk).update(lease="another"))

    run_jobs()

    job.refresh_from_db()
    assert job.done == 2  # the second chunk, deleted under a lost lease, was rolled back
    assert left() == sorted(numbers(doomed)[2:] + numbers(kept))
    assert DBTaskResult.objects.get(id=job.task_id).return_value == {"lease_lost": True}


def test_a_running_job_cancelled_stops_after_the_chunk_it_is_on(fx, selection, monkeypatch):
    doomed, kept = selection
    job = enqueue(fx)
    after_chunk(monkeypatch, 1, lambda: services.cancel_job(job))

    run_jobs()

    job.refresh_from_db()
    assert (job.state, job.done, job.result) == ("cancelled", 2, {"deleted": 2})
    assert job.finished_at is not None
    assert left() == sorted(numbers(doomed)[2:] + numbers(kept))


def test_a_stopping_worker_gives_its_job_back_between_chunks_and_it_resumes(
    fx, selection, monkeypatch
):
    _doomed, kept = selection
    job = enqueue(fx)

    def stop():
        execution.current_context().stop.set()

    after_chunk(monkeypatch, 1, stop)
    run_jobs()
    monkeypatch.undo()
    job.refresh_from_db()
    assert (job.state, job.done, job.lease) == ("queued", 2, "")
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"

    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.done, job.attempts) == ("done", 5, 2)
    assert left() == numbers(kept)


def test_the_sweep_queues_again_a_job_whose_task_was_taken_but_never_ran(fx, selection):
    job = enqueue(fx)
    DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING")  # taken, then died
    assert services.sweep_stale_jobs(stale_after=60, now=later(61)) != []
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 5)


def test_the_sweep_leaves_queued_jobs_waiting_their_turn_and_finished_ones(fx, selection):
    waiting = enqueue(fx)
    finished = enqueue(fx, salesperson="AH")
    Job.objects.filter(pk=finished.pk).update(state="done")
    before = list(Job.objects.order_by("pk").values())
    assert services.sweep_stale_jobs(stale_after=60, now=later(3600)) == []
    assert list(Job.objects.order_by("pk").values()) == before
    assert waiting.state == "queued"


def test_a_job_that_keeps_losing_its_worker_is_failed_after_its_attempts(fx, selection):
    job = enqueue(fx)
    Job.objects.filter(pk=job.pk).update(attempts=services.MAX_ATTEMPTS)
    run_jobs()
    job.refresh_from_db()
    assert job.state == "failed"
    assert "attempts" in job.error
    assert Opportunity.objects.closed().count() == 6


def test_a_job_whose_filters_name_a_record_gone_since_deletes_nothing(fx, selection):
    job = services.enqueue_deletion(user=None, filters={"contact": "CT300"})
    fx.CT300.__class__.objects.filter(pk=fx.CT300.pk).delete()
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.result) == ("done", {"deleted": 0})
    assert Opportunity.objects.closed().count() == 6


def test_a_failing_job_is_recorded_as_failed_with_what_it_had_done(fx, selection, monkeypatch):
    job = enqueue(fx)

    def broken():
        raise RuntimeError("something unexpected")

    after_chunk(monkeypatch, 2, broken)
    run_jobs()
    job.refresh_from_db()
    assert (job.state, job.done, job.result) == ("failed", 4, {"deleted": 4})
    assert "something unexpected" in job.error
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"


@pytest.mark.django_db(transaction=True)
def test_a_lost_connection_mid_chunk_rolls_the_chunk_back_and_the_job_resumes(
    fx, selection, monkeypatch
):
    _doomed, kept = selection
    job = enqueue(fx)
    monkeypatch.setattr(execution, "RETRY_WAIT", 0)
    failed = []

    def fail_the_second_progress(execute, sql, params, many, context):
        if sql.startswith('UPDATE "jobs_job"') and '"done"' in sql:
            failed.append(sql)
            if len(failed) == 2:
                raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_the_second_progress):
        run_jobs()

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == ("done", 5, 5, 1)
    assert left() == numbers(kept)
