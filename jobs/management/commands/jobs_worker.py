"""`manage.py jobs_worker`: a worker process that runs the background jobs."""

import argparse
import math
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.worker import Worker, default_worker_id


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds.")
    return number


def worker_id(value: str) -> str:
    if not value.strip() or len(value) > 64:
        raise argparse.ArgumentTypeError("A worker id has 1 to 64 characters.")
    return value.strip()


class Command(BaseCommand):
    help = (
        "Run background jobs (the batch deletion...) as they are queued. Start one or more on "
        "each machine, all on the same database: each job runs on one worker at a time. "
        "Ctrl-C (or SIGTERM) stops after the current chunk and queues the job again, to resume "
        "on another worker; a second Ctrl-C stops at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=seconds,
            default=1.0,
            help="Seconds between looks for new jobs when idle (default 1; on PostgreSQL a new "
            "job wakes the worker at once).",
        )
        parser.add_argument(
            "--stale-after",
            type=seconds,
            default=None,
            help="Seconds without a heartbeat after which a running job is taken to have lost "
            f"its worker and is queued again (default DJANGO_JOBS_STALE_SECONDS, "
            f"{settings.JOBS_STALE_SECONDS:g}).",
        )
        parser.add_argument(
            "--worker-id", type=worker_id, default=None, help="Default: host-pid-random."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *args, **options):
        worker = Worker(
            worker_id=options["worker_id"] or default_worker_id(),
            interval=options["interval"],
            stale_after=options["stale_after"],
        )

        def stop(signum, frame):
            if worker.stop.is_set():
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                raise SystemExit(1)
            self.stderr.write(
                f"Worker {worker.worker_id}: stopping after the current chunk "
                "(again to stop at once)."
            )
            worker.stop.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        worker.run(batch=options["batch"])
