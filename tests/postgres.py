"""Tests that need PostgreSQL: skipped with the reason where it is missing, failed in CI.

In CI (`CI=true`) a missing PostgreSQL is a failure, not a skip, so that a broken setup cannot
pass by skipping the tests that need it.
"""

import os
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from bench import database

POSTGRES_SCHEMES = ("postgres://", "postgresql://")
BASE_DIR = Path(__file__).resolve().parents[1]


def require_postgresql_database(why: str) -> None:
    """Skip the test (or fail in CI) unless the suite's own database is PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL", "").startswith(
        POSTGRES_SCHEMES
    ):
        pytest.fail("CI asks for PostgreSQL (DATABASE_URL) but the default database is not it")
    pytest.skip(f"needs PostgreSQL: {why} (set DATABASE_URL=postgres://...)")


def postgresql_server_database(name: str, why: str) -> str:
    """The URL of a database `name` of its own on the suite's PostgreSQL server, once the
    server answers, for a test that makes its own database (the load test, the benchmark's
    smoke run): its name ends with the process id, so each pytest-xdist worker has its own.

    Such a test does the same work whatever the suite's database is, so it runs only when the
    suite runs on PostgreSQL: once in CI, in the PostgreSQL pass of .ci/run, not again in the
    SQLite pass. On SQLite it skips, in CI too; an unreachable server is a skip, in CI a
    failure."""
    require_postgresql_database(why)
    url = os.environ["DATABASE_URL"]  # the settings' only way to PostgreSQL
    url = urlunsplit(urlsplit(url)._replace(path=f"/{name}_{os.getpid()}"))
    problem = database.reachable(url)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must be reachable in CI ({url}): {problem}")
        pytest.skip(f"PostgreSQL is not reachable at {url}: {problem}")
    return url


def run_own_servers(command: list[str], *, timeout: float) -> subprocess.CompletedProcess:
    """Run `command` (the load test, the benchmark), which starts servers and workers of its
    own, in a session of its own from the project's folder. When it runs out of time, or the
    test is interrupted, the whole session is killed: no orphaned worker keeps its connections
    open on the shared PostgreSQL server, where a COPY left half done holds up every
    DROP DATABASE."""
    with subprocess.Popen(
        command,
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except BaseException:  # the timeout, pytest-timeout's failure, Ctrl-C
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
