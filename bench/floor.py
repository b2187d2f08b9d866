"""The framework's floor: a baseline's statements run through Django itself, without our code.

The goals compare our pages and actions with the same SQL through a raw driver. Part of the
difference is not ours to remove: Django's request handling (middleware, the session and user
look-ups) and its database layer cost something on any page and any statement. The floor
measures that part alone, so the table shows how much of each ratio the framework takes
before the ORM, the forms, the templates and the rules add anything:

- a page's floor: a bare view behind the whole middleware stack (`bench/floor/`, served by
  `bench.urls`) that runs the page's statements through Django's cursor and renders every row
  into the same bare table as the raw baseline;
- an action's floor: the action's statements through Django's cursor inside
  `transaction.atomic()`, as the service's own block runs them.
"""

from django.db import connection, transaction
from django.http import HttpResponse

from bench.raw import SERVER_CURSOR, render_minimal

# The statements the floor view runs; the page measurement sets them before requesting it.
PAGE_STATEMENTS: list[tuple[str, object]] = []
# Run by the middleware of the floor request itself, so not replayed by the view.
MIDDLEWARE_TABLES = ('"django_session"', '"auth_user"')


def run(statements) -> list[list[tuple]]:
    """The statements through Django's cursor: literal SQL (PostgreSQL) or SQL and parameters."""
    results = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            if params is SERVER_CURSOR:
                params = None
            cursor.execute(sql, params)
            if cursor.description is not None:
                results.append(cursor.fetchall())
    return results


def page_statements(statements) -> list[tuple[str, object]]:
    """A page's statements but those the middleware runs on every request anyway."""
    return [
        (sql, params)
        for sql, params in statements
        if not any(f"FROM {table}" in sql for table in MIDDLEWARE_TABLES)
    ]


def floor_page(request) -> HttpResponse:
    return HttpResponse(render_minimal(run(PAGE_STATEMENTS)))


def run_action(statements) -> None:
    """An action's statements in one atomic block (the block opens and commits the transaction
    itself: a recorded BEGIN is left out)."""
    with transaction.atomic():
        run([(sql, params) for sql, params in statements if not sql.lstrip().startswith("BEGIN")])
