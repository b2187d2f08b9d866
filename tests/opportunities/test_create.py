"""The scenarios of ACCEPTANCE.md, at the service level, with their numbers.

Each test names the behaviour and cites its scenario. A refusal asserts the code and that
nothing was written (`database_state`).
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Customer
from opportunities import services
from opportunities.models import (
    Opportunity,
    OpportunityEntry,
    Quote,
    SalesOrder,
)
from opportunities.services import Refusal
from salescycles.models import SalesCycle
from tests.snapshots import database_state

D = datetime.date
JAN_20 = D(2024, 1, 20)
FEB_10 = D(2024, 2, 10)


def refused(code, action, /, *args, **kwargs):
    """Run a service that must refuse with `code`, and check that it wrote nothing."""
    before = database_state(setup=True)
    with pytest.raises(Refusal) as caught:
        action(*args, **kwargs)
    assert caught.value.code == code
    assert database_state(setup=True) == before
    return caught.value


def entries_of(opportunity):
    return list(opportunity.entries.order_by("pk"))


def reloaded(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


def next_on_jan_20(opportunity):
    """Scenario 8's step: OPP-A moves to stage 2 on 2024-01-20 with the defaults."""
    return services.update_opportunity(opportunity, action="next", today=JAN_20)


def quote_with_total(opportunity, total, *, today=JAN_20):
    quote = services.create_quote(opportunity, today=today)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(1), unit_price=total)
    return quote


def put_on_stage(fx, opportunity, number):
    """Move OPP-A from stage 1 to stage `number` on 2024-01-20 (stage 4 needs a quote)."""
    if number == 1:
        return
    if number == 4 and opportunity.quote_id is None:
        quote_with_total(opportunity, Decimal(9500))
    if number in (2, 3, 4):
        services.update_opportunity(
            opportunity,
            action="skip" if number > 2 else "next",
            to_stage=fx.stages[number],
            today=JAN_20,
        )
    else:
        put_on_stage(fx, opportunity, 4)
        services.update_opportunity(opportunity, action="next", today=JAN_20)
    assert reloaded(opportunity).current_stage == fx.stages[number]


# --- Create and activate --------------------------------------------------------------------


def test_creating_with_activation_puts_the_opportunity_on_the_first_stage(fx):
    """Scenario 1."""
    opportunity = fx.create_opp_a()

    opportunity = reloaded(opportunity)
    assert opportunity.number == "OP000001"
    assert opportunity.status == Opportunity.Status.IN_PROGRESS
    assert opportunity.creation_date == D(2024, 1, 15)
    [entry] = entries_of(opportunity)
    assert entry.active
    assert entry.action_taken == OpportunityEntry.Action.FIRST
    assert entry.stage == fx.stages[1]
    assert entry.stage_description == "Initial"
    assert entry.date_of_change == D(2024, 1, 15)
    assert entry.completed == 10
    assert entry.chances_of_success == 30
    assert entry.probability == 3
    assert entry.estimated_value == 10000
    assert entry.calcd_current_value == 300
    assert entry.estimated_close_date == D(2024, 3, 31)
    assert entry.previous_stage is None
    assert entry.contact == fx.CT100
    assert entry.salesperson == fx.JO
    assert opportunity.current_stage == fx.stages[1]
    assert opportunity.calcd_current_value == 300
    assert opportunity.probability == 3


def test_creating_without_activation_leaves_the_opportunity_not_started(fx):
    """Scenario 2."""
    opportunity = reloaded(fx.create_opp_a(activate_first_stage=False))

    assert opportunity.status == Opportunity.Status.NOT_STARTED
    assert not opportunity.closed
    assert not opportunity.entries.exists()
    assert opportunity.current_stage is None
    assert opportunity.estimated_value == 0


def test_creating_without_a_contact_is_refused_and_creates_nothing(fx):
    """Scenario 3."""
    refused("required", fx.create_opp_a, contact=None)
    assert not Opportunity.objects.exists()


def test_activation_at_creation_needs_an_estimated_value(fx):
    """Scenario 4, estimated value 0."""
    refused("estimated_value_required", fx.create_opp_a, estimated_value=Decimal(0))
    assert not Opportunity.objects.exists()


