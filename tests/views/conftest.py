"""Fixtures of the page tests: logged-in clients for each role, and helpers."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def client(manager_client) -> Client:
    """The default client: logged in as the sales manager."""
    return manager_client


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def htmx():
    """Headers of an htmx request aimed at the dialog container."""
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dialog-content"}


def dialog_urls(opportunity) -> list[str]:
    """The pages that show `opportunity`: its card and dialogs, and its quote's."""
    urls = [
        reverse("opportunities:update", args=[opportunity.number]),
        reverse("opportunities:close", args=[opportunity.number]),
        opportunity.get_absolute_url(),
    ]
    if opportunity.quote_id:
        quote = opportunity.quote.number
        urls += [
            reverse("opportunities:quote_detail", args=[quote]),
            reverse("opportunities:make_order", args=[quote]),
        ]
    return urls
