"""The OpenAPI schema and its documentation page; the schema fuzzed with Schemathesis.

Schemathesis reads the schema from the WSGI application in process (no server) and sends each
operation generated requests (Hypothesis, through the operation's strategy), with a manager's
token, on the trust tests' world of opportunities: every answer must be no 5xx and match the
schema (status code, content type, headers, body). The examples per operation are bounded so
that the whole run stays well under a minute. (Schemathesis's own pytest loader does not work
with this pytest; the loop below does what it does.)
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from api.models import ApiToken

pytestmark = pytest.mark.django_db

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
EXAMPLES = 12


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz(operation, headers: dict, calls: dict) -> None:
    """Requests that fit the schema, and requests that do not (which must be refused as 4xx)."""

    @FUZZ
    @given(
        case=operation.as_strategy(GenerationMode.POSITIVE)
        | operation.as_strategy(GenerationMode.NEGATIVE)
    )
    def run(case):
        response = case.call(headers=headers)
        calls[operation.label] = calls.get(operation.label, 0) + 1
        case.validate_response(response, checks=CHECKS)

    run()


@pytest.fixture
def in_process():
    """WSGI requests in the test's transaction: Django's test client does the same (a request's
    start and end would otherwise close the connection, and the transaction with it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_operation_answers_what_the_schema_says_and_never_5xx(in_process, world, manager):
    _token, key = ApiToken.create_for(manager, name="fuzz")
    # The site gzips what a client accepts gzipped; the WSGI transport would not unzip it.
    headers = {"Authorization": f"Token {key}", "Accept-Encoding": "identity"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", get_wsgi_application(), headers=headers
    )
    calls: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        fuzz(operation, headers, calls)
    # Every operation was called, each with several generated requests.
    assert len(calls) == len(operations) >= 30
    assert min(calls.values()) >= 2
    print(f"schemathesis: {sum(calls.values())} requests over {len(calls)} operations")


def test_the_schema_describes_every_endpoint_and_the_token(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    document = json.loads(response.content)
    paths = document["paths"]
    for path in (
        "/api/v1/opportunities/",
        "/api/v1/opportunities/{number}/",
        "/api/v1/opportunities/{number}/update/",
        "/api/v1/opportunities/{number}/close/",
        "/api/v1/opportunities/{number}/activate/",
        "/api/v1/opportunities/{number}/quote/",
        "/api/v1/quotes/{number}/",
        "/api/v1/quotes/{number}/order/",
        "/api/v1/orders/{number}/",
        "/api/v1/contacts/",
        "/api/v1/salespeople/",
        "/api/v1/sales-cycles/{sales_cycle_code}/stages/",
        "/api/v1/close-codes/",
        "/api/v1/jobs/delete-opportunities/",
        "/api/v1/jobs/{id}/",
    ):
        assert path in paths, path
    listed = {p["name"] for p in paths["/api/v1/opportunities/"]["get"]["parameters"]}
    assert {"status", "salesperson", "contact", "sales_cycle", "search", "closed"} <= listed
    assert {"ordering", "cursor"} <= listed
    assert document["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"
    update = paths["/api/v1/opportunities/{number}/update/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "412"} <= set(update)
    start = paths["/api/v1/jobs/delete-opportunities/"]["post"]["responses"]
    assert {"202", "400", "401", "403", "409"} <= set(start)
    assert "Location" in start["202"]["headers"]
    job = paths["/api/v1/jobs/{id}/"]["get"]
    assert [p["schema"]["type"] for p in job["parameters"] if p["name"] == "id"] == ["integer"]


def test_the_docs_page_serves_swagger_ui_from_this_site(manager):
    client = Client()
    client.force_login(manager)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html  # no CDN
    assert "<script>" not in html  # the setup script is a file of its own (the CSP)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()


def test_the_docs_page_sends_an_anonymous_visitor_to_the_login(fx):
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
