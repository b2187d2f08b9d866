"""Fixtures of the API tests: a user per role with an API token, clients that send it, and the
world of opportunities of the trust tests (the manager's, someone else's for the salesperson)."""

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from opportunities.roles import SALES_MANAGER
from tests.conftest import ensure_roles, user_with_role
from tests.factories import UserFactory
from tests.trust.conftest import World


@pytest.fixture(autouse=True)
def _api_settings(settings):
    # Throttling is tested on its own (test_throttling); elsewhere no test reaches the limits.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "100000/minute", "user": "100000/minute"},
    }


@pytest.fixture
def manager(fx):
    """A sales manager (salesperson AH)."""
    return user_with_role("manager", SALES_MANAGER, fx.AH)


@pytest.fixture
def nobody(fx):
    """A user in no group."""
    ensure_roles()
    return UserFactory(username="nobody")


def token_client(user, **headers) -> APIClient:
    """A client that authenticates with a new token of `user`."""
    token, key = ApiToken.create_for(user, name="tests")
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.key = key
    client.auth_token = token
    return client


@pytest.fixture
def api(manager) -> APIClient:
    """The manager's client."""
    return token_client(manager)


@pytest.fixture
def seller_api(seller) -> APIClient:
    """JO's client: a salesperson."""
    return token_client(seller)


@pytest.fixture
def nobody_api(nobody) -> APIClient:
    return token_client(nobody)


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture
def world(fx):
    return World(fx)
