"""Closing an opportunity as won or lost (`services.close_opportunity`): the closing entry's
figures, the close code and the sales value it needs, the customer a win makes, and the checks
that refuse a close, in the order they run (the first failure wins).

A refusal asserts its code and that nothing was written (`assert_refused`).
"""

from decimal import Decimal

import pytest

from contacts.models import Customer
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, Quote, UpdateAction
from salescycles import formulas
from tests.opportunities.steps import (
    COLUMN_MAXIMUM,
    FEB_10,
    JAN_20,
    D,
    entries_of,
    next_on_jan_20,
    quote_with_total,
    reloaded,
)
from tests.snapshots import assert_refused

PAST_THE_LAST = formulas.LAST_DATE + D.resolution


# --- won and lost --------------------------------------------------------------------------


def test_closing_as_won_writes_a_closing_entry_with_the_sales_value(fx, opp_a):
    next_on_jan_20(opp_a)

    entry = services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=FEB_10
    )

    entry.refresh_from_db()
    assert entry.active
    assert entry.action_taken == OpportunityEntry.Action.WON
    assert entry.stage is None
    assert entry.previous_stage == 2
    assert entry.close_code == fx.W_PRICE
    assert entry.date_of_change == FEB_10
    assert entry.date_closed == FEB_10
    assert entry.estimated_close_date == FEB_10
    assert entry.completed == 100
    assert entry.chances_of_success == 100
    assert entry.probability == 100
    assert entry.calcd_current_value == 9000
    assert entry.estimated_value == 10000
    opportunity = reloaded(opp_a)
    assert opportunity.status == Opportunity.Status.WON
    assert opportunity.closed
    assert opportunity.date_closed == FEB_10
    assert opportunity.current_stage is None
    assert opportunity.calcd_current_value == 9000
    assert opportunity.estimated_value == 10000
    stage_2_entry = entries_of(opportunity)[1]
    assert stage_2_entry.stage == fx.stages[2]
    assert not stage_2_entry.active
    assert stage_2_entry.days_open == 21


def test_closing_as_lost_zeroes_the_chances_and_the_current_value(fx, opp_a):
    next_on_jan_20(opp_a)

    entry = services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP, today=FEB_10)

    entry.refresh_from_db()
    assert entry.action_taken == OpportunityEntry.Action.LOST
    assert entry.close_code == fx.L_COMP
    assert entry.calcd_current_value == 0
    assert entry.chances_of_success == 0
    assert entry.completed == 100
    assert entry.probability == 0
    assert entry.estimated_value == 10000
    assert entry.date_closed == entry.estimated_close_date == FEB_10
    opportunity = reloaded(opp_a)
    assert opportunity.status == Opportunity.Status.LOST
    assert opportunity.closed
    assert opportunity.date_closed == FEB_10
    assert opportunity.calcd_current_value == 0


def test_closing_as_won_with_a_linked_quote_takes_the_quote_total(fx, opp_a):
    quote_with_total(opp_a, Decimal(9500))

    entry = services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(12000), today=FEB_10
    )

    assert entry.calcd_current_value == 9500
    assert reloaded(opp_a).calcd_current_value == 9500
    assert Quote.objects.get().status == Quote.Status.OPEN  # closing does not change quotes


def test_a_not_started_opportunity_can_be_closed(fx, not_started):
    entry = services.close_opportunity(
        not_started, outcome="lost", close_code=fx.L_PRICE, today=JAN_20
    )
    assert entry.previous_stage is None
    assert reloaded(not_started).status == Opportunity.Status.LOST
    assert not_started.entries.count() == 1


def test_the_default_closing_date_is_the_later_of_today_and_the_last_change(fx, opp_a):
    next_on_jan_20(opp_a)
    closing = services.close_opportunity(
        opp_a, outcome="lost", close_code=fx.L_COMP, today=D(2024, 1, 16)
    )
    assert closing.date_closed == JAN_20
    assert reloaded(opp_a).date_closed == JAN_20


def test_winning_makes_the_company_of_a_person_a_customer(fx):
    opportunity = fx.create_opp_a(contact=fx.CT201)
    services.close_opportunity(
        opportunity, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(500), today=JAN_20
    )
    assert Customer.objects.filter(contact=fx.CT200).exists()
    assert not Customer.objects.filter(contact=fx.CT201).exists()


def test_losing_makes_no_customer(fx):
    opportunity = fx.create_opp_a(contact=fx.CT200)
    services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP, today=JAN_20)
    assert reloaded(opportunity).status == Opportunity.Status.LOST
    assert not Customer.objects.filter(contact=fx.CT200).exists()


# --- closed --------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_closing_a_closed_opportunity_again_is_refused(fx, won, outcome):
    code = fx.W_REL if outcome == "won" else fx.L_PRICE
    assert_refused(
        "closed",
        services.close_opportunity,
        won,
        outcome=outcome,
        close_code=code,
        sales_value=Decimal(1),
        today=FEB_10,
    )


def test_a_closed_opportunity_is_refused_before_any_other_check_of_the_close(fx, won):
    assert_refused("closed", services.close_opportunity, won, outcome="draw", close_code=None)


# --- outcome_invalid, close_code_required, close_code_type, sales_value_required ----------


