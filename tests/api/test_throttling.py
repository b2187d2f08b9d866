"""Throttling: a limit per token and one per user, counted in the database, so that every server
answering for the same database counts the same requests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.models import ThrottleCounter
from api.throttling import TokenAndUserThrottle
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/opportunities/"


class Clock:
    """The throttle's clock, stopped (a test never straddles two windows) until moved."""

    now = 1_000_000.5  # 40.5 s into its minute

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(TokenAndUserThrottle, "timer", staticmethod(clock))
    return clock


@pytest.fixture
def rates(settings, clock):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/minute", "user": "5/minute"},
    }


def statuses(client, count: int) -> list[int]:
    return [client.get(LIST).status_code for _ in range(count)]


def test_a_token_is_limited_to_its_rate_then_told_when_to_retry(rates, manager, fx):
    client = token_client(manager)
    assert statuses(client, 3) == [200, 200, 200]
    response = client.get(LIST)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response["Retry-After"] == "20"  # the rest of the minute, rounded up


def test_the_next_window_starts_a_new_count(rates, clock, manager, fx):
    client = token_client(manager)
    assert statuses(client, 4)[-1] == 429
    clock.now += 20
    assert statuses(client, 3) == [200, 200, 200]


def test_the_users_limit_counts_all_of_its_tokens_and_its_session(rates, manager, fx):
    first, second = token_client(manager), token_client(manager)
    assert statuses(first, 3) == [200] * 3
    assert statuses(second, 2) == [200] * 2  # its own limit is not reached...
    assert second.get(LIST).status_code == 429  # ...the user's is (5)
    browser = APIClient()
    browser.force_login(manager)
    assert browser.get(LIST).status_code == 429


def test_another_users_requests_are_not_counted(rates, manager, seller, fx):
    assert statuses(token_client(manager), 4)[-1] == 429
    assert statuses(token_client(seller), 3) == [200] * 3


def test_the_counts_live_in_the_database_that_every_server_shares(rates, manager, fx):
    client = token_client(manager)
    statuses(client, 2)
    counts = dict(ThrottleCounter.objects.values_list("key", "count"))
    assert counts == {
        f"{manager.pk}:60:token {client.auth_token.pk}": 2,
        f"{manager.pk}:60:user": 2,
    }
    # Nothing is kept in the server's memory: another server (or a restarted one) counts on
    # from the same rows, so the limit holds for them all.
    assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 429


def test_a_refused_request_uses_up_nothing(rates, manager, fx):
    """A token over its own limit does not eat the user's: its other tokens still get through."""
    hammering, other = token_client(manager), token_client(manager)
    assert statuses(hammering, 6) == [200, 200, 200, 429, 429, 429]
    assert statuses(other, 2) == [200, 200]  # the user's 5: 3 + 2, the refused ones not counted
    assert other.get(LIST).status_code == 429


def test_a_count_is_one_statement(rates, manager, fx):
    client = token_client(manager)
    client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    counting = [query["sql"] for query in queries if "api_throttlecounter" in query["sql"]]
    assert len(counting) == 1
    assert "ON CONFLICT" in counting[0]


def test_a_new_window_starts_each_counter_again_on_its_own_row(rates, clock, manager, fx):
    client = token_client(manager)
    statuses(client, 2)
    clock.now += 60
    statuses(client, 1)
    rows = ThrottleCounter.objects.order_by("key").values_list("key", "count", "period")
    period = int(clock.now // 60)
    assert list(rows) == [
        (f"{manager.pk}:60:token {client.auth_token.pk}", 1, period),
        (f"{manager.pk}:60:user", 1, period),
    ]


def test_an_anonymous_caller_is_refused_before_any_count(rates, fx):
    for _ in range(10):
        assert APIClient().get(LIST).status_code == 401
