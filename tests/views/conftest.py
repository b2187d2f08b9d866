"""Fixtures of the page tests: logged-in clients for each role, and helpers."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from opportunities.roles import SALES_MANAGER, SALESPERSON, create_roles
from tests.factories import UserFactory


def user_with_role(username: str, role: str, salesperson=None):
    create_roles(apps)  # transactional tests flush the groups the data migration made
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    if salesperson is not None:
        salesperson.user = user
        salesperson.save(update_fields=["user"])
    return user


@pytest.fixture
def manager(fx):
    """A sales manager (salesperson AH): every opportunity, deletions."""
    return user_with_role("manager", SALES_MANAGER, fx.AH)


@pytest.fixture
def seller(fx):
    """A salesperson (JO): acts on JO's opportunities only."""
    return user_with_role("jo", SALESPERSON, fx.JO)


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
