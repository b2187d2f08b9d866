"""The HTTP baseline: a minimal WSGI app that runs the list page's SQL and renders a bare table.

Served by gunicorn with the same settings as the project. `BENCH_RAW_STATEMENTS` names a JSON
file with the statements Django ran for the page (recorded in process), `BENCH_RAW_CONNINFO`
the database. Each worker keeps one connection, as Django does with CONN_MAX_AGE.
"""

import json
import os

from bench.raw import connect_postgres, raw_page

with open(os.environ["BENCH_RAW_STATEMENTS"], encoding="utf-8") as source:
    STATEMENTS = [tuple(statement) for statement in json.load(source)]
CONNINFO = os.environ["BENCH_RAW_CONNINFO"]
_connection = None


def application(environ, start_response):
    global _connection
    if _connection is None or _connection.closed:
        _connection = connect_postgres(CONNINFO)
    body = raw_page(_connection, STATEMENTS, vendor="postgresql").encode()
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
