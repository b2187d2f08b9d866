"""`python -m tests.jobs.worker_process [--pause-at N | --kill-connection-at N | --slow S]
--marker PATH -- [jobs_worker options]`: a real worker process, with a fault of the tests.

The fault acts on the worker's DELETEs of opportunities, counted from 1, right after the N-th
ran, inside its chunk's transaction (before the commit): `--pause-at` writes the marker and
sleeps (the test then SIGKILLs the process), `--kill-connection-at` has the server terminate
the worker's own connection (PostgreSQL) and writes the marker. `--slow` sleeps after every
DELETE (the marker after the first), so that a test can stop the worker mid-job.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

DELETE = re.compile(r'^\s*DELETE FROM "opportunities_opportunity"', re.I)


class Fault:
    def __init__(self, args):
        self.args = args
        self.seen = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not DELETE.match(sql):
            return result
        self.seen += 1
        marker = Path(self.args.marker)
        if self.args.slow:
            if self.seen == 1:
                marker.write_text(str(os.getpid()))
            time.sleep(self.args.slow)
        elif self.seen == self.args.pause_at:
            marker.write_text(str(os.getpid()))
            time.sleep(3600)
        elif self.seen == self.args.kill_connection_at:
            self.terminate(context["connection"])
            marker.write_text(str(os.getpid()))
        return result

    @staticmethod
    def terminate(database) -> None:
        import psycopg

        pid = database.connection.info.backend_pid
        params = database.get_connection_params()
        params.pop("cursor_factory", None)
        with psycopg.connect(**params, autocommit=True) as other:
            (gone,) = other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()
            assert gone, f"backend {pid} survived"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pause-at", type=int)
    parser.add_argument("--kill-connection-at", type=int)
    parser.add_argument("--slow", type=float)
    parser.add_argument("--marker")
    parser.add_argument("worker_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.marker:
        connection.execute_wrappers.append(Fault(args))
    worker_args = [arg for arg in args.worker_args if arg != "--"]
    call_command("jobs_worker", *worker_args)


if __name__ == "__main__":
    sys.exit(main())
