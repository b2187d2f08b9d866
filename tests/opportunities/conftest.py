"""OPP-A in the states the opportunity tests start from."""

from decimal import Decimal

import pytest

from opportunities import services
from opportunities.models import Quote, UpdateAction
from tests.opportunities.steps import JAN_20, quote_with_total, reloaded


@pytest.fixture
def not_started(fx):
    return fx.create_opp_a(activate_first_stage=False)


@pytest.fixture
def won(fx, opp_a):
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=JAN_20
    )
    return reloaded(opp_a)


@pytest.fixture
def lost(fx, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP, today=JAN_20)
    return reloaded(opp_a)


@pytest.fixture
def on_stage_3(fx, opp_a):
    services.update_opportunity(
        opp_a, action=UpdateAction.SKIP, to_stage=fx.stages[3], today=JAN_20
    )
    return reloaded(opp_a)


@pytest.fixture
def converted_quote(fx, opp_a):
    """OPP-A won by making the order of its quote (total 9,500)."""
    quote = quote_with_total(opp_a, Decimal(9500))
    services.make_order(quote, close_code=fx.W_PRICE, today=JAN_20)
    return Quote.objects.get(pk=quote.pk)
