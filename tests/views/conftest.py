"""Fixtures of the page tests: logged-in clients for each role, and helpers."""

import pytest
from django.test import Client

from opportunities.roles import SALES_MANAGER
from tests.conftest import user_with_role


@pytest.fixture
def manager(fx):
    """A sales manager (salesperson AH): every opportunity, deletions."""
    return user_with_role("manager", SALES_MANAGER, fx.AH)


@pytest.fixture
def client(manager) -> Client:
    """The default client: logged in as the sales manager."""
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def seller_client(seller) -> Client:
    client = Client()
    client.force_login(seller)
    return client


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def htmx():
    """Headers of an htmx request aimed at the dialog container."""
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dialog-content"}
