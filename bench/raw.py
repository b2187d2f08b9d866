"""The baselines' side: the same SQL through a raw database connection, and a minimal page.

Nothing here imports Django, so the raw WSGI app (bench.rawapp) measures only the driver, the
database and a few lines of Python. A statement is `(sql, params)`: on PostgreSQL the literal
text Django sent (its psycopg cursors bind parameters on the client) with `params` None; on
SQLite Django's text with `%s` placeholders and its parameters, converted as Django does.
On PostgreSQL a statement that Django ran through a server-side cursor (QuerySet.iterator())
has SERVER_CURSOR as its parameters and is replayed the same way.
"""

import re
import sqlite3
from html import escape

# The parameters of a statement that Django ran through a server-side cursor (PostgreSQL).
SERVER_CURSOR = {"server_cursor": True}
# Django's chunk size for QuerySet.iterator() on a server-side cursor.
CURSOR_CHUNK = 2000

# django.db.backends.sqlite3.base.FORMAT_QMARK_REGEX: "%s" not preceded by another "%".
_QMARK = re.compile(r"(?<!%)%s")


def connect_postgres(conninfo: str):
    """A connection like Django's: client-side binding, autocommit between transactions."""
    import psycopg

    return psycopg.connect(conninfo, autocommit=True, cursor_factory=psycopg.ClientCursor)


def connect_sqlite(path: str) -> sqlite3.Connection:
    """A connection like Django's settings make (WAL, synchronous NORMAL, foreign keys)."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def sqlite_sql(sql: str, params) -> str:
    if params is None:
        return sql
    return _QMARK.sub("?", sql).replace("%%", "%")


def run_statements(connection, statements, *, vendor: str) -> list[list[tuple]]:
    """Run the statements in order; the rows of each one that returns rows.

    A recorded PostgreSQL statement is literal SQL (its parameters None); a statement of the
    benchmark's own may have `%s` placeholders and their parameters on either database.
    """
    results = []
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql, params in statements:
                if params == SERVER_CURSOR:  # DECLARE, FETCH until empty, CLOSE, as Django does
                    with connection.cursor(name="bench", scrollable=False, withhold=True) as named:
                        named.execute(sql)
                        rows = []
                        while chunk := named.fetchmany(CURSOR_CHUNK):
                            rows.extend(chunk)
                    results.append(rows)
                    continue
                cursor.execute(sql, params)
                if cursor.description is not None:
                    results.append(cursor.fetchall())
    else:
        cursor = connection.cursor()
        try:
            for sql, params in statements:
                if params is None:
                    cursor.execute(sql)
                else:
                    cursor.execute(sqlite_sql(sql, params), params)
                if cursor.description is not None:
                    results.append(cursor.fetchall())
        finally:
            cursor.close()
    return results


def run_transaction(connection, statements, *, vendor: str) -> list[list[tuple]]:
    """The statements in one transaction, as Django's atomic block runs them."""
    if vendor == "postgresql":
        with connection.transaction():
            return run_statements(connection, statements, vendor=vendor)
    # Django opens its SQLite transactions with a statement of its own (BEGIN IMMEDIATE, from
    # the settings' transaction mode), recorded with the others; it commits through the driver.
    if not (statements and statements[0][0].lstrip().upper().startswith("BEGIN")):
        connection.execute("BEGIN IMMEDIATE")
    try:
        results = run_statements(connection, statements, vendor=vendor)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return results


def render_minimal(results: list[list[tuple]]) -> str:
    """A bare HTML page with every row read, escaped: the least a page can do."""
    parts = ["<!doctype html><html><body>"]
    for rows in results:
        parts.append("<table>")
        for row in rows:
            parts.append(
                "<tr>" + "".join(f"<td>{escape(str(value))}</td>" for value in row) + "</tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def raw_page(connection, statements, *, vendor: str) -> str:
    return render_minimal(run_statements(connection, statements, vendor=vendor))