def test_activation_at_creation_needs_chances_above_zero(fx):
    """Scenario 4, chances 0."""
    refused("chances_invalid", fx.create_opp_a, chances_of_success=Decimal(0))
    assert not Opportunity.objects.exists()


def test_a_blocked_sales_cycle_cannot_be_chosen(fx):
    """Scenario 5, sales cycle OLD."""
    refused("blocked", fx.create_opp_a, sales_cycle=fx.OLD)
    refused("blocked", fx.create_opp_a, sales_cycle=fx.OLD, activate_first_stage=False)


def test_a_blocked_salesperson_cannot_be_chosen(fx):
    """Scenario 5, salesperson BLK."""
    refused("blocked", fx.create_opp_a, salesperson=fx.BLK)
    refused("blocked", fx.create_opp_a, salesperson=fx.BLK, activate_first_stage=False)


def test_activating_later_starts_at_zero_value_with_the_stage_defaults(fx):
    """Scenario 6."""
    opportunity = fx.create_opp_a(activate_first_stage=False)

    entry = services.activate_first_stage(opportunity, today=D(2024, 1, 15))

    entry.refresh_from_db()
    assert entry.action_taken == OpportunityEntry.Action.FIRST
    assert entry.stage == fx.stages[1]
    assert entry.chances_of_success == 20
    assert entry.completed == 10
    assert entry.probability == 2
    assert entry.estimated_value == 0
    assert entry.calcd_current_value == 0
    assert entry.estimated_close_date == D(2024, 1, 22)
    opportunity = reloaded(opportunity)
    assert opportunity.status == Opportunity.Status.IN_PROGRESS
    assert opportunity.current_stage == fx.stages[1]
    assert opportunity.estimated_close_date == D(2024, 1, 22)


def test_activating_on_a_cycle_without_stages_is_refused(fx):
    """Scenario 7."""
    empty = SalesCycle.objects.create(code="EMPTY", description="No stages")
    opportunity = fx.create_opp_a(sales_cycle=empty, activate_first_stage=False)

    refused("no_stages", services.activate_first_stage, opportunity, today=fx.today)

    assert reloaded(opportunity).status == Opportunity.Status.NOT_STARTED
    assert not opportunity.entries.exists()


def test_creating_with_activation_on_a_cycle_without_stages_creates_nothing(fx):
    """Scenario 7, at creation."""
    empty = SalesCycle.objects.create(code="EMPTY", description="No stages")
    refused("no_stages", fx.create_opp_a, sales_cycle=empty)
    assert not Opportunity.objects.exists()


# --- Update --------------------------------------------------------------------------------


def test_next_moves_to_the_following_stage_with_its_defaults(fx, opp_a):
    """Scenario 8."""
    entry = next_on_jan_20(opp_a)

    entry.refresh_from_db()
    assert entry.stage == fx.stages[2]
    assert entry.action_taken == OpportunityEntry.Action.NEXT
    assert entry.date_of_change == JAN_20
    assert entry.chances_of_success == 40
    assert entry.estimated_close_date == D(2024, 2, 3)
    assert entry.completed == 25
    assert entry.probability == 10
    assert entry.estimated_value == 10000
    assert entry.calcd_current_value == 1000
    assert entry.previous_stage == 1
    assert entry.active
    first, second = entries_of(opp_a)
    assert second == entry
    assert not first.active
    assert first.days_open == 5
    opportunity = reloaded(opp_a)
    assert opportunity.current_stage == fx.stages[2]
    assert opportunity.calcd_current_value == 1000
    assert opportunity.estimated_close_date == D(2024, 2, 3)


