"""Quotes and sales orders of an opportunity: the quote takes the opportunity's parties and
date, its lines stay within the largest amount, making the order wins the opportunity with the
quote's total, and deleting the quote or the order undoes what they did.

A refusal asserts its code and that nothing was written (`assert_refused`).
"""

from decimal import Decimal

import pytest

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, Quote, SalesOrder, UpdateAction
from salescycles import formulas
from tests.opportunities.steps import (
    COLUMN_MAXIMUM,
    FEB_10,
    JAN_20,
    LARGEST,
    MOST_QUANTITY,
    D,
    entries_of,
    next_on_jan_20,
    quote_with_total,
    reloaded,
)
from tests.snapshots import assert_refused

PAST_THE_LAST = formulas.LAST_DATE + D.resolution


# --- the quote -----------------------------------------------------------------------------


def test_a_quote_takes_the_contact_customer_salesperson_and_estimated_close_date(fx, opp_a):
    next_on_jan_20(opp_a)

    quote = services.create_quote(opp_a, today=JAN_20)

    quote.refresh_from_db()
    assert quote.number == "SQ000001"
    assert quote.contact == fx.CT100
    assert quote.customer == fx.C10000
    assert quote.salesperson == fx.JO
    assert quote.order_date == D(2024, 2, 3)
    assert quote.status == Quote.Status.OPEN
    assert reloaded(opp_a).quote == quote
    assert opp_a.entries.count() == 2  # a quote writes no entry


def test_a_quote_for_a_not_started_opportunity_is_refused(fx, not_started):
    assert_refused("not_in_progress", services.create_quote, not_started, today=JAN_20)


@pytest.mark.parametrize("state", ["won", "lost"])
def test_a_quote_for_a_closed_opportunity_is_refused(fx, request, state):
    opportunity = request.getfixturevalue(state)
    assert_refused("not_in_progress", services.create_quote, opportunity, today=JAN_20)


@pytest.mark.parametrize("contact", ["CT101", "CT300"])
def test_a_quote_for_a_person_is_refused(fx, contact):
    opportunity = fx.create_opp_a(contact=getattr(fx, contact))
    assert_refused("contact_not_company", services.create_quote, opportunity, today=JAN_20)


def test_a_second_quote_is_refused(fx, opp_a):
    quote = services.create_quote(opp_a, today=JAN_20)
    error = assert_refused("quote_exists", services.create_quote, reloaded(opp_a), today=JAN_20)
    assert quote.number in error.messages[0]


def test_a_quote_based_on_a_stale_version_is_refused(fx, opp_a):
    seen = reloaded(opp_a).version
    services.update_opportunity(reloaded(opp_a), action=UpdateAction.UPDATE, today=JAN_20)
    error = assert_refused(
        "stale", services.create_quote, opp_a, today=JAN_20, expected_version=seen
    )
    assert opp_a.number in error.messages[0]


def test_deleting_the_open_quote_unlinks_it_without_an_entry(fx, opp_a):
    quote = services.create_quote(opp_a, today=JAN_20)

    services.delete_quote(quote)

    opportunity = reloaded(opp_a)
    assert opportunity.status == Opportunity.Status.IN_PROGRESS
    assert opportunity.quote is None
    assert opportunity.entries.count() == 1
    assert not Quote.objects.exists()


def test_the_quote_s_total_follows_its_lines(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(1500))
    services.add_quote_line(quote, description="Chairs", quantity=Decimal(10), unit_price=200)
    assert Quote.objects.get(pk=quote.pk).total == 3500
    chairs = quote.lines.get(description="Chairs")
    services.update_quote_line(
        chairs, description="Chairs", quantity=Decimal(5), unit_price=Decimal(200)
    )
    assert Quote.objects.get(pk=quote.pk).total == 2500
    services.delete_quote_line(quote.lines.get(description="Chairs"))
    assert Quote.objects.get(pk=quote.pk).total == 1500
    assert list(quote.lines.values_list("description", flat=True)) == ["Desks"]


# --- the quote's lines: amount_too_large --------------------------------------------------


