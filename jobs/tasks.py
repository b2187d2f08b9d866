"""The task that the workers run: one per job run, carrying only the job's id."""

from django.tasks import task


@task()
def run_job(job_id: int) -> dict:
    """Run the job (see jobs.execution): its record says what to do and where to resume."""
    from jobs import execution

    return execution.run(job_id)