@pytest.mark.parametrize(
    ("method", "probability", "current_value"),
    [
        (SalesCycle.ProbabilityCalculation.ADD, Decimal("32.5"), Decimal(3250)),
        (SalesCycle.ProbabilityCalculation.CHANCES, Decimal(40), Decimal(4000)),
        (SalesCycle.ProbabilityCalculation.COMPLETED, Decimal(25), Decimal(2500)),
    ],
)
def test_the_cycle_s_probability_method_decides_the_probability(
    fx, opp_a, method, probability, current_value
):
    """Scenario 9."""
    fx.STD.probability_calculation = method
    fx.STD.save()

    entry = next_on_jan_20(opp_a)

    entry.refresh_from_db()
    assert entry.probability == probability
    assert entry.calcd_current_value == current_value
    opportunity = reloaded(opp_a)
    assert opportunity.probability == probability
    assert opportunity.calcd_current_value == current_value


def test_update_changes_the_figures_without_changing_the_stage(fx, opp_a):
    """Scenario 10."""
    next_entry = next_on_jan_20(opp_a)

    entry = services.update_opportunity(
        opp_a,
        action="update",
        date_of_change=D(2024, 1, 25),
        estimated_value=Decimal(15000),
        chances_of_success=Decimal(60),
        today=D(2024, 1, 25),
    )

    entry.refresh_from_db()
    assert entry.stage == fx.stages[2]
    assert entry.action_taken == OpportunityEntry.Action.UPDATED
    assert entry.previous_stage == 2
    assert entry.probability == 15
    assert entry.calcd_current_value == 2250
    next_entry.refresh_from_db()
    assert not next_entry.active
    assert next_entry.days_open == 5


def test_a_date_of_change_before_the_last_change_is_refused(fx, opp_a):
    """Scenario 11, 2024-01-18."""
    next_on_jan_20(opp_a)
    refused(
        "date_before_last_change",
        services.update_opportunity,
        reloaded(opp_a),
        action="update",
        date_of_change=D(2024, 1, 18),
        today=D(2024, 1, 25),
    )


def test_a_date_of_change_equal_to_the_last_change_is_accepted(fx, opp_a):
    """Scenario 11, 2024-01-20."""
    next_on_jan_20(opp_a)
    entry = services.update_opportunity(
        opp_a, action="update", date_of_change=JAN_20, today=D(2024, 1, 25)
    )
    assert entry.date_of_change == JAN_20
    assert entries_of(opp_a)[1].days_open == 0


def test_an_estimated_close_date_before_the_date_of_change_is_refused(fx, opp_a):
    """Scenario 12, 2024-01-19."""
    refused(
        "close_date_before_change",
        services.update_opportunity,
        opp_a,
        action="next",
        date_of_change=JAN_20,
        estimated_close_date=D(2024, 1, 19),
        today=JAN_20,
    )


def test_an_estimated_close_date_equal_to_the_date_of_change_is_accepted(fx, opp_a):
    """Scenario 12, 2024-01-20."""
    entry = services.update_opportunity(
        opp_a, action="next", date_of_change=JAN_20, estimated_close_date=JAN_20, today=JAN_20
    )
    assert entry.estimated_close_date == JAN_20
    assert reloaded(opp_a).estimated_close_date == JAN_20


def test_skip_further_than_the_next_stage_records_jumped_and_keeps_the_typed_chances(fx, opp_a):
    """Scenario 13."""
    assert services.available_actions(opp_a)["skip"] == [fx.stages[2], fx.stages[3], fx.stages[4]]

    entry = services.update_opportunity(
        opp_a, action="skip", to_stage=fx.stages[3], chances_of_success=Decimal(70), today=JAN_20
    )

    entry.refresh_from_db()
    assert entry.stage == fx.stages[3]
    assert entry.action_taken == OpportunityEntry.Action.JUMPED
    assert entry.previous_stage == 1
    assert entry.chances_of_success == 70
    assert entry.completed == 50
    assert entry.probability == 35
    assert entry.calcd_current_value == 3500


def test_skip_to_a_stage_that_requires_a_quote_is_refused_without_one(fx, opp_a):
    """Scenario 14."""
    refused(
        "quote_required",
        services.update_opportunity,
        opp_a,
        action="skip",
        to_stage=fx.stages[4],
        today=JAN_20,
    )


