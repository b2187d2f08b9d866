"""What the close dialog pre-fills (`services.close_defaults`): the outcome, the only close code
of that outcome, the closing date and the sales value."""

import datetime
from decimal import Decimal

import pytest

from opportunities import services
from opportunities.models import CloseOpportunityCode
from tests.opportunities.steps import JAN_20, next_on_jan_20, quote_with_total, reloaded

pytestmark = pytest.mark.django_db
WON, LOST = CloseOpportunityCode.Type.WON, CloseOpportunityCode.Type.LOST
FEB_1 = datetime.date(2024, 2, 1)


def test_the_outcome_is_won_unless_lost_is_asked_for(fx, opp_a):
    assert services.close_defaults(opp_a)["outcome"] == WON
    assert services.close_defaults(opp_a, outcome="lost")["outcome"] == LOST
    assert services.close_defaults(opp_a, outcome="sideways")["outcome"] == WON


def test_the_close_code_is_chosen_only_when_it_is_the_only_one_of_the_outcome(fx, opp_a):
    assert services.close_defaults(opp_a)["close_code"] is None  # W-PRICE and W-REL
    fx.W_REL.delete()
    assert services.close_defaults(opp_a)["close_code"] == fx.W_PRICE
    assert services.close_defaults(opp_a, outcome="lost")["close_code"] is None


def test_the_closing_date_is_the_later_of_today_and_the_last_change(fx, opp_a):
    next_on_jan_20(opp_a)
    defaults = services.close_defaults
    assert defaults(opp_a, today=datetime.date(2024, 1, 18))["date_closed"] == JAN_20
    assert defaults(opp_a, today=FEB_1)["date_closed"] == FEB_1


def test_a_not_started_opportunity_closes_today_by_default(fx, not_started):
    assert services.close_defaults(not_started, today=JAN_20)["date_closed"] == JAN_20


def test_the_sales_value_is_the_open_quotes_total(fx, opp_a):
    quote_with_total(opp_a, Decimal(9500))
    assert services.close_defaults(reloaded(opp_a))["sales_value"] == Decimal(9500)


def test_without_a_quote_the_sales_value_is_the_estimated_value(fx, opp_a, not_started):
    assert services.close_defaults(opp_a)["sales_value"] == Decimal(10000)
    assert services.close_defaults(not_started)["sales_value"] is None  # nothing estimated yet


def test_the_defaults_are_what_closing_takes_when_nothing_is_given(fx, opp_a):
    fx.W_REL.delete()
    quote_with_total(opp_a, Decimal(9500))
    opportunity = reloaded(opp_a)
    defaults = services.close_defaults(opportunity, today=JAN_20)
    entry = services.close_opportunity(
        opportunity, outcome=defaults["outcome"], close_code=defaults["close_code"], today=JAN_20
    )
    assert (entry.action_taken, entry.close_code, entry.date_closed) == (
        WON,
        fx.W_PRICE,
        defaults["date_closed"],
    )
    assert entry.calcd_current_value == defaults["sales_value"]
