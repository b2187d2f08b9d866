"""What one API request costs the database: the statements of a token's detail GET, pinned, so
that a change that adds one per request (to every call of every integration) is seen."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

# The token with its user and the login limits' counts for both (one query), the throttle's
# two counters (one upsert), the user's permissions (Django's backend: its own and its groups'),
# the opportunity with what it names, its entries, its cycle's stages (the available actions).
DETAIL_STATEMENTS = 7


def statements_of(client, url: str) -> list[str]:
    client.get(url)  # the first request of a client makes its counters
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return [query["sql"] for query in queries.captured_queries]


def test_an_api_detail_get_is_seven_statements(manager, fx):
    opportunity = fx.create_opp_a()
    found = statements_of(token_client(manager), f"/api/v1/opportunities/{opportunity.number}/")
    assert len(found) == DETAIL_STATEMENTS, "\n".join(found)
    # No transaction or savepoint of its own: a read writes nothing but its count.
    assert not [sql for sql in found if sql.startswith(("SAVEPOINT", "RELEASE", "SET"))]
    assert sum("api_apitoken" in sql for sql in found) == 1
    assert sum("axes_accessattempt" in sql for sql in found) == 1  # inside the token's query
    assert sum("api_throttlecounter" in sql for sql in found) == 1


def test_a_request_with_a_token_costs_no_more_statements_than_with_a_session(manager, fx):
    """The session's lookup and its user are two statements; the token's, with the login
    limits and the throttle, are two too."""
    opportunity = fx.create_opp_a()
    url = f"/api/v1/opportunities/{opportunity.number}/"
    browser = APIClient()
    browser.force_login(manager)
    assert len(statements_of(token_client(manager), url)) <= len(statements_of(browser, url))
