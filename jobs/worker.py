"""The worker loop: take the next task from the database, run it, sweep stale jobs, wait.

It is django-tasks-db's worker (its claim of a task, `SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL, an exclusive transaction on SQLite, and its way of running a task and recording
the outcome) with what our jobs need around it: the sweep that queues again a job whose worker
stopped beating, a stop between chunks (the job is given back, not cut off), and on PostgreSQL
a wake-up by NOTIFY when a job is queued instead of waiting for the next poll.
"""

import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker as TaskRunner
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from jobs import execution, services

logger = logging.getLogger("jobs")


def default_worker_id() -> str:
    """Unique across machines: the host, the process and a random part (at most 64 chars)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class Worker:
    """Runs tasks of the default backend's queues until `stop` is set (or, in `batch`, until
    none is ready). `manage_connections` (a worker process) closes stale database connections
    between tasks as Django does between requests; tests run it inside their transaction."""

    def __init__(
        self,
        *,
        worker_id: str | None = None,
        interval: float = 1.0,
        stale_after: float | None = None,
        backend_name: str = "default",
        queue_names: tuple[str, ...] = ("default",),
        manage_connections: bool = True,
    ):
        self.worker_id = worker_id or default_worker_id()
        self.interval = interval
        self.stale_after = settings.JOBS_STALE_SECONDS if stale_after is None else stale_after
        self.backend_name = backend_name
        self.queue_names = list(queue_names)
        self.manage_connections = manage_connections
        self.context = execution.WorkerContext(worker_id=self.worker_id)
        self.tasks_run = 0
        self._next_sweep = 0.0
        self._listener = None
        self._runner = TaskRunner(
            queue_names=self.queue_names,
            interval=interval,
            batch=True,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )

    @property
    def stop(self) -> threading.Event:
        return self.context.stop

    def run(self, *, batch: bool = False) -> int:
        """Work until stopped (in `batch`: until nothing is ready); returns the tasks run."""
        logger.info(
            "Worker %s ready (queues %s, stale after %g s)",
            self.worker_id,
            ",".join(self.queue_names),
            self.stale_after,
        )
        try:
            while not self.stop.is_set():
                try:
                    self.sweep_if_due()
                    ran = self.run_one()
                except (InterfaceError, OperationalError) as error:
                    # The database is away (restarting, unreachable): try again later.
                    logger.warning("Worker %s: database error: %s", self.worker_id, error)
                    connection.close()
                    ran = False
                    if batch:
                        raise
                    self.stop.wait(self.interval)
                    continue
                if batch and not ran:
                    break
                if not ran:
                    self.wait()
        finally:
            self.close_listener()
        logger.info("Worker %s stopped after %s tasks", self.worker_id, self.tasks_run)
        return self.tasks_run

    def run_one(self) -> bool:
        """Claim the next ready task and run it; whether there was one."""
        if self.manage_connections:
            close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, queue_name__in=self.queue_names
        )
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):  # SQLite busy: another writer
                return False
            raise
        if task_result is None:
            return False
        execution.set_context(self.context)
        try:
            self._runner.run_task(task_result)
        finally:
            execution.set_context(None)
            self.tasks_run += 1
            if self.manage_connections:
                close_old_connections()
        return True

    def sweep_if_due(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next_sweep:
            return
        self._next_sweep = now + max(0.5, self.stale_after / 3)
        services.sweep_stale_jobs(stale_after=self.stale_after)

    def wait(self) -> None:
        """Until the next poll, or until a job is queued (PostgreSQL's NOTIFY), or stopped."""
        if connection.vendor != "postgresql":
            self.stop.wait(self.interval)
            return
        try:
            listener = self.listener()
            for _notice in listener.notifies(timeout=self.interval, stop_after=1):
                pass
        except Exception as error:  # the listener is a convenience: polling goes on without it
            logger.debug("Worker %s: no NOTIFY listener (%s)", self.worker_id, error)
            self.close_listener()
            self.stop.wait(self.interval)

    def listener(self):
        if self._listener is None or self._listener.closed:
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            self._listener = psycopg.connect(**params, autocommit=True)
            self._listener.execute(f"LISTEN {services.CHANNEL}")
        return self._listener

    def close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None
