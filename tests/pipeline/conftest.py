"""Logged-in clients of the pipeline pages."""

import pytest
from django.test import Client


@pytest.fixture
def client(manager_client) -> Client:
    """The default client: logged in as the sales manager."""
    return manager_client


@pytest.fixture
def htmx():
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "board-columns"}