def test_skip_refuses_to_pass_a_stage_that_does_not_allow_skip(fx, opp_a):
    """Scenario 15: from stage 3 the next stage, 4, does not allow skip."""
    put_on_stage(fx, opp_a, 3)
    assert "skip" not in services.available_actions(reloaded(opp_a))
    for target in (fx.stages[4], fx.stages[5], None):
        refused(
            "action_not_offered",
            services.update_opportunity,
            reloaded(opp_a),
            action="skip",
            to_stage=target,
            today=JAN_20,
        )


def test_next_to_a_stage_that_requires_a_quote_is_refused_without_one(fx, opp_a):
    """Scenario 16."""
    put_on_stage(fx, opp_a, 3)
    refused("quote_required", services.update_opportunity, reloaded(opp_a), action="next")


def test_next_to_a_stage_that_requires_a_quote_goes_through_with_an_open_quote(fx, opp_a):
    """Scenario 16, the other exit: with the quote linked the move is made."""
    put_on_stage(fx, opp_a, 3)
    services.create_quote(opp_a, today=JAN_20)
    entry = services.update_opportunity(opp_a, action="next", today=JAN_20)
    assert entry.stage == fx.stages[4]
    assert entry.action_taken == OpportunityEntry.Action.NEXT


@pytest.mark.parametrize("action", ["previous", "jump"])
def test_previous_and_jump_are_not_offered_on_the_first_stage(fx, opp_a, action):
    """Scenario 17."""
    assert action not in services.available_actions(opp_a)
    refused("action_not_offered", services.update_opportunity, opp_a, action=action, today=JAN_20)


def test_jump_to_an_earlier_stage_takes_that_stage_s_default_chances(fx, opp_a):
    """Scenario 18."""
    put_on_stage(fx, opp_a, 4)
    opportunity = reloaded(opp_a)
    assert services.available_actions(opportunity)["jump"] == [
        fx.stages[1],
        fx.stages[2],
        fx.stages[3],
    ]

    entry = services.update_opportunity(
        opportunity, action="jump", to_stage=fx.stages[1], today=D(2024, 1, 22)
    )

    entry.refresh_from_db()
    assert entry.stage == fx.stages[1]
    assert entry.action_taken == OpportunityEntry.Action.JUMPED
    assert entry.previous_stage == 4
    assert entry.chances_of_success == 20
    assert entry.completed == 10
    assert entry.probability == 2


def test_the_offered_targets_follow_the_fixture_table(fx, opp_a):
    """The offered targets listed under the fixture of ACCEPTANCE.md."""
    actions = services.available_actions(opp_a)
    assert actions["skip"] == [fx.stages[2], fx.stages[3], fx.stages[4]]
    assert "jump" not in actions
    put_on_stage(fx, opp_a, 2)
    actions = services.available_actions(reloaded(opp_a))
    assert actions["skip"] == [fx.stages[3], fx.stages[4]]
    assert "jump" not in actions
    assert actions["previous"] == [fx.stages[1]]
    services.update_opportunity(opp_a, action="next", today=JAN_20)
    actions = services.available_actions(reloaded(opp_a))
    assert "skip" not in actions
    assert actions["jump"] == [fx.stages[1], fx.stages[2]]
    services.create_quote(opp_a, today=JAN_20)
    services.update_opportunity(opp_a, action="next", today=JAN_20)
    actions = services.available_actions(reloaded(opp_a))
    assert "skip" not in actions
    assert actions["jump"] == [fx.stages[1], fx.stages[2], fx.stages[3]]
    services.update_opportunity(opp_a, action="next", today=JAN_20)
    actions = services.available_actions(reloaded(opp_a))
    assert "skip" not in actions
    assert "next" not in actions


