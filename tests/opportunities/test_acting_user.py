"""Who acts: every service that writes an entry records its `user` there (`created_by`); a
service that records nothing of who acts does not take one."""

import inspect
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from opportunities import services
from opportunities.models import UpdateAction
from tests.factories import UserFactory
from tests.opportunities.steps import JAN_20, quote_with_total, reloaded

pytestmark = pytest.mark.django_db

TAKE_USER = {
    "activate_first_stage",
    "change_opportunity",
    "close_opportunity",
    "create_opportunity",
    "delete_order",
    "make_order",
    "update_opportunity",
}


def test_only_the_services_that_use_the_user_take_one():
    taking = {
        name
        for name in services.__all__
        if callable(function := getattr(services, name))
        and not isinstance(function, type)
        and "user" in inspect.signature(function).parameters
    }
    assert taking == TAKE_USER


def test_every_entry_records_who_wrote_it(fx):
    user = UserFactory()
    opportunity = fx.create_opp_a(activate_first_stage=False, user=user)
    first = services.activate_first_stage(opportunity, today=JAN_20, user=user)
    moved = services.update_opportunity(
        opportunity,
        action=UpdateAction.NEXT,
        estimated_value=Decimal(9500),
        today=JAN_20,
        user=user,
    )
    quote = quote_with_total(reloaded(opportunity), Decimal(9500))
    order = services.make_order(quote, close_code=fx.W_PRICE, today=JAN_20, user=user)
    won = reloaded(opportunity).entries.get(active=True)
    services.delete_order(order, today=JAN_20, user=user)
    lost = reloaded(opportunity).entries.get(active=True)
    assert [entry.created_by for entry in (first, moved, won, lost)] == [user] * 4
    assert lost.action_taken == "lost"


def test_a_closing_entry_records_who_closed_and_nobody_for_an_anonymous_user(fx, opp_a):
    user = UserFactory()
    entry = services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP, user=user)
    assert entry.created_by == user
    other = fx.create_opp_a()
    entry = services.close_opportunity(
        other, outcome="lost", close_code=fx.L_COMP, user=AnonymousUser()
    )
    assert entry.created_by is None
