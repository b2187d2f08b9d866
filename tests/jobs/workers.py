"""Workers for the tests: one run in the test's own process and transaction (`run_jobs`), and
real worker processes (`WorkerProcess`), each started and stopped by its test, within time."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from jobs.worker import Worker

BASE_DIR = Path(settings.BASE_DIR)


def run_jobs(*, stale_after: float = 60) -> int:
    """Run every queued job here and now, as a worker does; returns how many tasks ran."""
    return Worker(interval=0, stale_after=stale_after, manage_connections=False).run(batch=True)


def wait_for(condition: Callable[[], object], what: str, *, seconds: float = 60, logs=()):
    """Poll `condition` until it is true (returned), or fail after `seconds` with the logs."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            shown = "\n".join(f"--- {log.name}\n{log.output()}" for log in logs)
            raise AssertionError(f"timed out after {seconds} s waiting for {what}\n{shown}")
        time.sleep(0.05)


class WorkerProcess:
    """`manage.py jobs_worker` in a process of its own, on the database at `database_url`,
    through tests.jobs.worker_process (which can add a fault)."""

    def __init__(self, name: str, database_url: str, folder: Path, *, fault=(), worker=()):
        self.name = name
        self.log = folder / f"{name}.log"
        self.marker = folder / f"{name}.marker"
        command = [sys.executable, "-m", "tests.jobs.worker_process"]
        if fault:
            command += [*fault, "--marker", str(self.marker)]
        command += ["--", "--worker-id", name, "--interval", "0.1", *worker]
        environment = {**os.environ, "DATABASE_URL": database_url, "DJANGO_LOG_LEVEL": "INFO"}
        environment.pop("DJANGO_SETTINGS_MODULE", None)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self) -> None:
        wait_for(lambda: f"Worker {self.name} ready" in self.output(), "ready", logs=[self])

    def wait_marker(self) -> None:
        wait_for(self.marker.exists, f"the fault of {self.name}", logs=[self])

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as when a machine loses power."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, *, seconds: float = 30) -> int:
        """SIGTERM, as a service manager stops it; SIGKILL if it does not end in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
                raise AssertionError(f"{self.name} did not stop\n{self.output()}") from None
        return self.process.returncode