def test_a_line_at_the_columns_maxima_is_refused_as_too_large(fx, opp_a):
    quote = quote_with_total(opp_a, None)
    error = assert_refused(
        "amount_too_large",
        services.add_quote_line,
        quote,
        description="Everything",
        quantity=MOST_QUANTITY,
        unit_price=COLUMN_MAXIMUM,
    )
    assert "9,999,999,999,999.99" in error.messages[0]


def test_a_unit_price_past_the_largest_amount_is_refused_even_for_no_quantity(fx, opp_a):
    quote = quote_with_total(opp_a, None)
    assert_refused(
        "amount_too_large",
        services.add_quote_line,
        quote,
        description="Free of a priceless thing",
        quantity=Decimal(0),
        unit_price=COLUMN_MAXIMUM,
    )


def test_a_line_taking_the_quote_s_total_past_the_largest_amount_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, LARGEST)
    assert_refused(
        "amount_too_large",
        services.add_quote_line,
        quote,
        description="One cent more",
        quantity=Decimal(1),
        unit_price=Decimal("0.01"),
    )


def test_changing_a_line_past_the_largest_amount_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(100))
    assert_refused(
        "amount_too_large",
        services.update_quote_line,
        quote.lines.get(),
        description="Twice the largest",
        quantity=Decimal(2),
        unit_price=LARGEST,
    )


def test_a_quantity_its_column_cannot_hold_is_refused_even_for_a_small_amount(fx, opp_a):
    quote = quote_with_total(opp_a, None)
    assert_refused(
        "amount_too_large",
        services.add_quote_line,
        quote,
        description="Grains of sand",
        quantity=Decimal("100000000000"),
        unit_price=Decimal("0.01"),
    )


def test_a_quote_total_of_exactly_the_largest_amount_is_accepted_and_reads_back(fx, opp_a):
    quote = quote_with_total(opp_a, LARGEST)
    line = services.update_quote_line(
        quote.lines.get(), description="Renamed", quantity=Decimal(1), unit_price=LARGEST
    )
    assert (line.description, Quote.objects.get(pk=quote.pk).total) == ("Renamed", LARGEST)
    services.make_order(quote, close_code=fx.W_PRICE, today=JAN_20)
    won = reloaded(opp_a)
    assert (won.status, won.calcd_current_value) == ("won", LARGEST)


# --- making the order ----------------------------------------------------------------------


def test_making_the_order_wins_the_opportunity_with_the_quote_total(fx, opp_a):
    next_on_jan_20(opp_a)
    quote = services.create_quote(opp_a, today=JAN_20)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(5), unit_price=1500)
    services.add_quote_line(quote, description="Chairs", quantity=Decimal(10), unit_price=200)

    order = services.make_order(quote, close_code=fx.W_PRICE, date_closed=FEB_10, today=FEB_10)

    opportunity = reloaded(opp_a)
    assert opportunity.status == Opportunity.Status.WON
    assert opportunity.date_closed == FEB_10
    assert opportunity.calcd_current_value == 9500
    assert opportunity.order == order
    closing = opportunity.active_entry
    assert closing.action_taken == OpportunityEntry.Action.WON
    assert closing.close_code == fx.W_PRICE
    assert closing.calcd_current_value == 9500
    quote.refresh_from_db()
    assert quote.status == Quote.Status.CONVERTED
    order.refresh_from_db()
    assert order.total == 9500
    assert order.quote == quote
    assert order.customer == fx.C10000
    assert order.order_date == D(2024, 2, 3)
    assert [(line.description, line.quantity, line.unit_price) for line in order.lines.all()] == [
        ("Desks", 5, 1500),
        ("Chairs", 10, 200),
    ]


def test_an_order_needs_a_customer_and_goes_through_once_it_is_created(fx):
    opportunity = fx.create_opp_a(contact=fx.CT200)
    quote = quote_with_total(opportunity, Decimal(4000))
    assert quote.customer is None

    error = assert_refused(
        "customer_required",
        services.make_order,
        quote,
        close_code=fx.W_PRICE,
        date_closed=FEB_10,
        today=FEB_10,
    )
    assert "CT200" in error.messages[0]

    customer = services.create_customer(fx.CT200)
    order = services.make_order(quote, close_code=fx.W_PRICE, date_closed=FEB_10, today=FEB_10)
    assert order.customer == customer
    assert customer.contact == fx.CT200
    assert reloaded(opportunity).status == Opportunity.Status.WON
    assert SalesOrder.objects.count() == 1