def test_next_is_not_offered_on_the_last_stage_but_update_is(fx, opp_a):
    """Scenario 19."""
    put_on_stage(fx, opp_a, 5)
    opportunity = reloaded(opp_a)
    actions = services.available_actions(opportunity)
    assert "next" not in actions
    assert actions["update"] == [fx.stages[5]]

    refused("action_not_offered", services.update_opportunity, opportunity, action="next")

    entry = services.update_opportunity(
        opportunity, action="update", estimated_value=Decimal(11000), today=JAN_20
    )
    assert entry.stage == fx.stages[5]
    assert entry.action_taken == OpportunityEntry.Action.UPDATED


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_updating_a_closed_opportunity_is_refused(fx, opp_a, outcome):
    """Scenario 20."""
    code = fx.W_PRICE if outcome == "won" else fx.L_COMP
    services.close_opportunity(
        opp_a, outcome=outcome, close_code=code, sales_value=Decimal(9000), today=JAN_20
    )
    opportunity = reloaded(opp_a)
    assert services.available_actions(opportunity) == {}
    for action in services.lifecycle.UPDATE_ACTIONS:
        refused("closed", services.update_opportunity, opportunity, action=action, today=FEB_10)


def test_days_open_chain_along_the_ledger(fx):
    """Scenario 21."""
    opportunity = fx.create_opp_a()
    services.update_opportunity(opportunity, action="next", today=JAN_20)
    services.update_opportunity(opportunity, action="update", today=D(2024, 2, 1))

    assert [entry.days_open for entry in entries_of(opportunity)] == [5, 12, 0]
    assert [entry.active for entry in entries_of(opportunity)] == [False, False, True]


# --- Close ---------------------------------------------------------------------------------


def test_closing_as_won_writes_a_closing_entry_with_the_sales_value(fx, opp_a):
    """Scenario 22."""
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
    """Scenario 23."""
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


def test_closing_as_won_with_a_lost_code_is_refused(fx, opp_a):
    """Scenario 24, L-PRICE."""
    refused(
        "close_code_type",
        services.close_opportunity,
        opp_a,
        outcome="won",
        close_code=fx.L_PRICE,
        sales_value=Decimal(9000),
        today=FEB_10,
    )


def test_closing_without_a_close_code_is_refused(fx, opp_a):
    """Scenario 24, no code."""
    refused(
        "close_code_required",
        services.close_opportunity,
        opp_a,
        outcome="won",
        close_code=None,
        sales_value=Decimal(9000),
        today=FEB_10,
    )


@pytest.mark.parametrize("sales_value", [Decimal(0), None])
def test_closing_as_won_needs_a_sales_value(fx, opp_a, sales_value):
    """Scenario 25."""
    refused(
        "sales_value_required",
        services.close_opportunity,
        opp_a,
        outcome="won",
        close_code=fx.W_PRICE,
        sales_value=sales_value,
        today=FEB_10,
    )


def test_closing_as_won_with_a_linked_quote_takes_the_quote_total(fx, opp_a):
    """Scenario 26."""
    quote_with_total(opp_a, Decimal(9500))

    entry = services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(12000), today=FEB_10
    )

    assert entry.calcd_current_value == 9500
    assert reloaded(opp_a).calcd_current_value == 9500
    assert Quote.objects.get().status == Quote.Status.OPEN  # closing does not change quotes


# --- Delete --------------------------------------------------------------------------------


def test_deleting_an_opportunity_in_progress_is_refused(fx, opp_a):
    """Scenario 27, in progress."""
    refused("not_closed", services.delete_opportunity, opp_a)


def test_deleting_a_won_opportunity_removes_it_and_its_entries(fx, opp_a):
    """Scenario 27, after it is won."""
    next_on_jan_20(opp_a)
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=FEB_10
    )
    assert OpportunityEntry.objects.filter(opportunity_id=opp_a.pk).count() == 3

    services.delete_opportunity(opp_a)

    assert not Opportunity.objects.filter(pk=opp_a.pk).exists()
    assert not OpportunityEntry.objects.filter(opportunity_id=opp_a.pk).exists()


@pytest.fixture
def batch(fx):
    """Scenario 28's opportunities: OP1 won by JO, OP2 lost by AH, OP3 in progress by JO."""
    op1 = fx.create_opp_a(description="OP1")
    services.close_opportunity(
        op1, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=D(2024, 1, 31)
    )
    op2 = fx.create_opp_a(description="OP2", salesperson=fx.AH)
    services.close_opportunity(op2, outcome="lost", close_code=fx.L_COMP, today=FEB_10)
    op3 = fx.create_opp_a(description="OP3")
    return op1, op2, op3


