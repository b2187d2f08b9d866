"""Fixtures of the trust tests: a user per role, a user without a role, and a world of
opportunities, quotes and orders owned by the sales manager (someone else's for the
salesperson)."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from opportunities import services
from opportunities.models import Opportunity, Quote, SalesOrder
from opportunities.roles import SALES_MANAGER
from tests.conftest import ensure_roles, user_with_role
from tests.factories import UserFactory

DAY = datetime.date(2024, 1, 20)


@pytest.fixture
def manager(fx):
    """A sales manager (salesperson AH), staff for the admin's setup data."""
    user = user_with_role("manager", SALES_MANAGER, fx.AH)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def nobody(fx):
    """A logged-in user in no group."""
    ensure_roles()
    return UserFactory(username="nobody")


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


class World:
    """Opportunities of salesperson AH in every state a URL needs, and one of JO."""

    def __init__(self, fx):
        self.fx = fx
        # In progress, with an open quote of one line.
        self.quoted = fx.create_opp_a(description="Quoted", salesperson=fx.AH)
        self.quote = services.create_quote(self.quoted, today=DAY)
        self.line = services.add_quote_line(
            self.quote, description="Desk", quantity=Decimal(2), unit_price=Decimal(500)
        )
        # Won through an order.
        self.ordered = fx.create_opp_a(description="Ordered", salesperson=fx.AH)
        quote = services.create_quote(self.ordered, today=DAY)
        services.add_quote_line(
            quote, description="Chair", quantity=Decimal(4), unit_price=Decimal(100)
        )
        self.order = services.make_order(quote, close_code=fx.W_PRICE, today=DAY)
        # Not started, in progress (no quote), closed.
        self.not_started = fx.create_opp_a(
            description="Not started", salesperson=fx.AH, activate_first_stage=False
        )
        self.open = fx.create_opp_a(description="Open", salesperson=fx.AH)
        self.closed = fx.create_opp_a(description="Closed", salesperson=fx.AH)
        services.close_opportunity(self.closed, outcome="lost", close_code=fx.L_COMP, today=DAY)
        # JO's own.
        self.own = fx.create_opp_a(description="Own", salesperson=fx.JO)

    def refresh(self):
        for name in ("quoted", "ordered", "not_started", "open", "closed", "own"):
            setattr(self, name, Opportunity.objects.get(pk=getattr(self, name).pk))
        self.quote = Quote.objects.get(pk=self.quote.pk)
        self.order = SalesOrder.objects.get(pk=self.order.pk)
        return self


@pytest.fixture
def world(fx):
    return World(fx)
