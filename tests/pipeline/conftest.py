"""Logged-in clients of the pipeline pages."""

import pytest
from django.test import Client

from opportunities.roles import SALES_MANAGER
from tests.conftest import user_with_role


@pytest.fixture
def manager(fx):
    """A sales manager (salesperson AH): acts on every opportunity."""
    return user_with_role("manager", SALES_MANAGER, fx.AH)


@pytest.fixture
def client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def seller_client(seller) -> Client:
    client = Client()
    client.force_login(seller)
    return client


@pytest.fixture
def htmx():
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "board-columns"}
