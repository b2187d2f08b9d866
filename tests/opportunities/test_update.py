"""Every refusal code of SPEC section 4, raised through the services, writing nothing.

Each test takes a picture of every row the services (and the setup guards) could write, makes
the refused call, and checks the code and that the picture did not change. The code
`date_required` has no test: every date a service takes defaults (SPEC 4), so no call can
lack one.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact
from opportunities import services
from opportunities.models import (
    Opportunity,
    Quote,
)
from salescycles import formulas
from salescycles.models import SalesCycle, SalesCycleStage
from tests.snapshots import database_state

D = datetime.date
JAN_20 = D(2024, 1, 20)
FEB_10 = D(2024, 2, 10)


def assert_refused(code, action, /, *args, **kwargs) -> ValidationError:
    """Call `action`; it must refuse with `code` and leave every row as it was."""
    before = database_state(setup=True)
    with pytest.raises(ValidationError) as caught:
        action(*args, **kwargs)
    assert caught.value.code == code, caught.value
    assert caught.value.messages and caught.value.messages[0]
    after = database_state(setup=True)
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) for name, rows in before.items()
    }
    assert after == before
    return caught.value


def fresh(opportunity) -> Opportunity:
    return Opportunity.objects.get(pk=opportunity.pk)


@pytest.fixture
def won(fx, opp_a):
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=JAN_20
    )
    return fresh(opp_a)


@pytest.fixture
def lost(fx, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP, today=JAN_20)
    return fresh(opp_a)


@pytest.fixture
def not_started(fx):
    return fx.create_opp_a(activate_first_stage=False)


@pytest.fixture
def on_stage_3(fx, opp_a):
    services.update_opportunity(opp_a, action="skip", to_stage=fx.stages[3], today=JAN_20)
    return fresh(opp_a)


def quote_with_total(opportunity, total):
    quote = services.create_quote(opportunity, today=JAN_20)
    if total:
        services.add_quote_line(quote, description="Item", quantity=Decimal(1), unit_price=total)
    return Quote.objects.get(pk=quote.pk)


def test_the_database_picture_notices_a_change_of_any_column(fx, opp_a):
    before = database_state(setup=True)
    Opportunity.objects.filter(pk=opp_a.pk).update(version=opp_a.version + 1)
    assert database_state(setup=True) != before


# --- closed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["first", "next", "previous", "skip", "jump", "update"])
def test_updating_a_won_opportunity_is_refused_as_closed(fx, won, action):
    assert_refused(
        "closed", services.update_opportunity, won, action=action, estimated_value=Decimal(5)
    )


def test_updating_a_lost_opportunity_is_refused_as_closed(fx, lost):
    assert_refused("closed", services.update_opportunity, lost, action="update", today=FEB_10)


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


def test_activating_a_closed_opportunity_is_refused(fx, lost):
    assert_refused("closed", services.activate_first_stage, lost, today=FEB_10)


def test_a_closed_opportunity_is_refused_before_any_other_check(fx, won):
    assert_refused(
        "closed",
        services.update_opportunity,
        won,
        action="jump",
        to_stage=fx.stages[5],
        date_of_change=D(2020, 1, 1),
        estimated_value=Decimal(-1),
        chances_of_success=Decimal(0),
    )
    assert_refused("closed", services.close_opportunity, won, outcome="draw", close_code=None)


# --- not_closed -----------------------------------------------------------------------------


def test_deleting_an_opportunity_in_progress_is_refused_as_not_closed(fx, opp_a):
    error = assert_refused("not_closed", services.delete_opportunity, opp_a)
    assert error.messages == ["You can only delete closed opportunities."]


def test_deleting_a_not_started_opportunity_is_refused_as_not_closed(fx, not_started):
    assert_refused("not_closed", services.delete_opportunity, not_started)


def test_the_model_refuses_to_delete_an_open_opportunity(fx, opp_a):
    assert_refused("not_closed", fresh(opp_a).delete)


def test_batch_deletion_never_deletes_open_opportunities(fx, opp_a, not_started):
    before = database_state(setup=True)
    assert services.delete_closed_opportunities() == 0
    assert database_state(setup=True) == before


# --- not_in_progress, contact_not_company, quote_exists ---------------------------------------


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
    error = assert_refused("quote_exists", services.create_quote, fresh(opp_a), today=JAN_20)
    assert quote.number in error.messages[0]


# --- action_not_offered, invalid_target ------------------------------------------------------


@pytest.mark.parametrize("action", ["next", "previous", "skip", "jump", "update"])
def test_moving_a_not_started_opportunity_is_refused(fx, not_started, action):
    assert_refused(
        "action_not_offered",
        services.update_opportunity,
        not_started,
        action=action,
        estimated_value=Decimal(100),
        today=JAN_20,
    )


def test_first_is_not_offered_once_started(fx, opp_a):
    assert_refused(
        "action_not_offered", services.update_opportunity, opp_a, action="first", today=JAN_20
    )


def test_activating_an_opportunity_in_progress_is_refused(fx, opp_a):
    assert_refused("action_not_offered", services.activate_first_stage, opp_a, today=JAN_20)


@pytest.mark.parametrize("action", ["next", "sideways", ""])
def test_an_unknown_or_impossible_action_is_not_offered(fx, on_stage_3, action):
    opportunity = on_stage_3
    services.create_quote(opportunity, today=JAN_20)
    services.update_opportunity(opportunity, action="next", today=JAN_20)
    services.update_opportunity(opportunity, action="next", today=JAN_20)
    assert fresh(opportunity).current_stage == fx.stages[5]
    assert_refused(
        "action_not_offered", services.update_opportunity, fresh(opportunity), action=action
    )


@pytest.mark.parametrize(
    ("action", "target"),
    [
        ("skip", 1),  # the current stage
        ("skip", 5),  # behind stage 4, which does not allow skip
        ("next", 3),  # next goes to 2 only
        ("update", 2),  # update stays on the current stage
    ],
)
def test_a_target_the_action_does_not_offer_is_refused(fx, opp_a, action, target):
    assert_refused(
        "invalid_target",
        services.update_opportunity,
        opp_a,
        action=action,
        to_stage=fx.stages[target],
        today=JAN_20,
    )


def test_a_jump_forward_is_refused(fx, on_stage_3):
    services.create_quote(on_stage_3, today=JAN_20)
    services.update_opportunity(on_stage_3, action="next", today=JAN_20)
    assert_refused(
        "invalid_target",
        services.update_opportunity,
        fresh(on_stage_3),
        action="jump",
        to_stage=fx.stages[5],
        today=JAN_20,
    )


def test_a_stage_of_another_cycle_is_refused(fx, opp_a):
    other = SalesCycle.objects.create(code="OTHER", description="Other")
    foreign = SalesCycleStage.objects.create(
        sales_cycle=other, stage=2, description="Foreign", completed=1, chances_of_success=1
    )
    assert_refused(
        "invalid_target",
        services.update_opportunity,
        opp_a,
        action="next",
        to_stage=foreign,
        today=JAN_20,
    )


# --- no_stages ------------------------------------------------------------------------------


def test_activating_on_a_cycle_without_stages_is_refused(fx):
    empty = SalesCycle.objects.create(code="EMPTY", description="No stages")
    opportunity = fx.create_opp_a(sales_cycle=empty, activate_first_stage=False)
    assert_refused("no_stages", services.activate_first_stage, opportunity, today=JAN_20)


def test_creating_activated_on_a_cycle_without_stages_is_refused(fx):
    empty = SalesCycle.objects.create(code="EMPTY", description="No stages")
    assert_refused("no_stages", fx.create_opp_a, sales_cycle=empty)


# --- date_before_last_change, close_date_before_change ---------------------------------------


def test_a_date_of_change_before_the_active_entry_is_refused(fx, opp_a):
    services.update_opportunity(opp_a, action="next", today=JAN_20)
    assert_refused(
        "date_before_last_change",
        services.update_opportunity,
        fresh(opp_a),
        action="update",
        date_of_change=D(2024, 1, 19),
    )


def test_a_closing_date_before_the_active_entry_is_refused(fx, opp_a):
    services.update_opportunity(opp_a, action="next", today=JAN_20)
    for outcome, code in (("won", fx.W_PRICE), ("lost", fx.L_COMP)):
        assert_refused(
            "date_before_last_change",
            services.close_opportunity,
            fresh(opp_a),
            outcome=outcome,
            close_code=code,
            date_closed=D(2024, 1, 19),
            sales_value=Decimal(100),
        )


def test_making_an_order_with_a_closing_date_before_the_active_entry_is_refused(fx, opp_a):
    services.update_opportunity(opp_a, action="next", today=JAN_20)
    quote = quote_with_total(fresh(opp_a), Decimal(100))
    assert_refused(
        "date_before_last_change",
        services.make_order,
        quote,
        close_code=fx.W_PRICE,
        date_closed=D(2024, 1, 19),
    )


def test_an_estimated_close_date_before_the_date_of_change_is_refused(fx, opp_a):
    assert_refused(
        "close_date_before_change",
        services.update_opportunity,
        opp_a,
        action="update",
        date_of_change=JAN_20,
        estimated_close_date=D(2024, 1, 19),
    )


def test_creating_activated_with_a_close_date_before_today_is_refused(fx):
    assert_refused("close_date_before_change", fx.create_opp_a, estimated_close_date=D(2024, 1, 14))


# --- quote_required -------------------------------------------------------------------------


def test_next_to_a_stage_requiring_a_quote_without_one_is_refused(fx, on_stage_3):
    assert_refused("quote_required", services.update_opportunity, on_stage_3, action="next")


def test_skip_to_a_stage_requiring_a_quote_without_one_is_refused(fx, opp_a):
    assert_refused(
        "quote_required",
        services.update_opportunity,
        opp_a,
        action="skip",
        to_stage=fx.stages[4],
        today=JAN_20,
    )


def test_a_converted_quote_does_not_satisfy_quote_required(fx, on_stage_3):
    """Only an open quote counts. The services never leave a converted quote on an opportunity
    in progress, so the row is set up directly."""
    quote = services.create_quote(on_stage_3, today=JAN_20)
    Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.CONVERTED)
    assert_refused("quote_required", services.update_opportunity, fresh(on_stage_3), action="next")


# --- estimated_value_required, chances_invalid ----------------------------------------------


@pytest.mark.parametrize("value", [Decimal(0), Decimal("-0.01")])
def test_an_update_with_no_positive_estimated_value_is_refused(fx, opp_a, value):
    assert_refused(
        "estimated_value_required",
        services.update_opportunity,
        opp_a,
        action="next",
        estimated_value=value,
        today=JAN_20,
    )


def test_an_update_keeping_a_zero_estimated_value_is_refused(fx, not_started):
    """Activation starts at 0; the next update must give a value."""
    services.activate_first_stage(not_started, today=JAN_20)
    assert_refused(
        "estimated_value_required",
        services.update_opportunity,
        fresh(not_started),
        action="update",
        today=JAN_20,
    )


def test_first_through_the_update_needs_an_estimated_value(fx, not_started):
    assert_refused(
        "estimated_value_required",
        services.update_opportunity,
        not_started,
        action="first",
        today=JAN_20,
    )


@pytest.mark.parametrize("value", [None, Decimal(0), Decimal(-5)])
def test_creating_activated_without_a_positive_estimated_value_is_refused(fx, value):
    assert_refused("estimated_value_required", fx.create_opp_a, estimated_value=value)


@pytest.mark.parametrize("chances", [Decimal(0), Decimal("-1"), Decimal("100.01"), Decimal(500)])
def test_chances_outside_0_to_100_are_refused(fx, opp_a, chances):
    assert_refused(
        "chances_invalid",
        services.update_opportunity,
        opp_a,
        action="update",
        chances_of_success=chances,
        today=JAN_20,
    )
    assert_refused("chances_invalid", fx.create_opp_a, chances_of_success=chances)


# --- outcome_invalid, close_code_required, close_code_type, sales_value_required -------------


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


def test_making_an_order_for_an_opportunity_in_progress_needs_a_close_code(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(100))
    assert_refused("close_code_required", services.make_order, quote, today=JAN_20)


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


def test_making_an_order_with_a_lost_close_code_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(100))
    assert_refused(
        "close_code_type", services.make_order, quote, close_code=fx.L_COMP, today=JAN_20
    )


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
        fresh(opp_a),
        outcome="won",
        close_code=fx.W_PRICE,
        sales_value=Decimal(9000),
        today=JAN_20,
    )


def test_making_an_order_from_an_empty_quote_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, None)
    assert_refused(
        "sales_value_required", services.make_order, quote, close_code=fx.W_PRICE, today=JAN_20
    )


# --- quote_not_open, customer_required, customer_exists --------------------------------------


@pytest.fixture
def converted_quote(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(9500))
    services.make_order(quote, close_code=fx.W_PRICE, today=JAN_20)
    return Quote.objects.get(pk=quote.pk)


def test_deleting_a_converted_quote_is_refused(fx, converted_quote):
    assert_refused("quote_not_open", services.delete_quote, converted_quote)


def test_a_second_order_from_a_converted_quote_is_refused(fx, converted_quote):
    assert_refused("quote_not_open", services.make_order, converted_quote, close_code=fx.W_PRICE)


def test_changing_the_lines_of_a_converted_quote_is_refused(fx, converted_quote):
    line = converted_quote.lines.get()
    assert_refused(
        "quote_not_open",
        services.add_quote_line,
        converted_quote,
        description="More",
        quantity=Decimal(1),
        unit_price=Decimal(1),
    )
    assert_refused(
        "quote_not_open",
        services.update_quote_line,
        line,
        description="Changed",
        quantity=Decimal(2),
        unit_price=Decimal(2),
    )
    assert_refused("quote_not_open", services.delete_quote_line, line)


def test_an_order_for_a_contact_that_is_not_a_customer_is_refused(fx):
    opportunity = fx.create_opp_a(contact=fx.CT200)
    quote = quote_with_total(opportunity, Decimal(100))
    error = assert_refused(
        "customer_required", services.make_order, quote, close_code=fx.W_PRICE, today=JAN_20
    )
    assert "CT200" in error.messages[0]


def test_making_a_customer_of_a_customer_is_refused(fx):
    error = assert_refused("customer_exists", services.create_customer, fx.CT100)
    assert "C10000" in error.messages[0]


# --- blocked, required ----------------------------------------------------------------------


@pytest.mark.parametrize("activate", [True, False])
def test_a_blocked_salesperson_is_refused(fx, activate):
    assert_refused("blocked", fx.create_opp_a, salesperson=fx.BLK, activate_first_stage=activate)


def test_a_contact_s_blocked_default_salesperson_is_refused(fx):
    Contact.objects.filter(pk=fx.CT300.pk).update(salesperson=fx.BLK)
    assert_refused(
        "blocked", fx.create_opp_a, contact=Contact.objects.get(pk=fx.CT300.pk), salesperson=None
    )


@pytest.mark.parametrize("activate", [True, False])
def test_a_blocked_sales_cycle_is_refused(fx, activate):
    assert_refused("blocked", fx.create_opp_a, sales_cycle=fx.OLD, activate_first_stage=activate)


def test_a_sales_cycle_blocked_after_it_was_read_is_refused(fx):
    stale_copy = SalesCycle.objects.get(pk=fx.STD.pk)
    SalesCycle.objects.filter(pk=fx.STD.pk).update(blocked=True)
    assert_refused("blocked", fx.create_opp_a, sales_cycle=stale_copy)


@pytest.mark.parametrize(
    "missing",
    [{"description": ""}, {"description": "   "}, {"contact": None}, {"sales_cycle": None}],
)
def test_a_missing_required_field_is_refused(fx, missing):
    assert_refused("required", fx.create_opp_a, **missing)


def test_a_missing_salesperson_without_a_contact_default_is_refused(fx):
    Contact.objects.filter(pk=fx.CT300.pk).update(salesperson=None)
    assert_refused(
        "required",
        fx.create_opp_a,
        contact=Contact.objects.get(pk=fx.CT300.pk),
        salesperson=None,
    )


# --- protected ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        lambda fx: fx.STD,
        lambda fx: fx.JO,
        lambda fx: fx.CT100,
        lambda fx: fx.stages[1],
    ],
    ids=["sales cycle", "salesperson", "contact", "current stage"],
)
def test_deleting_setup_data_an_opportunity_uses_is_refused(fx, opp_a, target):
    assert_refused("protected", target(fx).delete)


def test_deleting_a_close_code_used_by_entries_is_refused(fx, lost):
    assert_refused("protected", fx.L_COMP.delete)


# --- stale ----------------------------------------------------------------------------------


@pytest.fixture
def seen(opp_a):
    """The version a form opened on OPP-A carries; then someone else changes OPP-A."""
    version = fresh(opp_a).version
    services.update_opportunity(fresh(opp_a), action="update", today=JAN_20)
    return version


@pytest.mark.parametrize(
    "action",
    [
        lambda fx, opp, v: services.update_opportunity(
            opp, action="next", today=JAN_20, expected_version=v
        ),
        lambda fx, opp, v: services.close_opportunity(
            opp, outcome="lost", close_code=fx.L_COMP, today=JAN_20, expected_version=v
        ),
        lambda fx, opp, v: services.create_quote(opp, today=JAN_20, expected_version=v),
        lambda fx, opp, v: services.delete_opportunity(opp, expected_version=v),
    ],
    ids=["update", "close", "create quote", "delete"],
)
def test_an_action_based_on_a_stale_version_is_refused(fx, opp_a, seen, action):
    error = assert_refused("stale", action, fx, opp_a, seen)
    assert opp_a.number in error.messages[0]


def test_activation_based_on_a_stale_version_is_refused(fx, not_started):
    version = fresh(not_started).version
    Opportunity.objects.filter(pk=not_started.pk).update(version=version + 1)
    assert_refused("stale", services.activate_first_stage, not_started, expected_version=version)


def test_making_an_order_based_on_a_stale_version_is_refused(fx, opp_a):
    quote = quote_with_total(opp_a, Decimal(100))
    version = fresh(opp_a).version
    services.update_opportunity(fresh(opp_a), action="update", today=JAN_20)
    assert_refused(
        "stale",
        services.make_order,
        quote,
        close_code=fx.W_PRICE,
        today=JAN_20,
        expected_version=version,
    )


def test_an_action_with_the_current_version_goes_through(fx, opp_a, seen):
    version = fresh(opp_a).version
    entry = services.update_opportunity(
        opp_a, action="next", today=JAN_20, expected_version=version
    )
    assert entry.stage == fx.stages[2]
    assert fresh(opp_a).version == version + 1


# --- the order of the checks (SPEC 3.4, 3.5: the first failure wins) -------------------------


@pytest.mark.parametrize(
    ("code", "arguments"),
    [
        # an action not offered wins over a date before the last change
        ("action_not_offered", {"action": "previous", "date_of_change": D(2024, 1, 1)}),
        # the date wins over a target the action does not offer
        (
            "date_before_last_change",
            {"action": "skip", "to_stage": 1, "date_of_change": D(2024, 1, 1)},
        ),
        # the target wins over the quote the stage requires
        ("invalid_target", {"action": "skip", "to_stage": 5, "estimated_value": Decimal(0)}),
        # the quote wins over the estimated value
        ("quote_required", {"action": "skip", "to_stage": 4, "estimated_value": Decimal(0)}),
        # the estimated value wins over the chances
        (
            "estimated_value_required",
            {"action": "next", "estimated_value": Decimal(0), "chances_of_success": Decimal(0)},
        ),
        # the chances win over the close date
        (
            "chances_invalid",
            {
                "action": "next",
                "chances_of_success": Decimal(0),
                "estimated_close_date": D(2024, 1, 16),
            },
        ),
    ],
)
def test_the_update_checks_run_in_the_spec_s_order(fx, opp_a, code, arguments):
    if "to_stage" in arguments:
        arguments["to_stage"] = fx.stages[arguments["to_stage"]]
    assert_refused(code, services.update_opportunity, opp_a, today=JAN_20, **arguments)


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
def test_the_close_checks_run_in_the_spec_s_order(fx, opp_a, code, arguments):
    if arguments["close_code"]:
        arguments["close_code"] = getattr(fx, arguments["close_code"])
    assert_refused(code, services.close_opportunity, opp_a, today=JAN_20, **arguments)


# --- date_out_of_range --------------------------------------------------------------------

PAST_THE_LAST = formulas.LAST_DATE + datetime.timedelta(days=1)
BEFORE_THE_FIRST = formulas.FIRST_DATE - datetime.timedelta(days=1)


def test_a_date_of_change_past_the_last_accepted_date_is_refused(fx, opp_a):
    error = assert_refused(
        "date_out_of_range",
        services.update_opportunity,
        opp_a,
        action="update",
        date_of_change=D(9999, 12, 25),
        estimated_close_date=D(9999, 12, 31),
        today=JAN_20,
    )
    assert "9999-12-25" in error.messages[0]
    assert str(formulas.LAST_DATE) in error.messages[0]


@pytest.mark.parametrize("action", ["update", "next"])
def test_an_estimated_closing_date_past_the_last_accepted_date_is_refused(fx, opp_a, action):
    assert_refused(
        "date_out_of_range",
        services.update_opportunity,
        opp_a,
        action=action,
        estimated_close_date=PAST_THE_LAST,
        today=JAN_20,
    )


def test_a_default_closing_date_past_the_last_accepted_date_is_refused(fx, opp_a):
    # Stage 3's formula, 1M, leads from 2199-12-15 to 2200-01-15.
    assert_refused(
        "date_out_of_range",
        services.update_opportunity,
        opp_a,
        action="skip",
        to_stage=fx.stages[3],
        date_of_change=D(2199, 12, 15),
        today=JAN_20,
    )


@pytest.mark.parametrize("date", [D(1, 1, 1), BEFORE_THE_FIRST, PAST_THE_LAST])
def test_the_first_stage_on_a_date_out_of_range_is_refused(fx, not_started, date):
    assert_refused(
        "date_out_of_range",
        services.update_opportunity,
        not_started,
        action="first",
        date_of_change=date,
        estimated_value=Decimal(100),
        estimated_close_date=max(date, PAST_THE_LAST),
        today=JAN_20,
    )


def test_creating_with_a_closing_date_past_the_last_accepted_date_is_refused(fx):
    assert_refused("date_out_of_range", fx.create_opp_a, estimated_close_date=D(9999, 12, 31))


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


def test_the_first_and_the_last_accepted_dates_are_accepted(fx, opp_a, not_started):
    entry = services.update_opportunity(
        opp_a,
        action="update",
        date_of_change=formulas.LAST_DATE,
        estimated_close_date=formulas.LAST_DATE,
        today=JAN_20,
    )
    assert (entry.date_of_change, entry.estimated_close_date) == (formulas.LAST_DATE,) * 2
    entry = services.close_opportunity(
        not_started, outcome="lost", close_code=fx.L_COMP, date_closed=formulas.FIRST_DATE
    )
    assert entry.date_closed == formulas.FIRST_DATE


# --- amount_too_large ---------------------------------------------------------------------

MOST_QUANTITY = Decimal("9999999999.99")  # the quantity column's maximum
COLUMN_MAXIMUM = Decimal("9999999999999999.99")  # the money columns' 18 digits
# 15 digits: what SQLite, keeping decimals as floating-point numbers, gives back to the cent.
LARGEST = Decimal("9999999999999.99")


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
    won = fresh(opp_a)
    assert (won.status, won.calcd_current_value) == ("won", LARGEST)


def test_an_estimated_value_past_the_largest_amount_is_refused(fx, opp_a):
    assert_refused(
        "amount_too_large",
        services.update_opportunity,
        opp_a,
        action="update",
        estimated_value=COLUMN_MAXIMUM,
        today=JAN_20,
    )
    assert_refused("amount_too_large", fx.create_opp_a, estimated_value=LARGEST + Decimal("0.01"))


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


def test_the_largest_amount_as_estimated_value_is_accepted_and_reads_back(fx, opp_a):
    services.update_opportunity(opp_a, action="update", estimated_value=LARGEST, today=JAN_20)
    assert fresh(opp_a).estimated_value == LARGEST