def remaining():
    return set(Opportunity.objects.values_list("description", flat=True))


def test_batch_deletion_by_salesperson_deletes_only_their_closed_opportunities(fx, batch):
    """Scenario 28, salesperson JO."""
    assert services.delete_closed_opportunities(salesperson=fx.JO) == 1
    assert remaining() == {"OP2", "OP3"}


def test_batch_deletion_by_date_closed_deletes_only_those_closed_in_the_range(fx, batch):
    """Scenario 28, date closed 2024-02-01..2024-02-29."""
    deleted = services.delete_closed_opportunities(
        date_closed_from=D(2024, 2, 1), date_closed_to=D(2024, 2, 29)
    )
    assert deleted == 1
    assert remaining() == {"OP1", "OP3"}


def test_batch_deletion_without_filters_deletes_every_closed_opportunity(fx, batch):
    """Scenario 28, no filter; OP3 (in progress) always stays."""
    *_, op3 = batch
    assert services.delete_closed_opportunities() == 2
    assert remaining() == {"OP3"}
    assert set(OpportunityEntry.objects.values_list("opportunity_id", flat=True)) == {op3.pk}


def test_batch_deletion_dry_run_counts_and_deletes_nothing(fx, batch):
    """Scenario 28, dry run."""
    before = database_state(setup=True)
    assert services.delete_closed_opportunities(dry_run=True) == 2
    assert services.delete_closed_opportunities(salesperson=fx.JO, dry_run=True) == 1
    assert database_state(setup=True) == before


# --- Quotes and orders ---------------------------------------------------------------------


def test_a_quote_for_a_not_started_opportunity_is_refused(fx):
    """Scenario 29, not started."""
    opportunity = fx.create_opp_a(activate_first_stage=False)
    refused("not_in_progress", services.create_quote, opportunity, today=JAN_20)


def test_a_quote_for_a_won_opportunity_is_refused(fx, opp_a):
    """Scenario 29, won."""
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=JAN_20
    )
    refused("not_in_progress", services.create_quote, reloaded(opp_a), today=JAN_20)


def test_a_quote_takes_the_contact_customer_salesperson_and_estimated_close_date(fx, opp_a):
    """Scenario 30."""
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


def test_a_second_quote_is_refused(fx, opp_a):
    """Scenario 30, second quote."""
    next_on_jan_20(opp_a)
    services.create_quote(opp_a, today=JAN_20)
    refused("quote_exists", services.create_quote, reloaded(opp_a), today=JAN_20)


def test_making_the_order_wins_the_opportunity_with_the_quote_total(fx, opp_a):
    """Scenario 31."""
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
    """Scenario 32."""
    opportunity = fx.create_opp_a(contact=fx.CT200)
    quote = quote_with_total(opportunity, Decimal(4000))
    assert quote.customer is None

    refused(
        "customer_required",
        services.make_order,
        quote,
        close_code=fx.W_PRICE,
        date_closed=FEB_10,
        today=FEB_10,
    )

    customer = services.create_customer(fx.CT200)
    order = services.make_order(quote, close_code=fx.W_PRICE, date_closed=FEB_10, today=FEB_10)
    assert order.customer == customer
    assert customer.contact == fx.CT200
    assert reloaded(opportunity).status == Opportunity.Status.WON
    assert SalesOrder.objects.count() == 1


def test_deleting_the_open_quote_unlinks_it_without_an_entry(fx, opp_a):
    """Scenario 33."""
    quote = services.create_quote(opp_a, today=JAN_20)

    services.delete_quote(quote)

    opportunity = reloaded(opp_a)
    assert opportunity.status == Opportunity.Status.IN_PROGRESS
    assert opportunity.quote is None
    assert opportunity.entries.count() == 1
    assert not Quote.objects.exists()


# --- Setup data ----------------------------------------------------------------------------


def test_deleting_the_stage_an_opportunity_is_on_is_refused(fx, opp_a):
    """Scenario 34."""
    next_on_jan_20(opp_a)
    before = database_state(setup=True)

    with pytest.raises(ValidationError) as caught:
        fx.stages[2].delete()

    assert caught.value.code == "protected"
    assert fx.STD.stages.filter(stage=2).exists()
    assert database_state(setup=True) == before


