"""Tests that need PostgreSQL: skipped with the reason where it is missing, failed in CI.

In CI (`CI=true`) a missing PostgreSQL is a failure, not a skip, so that a broken setup cannot
pass by skipping the tests that need it.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from bench import database

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def require_postgresql_database(why: str) -> None:
    """Skip the test (or fail in CI) unless the suite's own database is PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL", "").startswith(
        POSTGRES_SCHEMES
    ):
        pytest.fail("CI asks for PostgreSQL (DATABASE_URL) but the default database is not it")
    pytest.skip(f"needs PostgreSQL: {why} (set DATABASE_URL=postgres://...)")


def postgresql_server_database(name: str) -> str:
    """The URL of a database `name` of its own on the suite's PostgreSQL server (or the local
    default server when the suite runs on SQLite), once the server answers; a skip (or, in
    CI, a failure) when it does not."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(POSTGRES_SCHEMES):
        url = database.DEFAULT_URL
    url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    problem = database.reachable(url)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must be reachable in CI ({url}): {problem}")
        pytest.skip(f"PostgreSQL is not reachable at {url}: {problem}")
    return url
