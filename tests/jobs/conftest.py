"""Fixtures of the job tests: a database that worker processes share with the test, and
the processes themselves, always stopped at the end."""

import sqlite3
from urllib.parse import quote

import pytest
from django.db import connection

from tests.jobs.workers import WorkerProcess


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """The URL of the test's database, for worker processes to use too.

    PostgreSQL: the test database itself (the test's writes are committed). SQLite: the suite's
    database lives in this process's memory, so the test runs on a file copy of it instead,
    for as long as it lasts; the database in memory is put back afterwards, untouched.
    """
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        user = quote(settings["USER"] or "")
        password = f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or "5432"
        yield f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    memory = connection.connection
    copy = sqlite3.connect(path)
    memory.backup(copy)
    copy.close()
    name = connection.settings_dict["NAME"]
    connection.connection = None  # kept open (and so alive) in `memory`
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory


@pytest.fixture
def workers(shared_database, tmp_path):
    """Start worker processes with `workers(name, fault=..., worker=...)`; all are stopped
    (killed if need be) when the test ends."""
    started = []

    def start(name: str, **options) -> WorkerProcess:
        worker = WorkerProcess(name, shared_database, tmp_path, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=30)