def test_statistics_after_the_won_close(fx, opp_a):
    """Scenario 35."""
    next_on_jan_20(opp_a)
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=FEB_10
    )

    jo = fx.JO.statistics()
    assert jo["opportunities"] == 1
    assert jo["estimated_value"] == 10000
    assert jo["current_value"] == 9000
    assert fx.STD.statistics()["opportunities"] == 0
    assert fx.W_PRICE.statistics()["opportunities"] == 1
    assert fx.W_REL.statistics()["opportunities"] == 0


# --- Rules of SPEC.md around the scenarios -------------------------------------------------


def test_skip_to_the_immediate_next_stage_records_next(fx, opp_a):
    entry = services.update_opportunity(opp_a, action="skip", today=JAN_20)
    assert entry.stage == fx.stages[2]
    assert entry.action_taken == OpportunityEntry.Action.NEXT


def test_jump_to_the_immediate_previous_stage_records_previous(fx, opp_a):
    put_on_stage(fx, opp_a, 3)
    entry = services.update_opportunity(reloaded(opp_a), action="jump", today=JAN_20)
    assert entry.stage == fx.stages[2]
    assert entry.action_taken == OpportunityEntry.Action.PREVIOUS


@pytest.mark.parametrize("action", ["previous", "jump"])
def test_going_back_to_a_stage_that_requires_a_quote_needs_no_quote(fx, opp_a, action):
    """Only next and skip check quote_required (SPEC 3.4)."""
    put_on_stage(fx, opp_a, 5)
    services.delete_quote(reloaded(opp_a).quote)
    entry = services.update_opportunity(reloaded(opp_a), action=action, today=JAN_20)
    assert entry.stage == fx.stages[4]
    assert entry.action_taken == OpportunityEntry.Action.PREVIOUS


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
    assert not Customer.objects.filter(contact=fx.CT200).exists()


def test_a_not_started_opportunity_can_be_closed(fx):
    opportunity = fx.create_opp_a(activate_first_stage=False)
    entry = services.close_opportunity(
        opportunity, outcome="lost", close_code=fx.L_PRICE, today=JAN_20
    )
    assert entry.previous_stage is None
    assert reloaded(opportunity).status == Opportunity.Status.LOST
    assert opportunity.entries.count() == 1


def test_the_default_date_of_change_is_the_later_of_today_and_the_last_change(fx, opp_a):
    next_on_jan_20(opp_a)
    entry = services.update_opportunity(opp_a, action="update", today=D(2024, 1, 16))
    assert entry.date_of_change == JAN_20
    closing = services.close_opportunity(
        opp_a, outcome="lost", close_code=fx.L_COMP, today=D(2024, 1, 16)
    )
    assert closing.date_closed == JAN_20


def test_an_update_without_an_estimated_value_keeps_the_previous_one(fx, opp_a):
    services.update_opportunity(
        opp_a, action="update", estimated_value=Decimal(20000), today=JAN_20
    )
    entry = services.update_opportunity(opp_a, action="next", today=JAN_20)
    assert entry.estimated_value == 20000


def test_the_update_form_defaults_take_the_quote_total_and_the_target_s_figures(fx, opp_a):
    quote_with_total(opp_a, Decimal(9500))
    defaults = services.update_defaults(reloaded(opp_a), action="next", today=JAN_20)
    assert defaults["to_stage"] == fx.stages[2]
    assert defaults["date_of_change"] == JAN_20
    assert defaults["estimated_value"] == 9500
    assert defaults["chances_of_success"] == 40
    assert defaults["estimated_close_date"] == D(2024, 2, 3)


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


def test_entries_record_the_user_who_acted(fx, django_user_model):
    user = django_user_model.objects.create_user("jo", password="x")
    opportunity = fx.create_opp_a(user=user)
    services.update_opportunity(opportunity, action="next", today=JAN_20, user=user)
    services.update_opportunity(opportunity, action="update", today=JAN_20)
    assert [entry.created_by for entry in entries_of(opportunity)] == [user, user, None]