@pytest.mark.parametrize("outcome", ["draw", "", None, "WON"])
def test_an_outcome_other_than_won_or_lost_is_refused(fx, opp_a, outcome):
    assert_refused(
        "outcome_invalid",
        services.close_opportunity,
        opp_a,
        outcome=outcome,
        close_code=fx.W_PRICE,
        sales_value=Decimal(1),
        today=JAN_20,
    )


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_closing_without_a_close_code_is_refused(fx, opp_a, outcome):
    assert_refused(
        "close_code_required",
        services.close_opportunity,
        opp_a,
        outcome=outcome,
        close_code=None,
        sales_value=Decimal(1),
        today=JAN_20,
    )


@pytest.mark.parametrize(("outcome", "code"), [("won", "L_PRICE"), ("lost", "W_REL")])
def test_a_close_code_of_the_other_type_is_refused(fx, opp_a, outcome, code):
    error = assert_refused(
        "close_code_type",
        services.close_opportunity,
        opp_a,
        outcome=outcome,
        close_code=getattr(fx, code),
        sales_value=Decimal(1),
        today=JAN_20,
    )
    assert getattr(fx, code).code in error.messages[0]


@pytest.mark.parametrize("value", [None, Decimal(0), Decimal(-1)])
def test_winning_without_a_positive_sales_value_is_refused(fx, opp_a, value):
    assert_refused(
        "sales_value_required",
        services.close_opportunity,
        opp_a,
        outcome="won",
        close_code=fx.W_PRICE,
        sales_value=value,
        today=JAN_20,
    )


def test_winning_with_an_empty_linked_quote_is_refused_whatever_is_typed(fx, opp_a):
    quote_with_total(opp_a, None)
    assert_refused(
        "sales_value_required",
        services.close_opportunity,
        reloaded(opp_a),
        outcome="won",
        close_code=fx.W_PRICE,
        sales_value=Decimal(9000),
        today=JAN_20,
    )


def test_a_sales_value_past_the_largest_amount_is_refused(fx, opp_a):
    assert_refused(
        "amount_too_large",
        services.close_opportunity,
        opp_a,
        outcome="won",
        close_code=fx.W_PRICE,
        sales_value=COLUMN_MAXIMUM,
        today=JAN_20,
    )


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("outcome", "code"), [("won", "W_PRICE"), ("lost", "L_COMP")])
def test_a_closing_date_before_the_last_change_is_refused(fx, opp_a, outcome, code):
    next_on_jan_20(opp_a)
    assert_refused(
        "date_before_last_change",
        services.close_opportunity,
        reloaded(opp_a),
        outcome=outcome,
        close_code=getattr(fx, code),
        date_closed=D(2024, 1, 19),
        sales_value=Decimal(100),
    )


@pytest.mark.parametrize("date", [PAST_THE_LAST, D(9999, 12, 31)])
def test_closing_on_a_date_past_the_last_accepted_date_is_refused(fx, opp_a, date):
    assert_refused(
        "date_out_of_range",
        services.close_opportunity,
        opp_a,
        outcome="lost",
        close_code=fx.L_COMP,
        date_closed=date,
        today=JAN_20,
    )


def test_closing_a_not_started_opportunity_in_year_one_is_refused(fx, not_started):
    assert_refused(
        "date_out_of_range",
        services.close_opportunity,
        not_started,
        outcome="lost",
        close_code=fx.L_COMP,
        date_closed=D(1, 1, 1),
        today=JAN_20,
    )


def test_the_first_accepted_date_is_accepted_as_closing_date(fx, not_started):
    entry = services.close_opportunity(
        not_started, outcome="lost", close_code=fx.L_COMP, date_closed=formulas.FIRST_DATE
    )
    assert entry.date_closed == formulas.FIRST_DATE
    assert reloaded(not_started).date_closed == formulas.FIRST_DATE


# --- the order of the checks: the first failure wins ----------------------------------------


@pytest.mark.parametrize(
    ("code", "arguments"),
    [
        ("outcome_invalid", {"outcome": "draw", "close_code": None}),
        ("close_code_required", {"outcome": "won", "close_code": None, "sales_value": None}),
        (
            "close_code_type",
            {"outcome": "won", "close_code": "L_COMP", "date_closed": D(2024, 1, 1)},
        ),
        (
            "date_before_last_change",
            {"outcome": "won", "close_code": "W_PRICE", "date_closed": D(2024, 1, 1)},
        ),
    ],
)
def test_the_close_checks_run_in_a_fixed_order(fx, opp_a, code, arguments):
    if arguments["close_code"]:
        arguments["close_code"] = getattr(fx, arguments["close_code"])
    assert_refused(code, services.close_opportunity, opp_a, today=JAN_20, **arguments)


# --- stale ---------------------------------------------------------------------------------


def test_a_close_based_on_a_stale_version_is_refused(fx, opp_a):
    seen = reloaded(opp_a).version
    services.update_opportunity(reloaded(opp_a), action=UpdateAction.UPDATE, today=JAN_20)
    error = assert_refused(
        "stale",
        services.close_opportunity,
        opp_a,
        outcome="lost",
        close_code=fx.L_COMP,
        today=JAN_20,
        expected_version=seen,
    )
    assert opp_a.number in error.messages[0]