def test_making_a_customer_of_a_customer_is_refused(fx):
    error = assert_refused("customer_exists", services.create_customer, fx.CT100)
    assert "C10000" in error.messages[0]


def test_making_an_order_for_an_opportunity_in_progress_needs_a_close_code(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(100))
    assert_refused("close_code_required", services.make_order, quote, today=JAN_20)


def test_making_an_order_with_a_lost_close_code_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(100))
    assert_refused(
        "close_code_type", services.make_order, quote, close_code=fx.L_COMP, today=JAN_20
    )


def test_making_an_order_from_an_empty_quote_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, None)
    assert_refused(
        "sales_value_required", services.make_order, quote, close_code=fx.W_PRICE, today=JAN_20
    )


def test_making_an_order_with_a_closing_date_before_the_last_change_is_refused(fx, opp_a):
    next_on_jan_20(opp_a)
    quote = quote_with_total(reloaded(opp_a), Decimal(100))
    assert_refused(
        "date_before_last_change",
        services.make_order,
        quote,
        close_code=fx.W_PRICE,
        date_closed=D(2024, 1, 19),
    )


def test_making_an_order_on_a_date_past_the_last_accepted_date_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(100))
    assert_refused(
        "date_out_of_range",
        services.make_order,
        quote,
        close_code=fx.W_PRICE,
        date_closed=PAST_THE_LAST,
        today=JAN_20,
    )


def test_making_an_order_based_on_a_stale_version_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(100))
    version = reloaded(opp_a).version
    services.update_opportunity(reloaded(opp_a), action=UpdateAction.UPDATE, today=JAN_20)
    assert_refused(
        "stale",
        services.make_order,
        quote,
        close_code=fx.W_PRICE,
        today=JAN_20,
        expected_version=version,
    )


def test_an_order_from_the_quote_of_a_lost_opportunity_unlinks_the_quote(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(9500))
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP, today=FEB_10)

    order = services.make_order(quote, today=FEB_10)

    opportunity = reloaded(opp_a)
    assert opportunity.status == Opportunity.Status.LOST
    assert opportunity.quote is None
    assert opportunity.order is None
    assert opportunity.entries.count() == 2
    assert order.total == 9500


# --- a converted quote: quote_not_open ----------------------------------------------------


def test_deleting_a_converted_quote_is_refused(fx, converted_quote):
    assert_refused("quote_not_open", services.delete_quote, converted_quote)


def test_a_second_order_from_a_converted_quote_is_refused(fx, converted_quote):
    assert_refused("quote_not_open", services.make_order, converted_quote, close_code=fx.W_PRICE)


def test_adding_a_line_to_a_converted_quote_is_refused(fx, converted_quote):
    assert_refused(
        "quote_not_open",
        services.add_quote_line,
        converted_quote,
        description="More",
        quantity=Decimal(1),
        unit_price=Decimal(1),
    )


def test_changing_a_line_of_a_converted_quote_is_refused(fx, converted_quote):
    assert_refused(
        "quote_not_open",
        services.update_quote_line,
        converted_quote.lines.get(),
        description="Changed",
        quantity=Decimal(2),
        unit_price=Decimal(2),
    )


def test_deleting_a_line_of_a_converted_quote_is_refused(fx, converted_quote):
    assert_refused("quote_not_open", services.delete_quote_line, converted_quote.lines.get())


# --- deleting the order --------------------------------------------------------------------


def test_deleting_the_order_of_a_won_opportunity_turns_it_lost(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(9500))
    order = services.make_order(quote, close_code=fx.W_PRICE, date_closed=FEB_10, today=FEB_10)

    services.delete_order(order, today=D(2024, 2, 12))

    opportunity = reloaded(opp_a)
    assert opportunity.status == Opportunity.Status.LOST
    assert opportunity.order is None
    assert opportunity.date_closed == D(2024, 2, 12)
    won, lost = entries_of(opportunity)[-2:]
    assert won.days_open == 2
    assert lost.active
    assert lost.action_taken == OpportunityEntry.Action.LOST
    assert lost.close_code is None
    assert lost.calcd_current_value == 0
    assert not SalesOrder.objects.exists()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.CONVERTED
