"""Creating an opportunity (`services.create_opportunity`): with its first stage activated or
not started, the rules on the references it names, and the figures activation needs.

A refusal asserts its code and that nothing was written (`assert_refused`).
"""

from decimal import Decimal

import pytest

from contacts.models import Contact
from opportunities.models import Opportunity, OpportunityEntry
from salescycles.models import SalesCycle
from tests.opportunities.steps import LARGEST, D, entries_of, reloaded
from tests.snapshots import assert_refused

# --- created -------------------------------------------------------------------------------


def test_creating_with_activation_puts_the_opportunity_on_the_first_stage(fx):
    """OPP-A: CT100, JO, STD, 10,000 at 30 % chances, closing 2024-03-31, created 2024-01-15."""
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
    opportunity = reloaded(fx.create_opp_a(activate_first_stage=False))

    assert opportunity.status == Opportunity.Status.NOT_STARTED
    assert not opportunity.closed
    assert not opportunity.entries.exists()
    assert opportunity.current_stage is None
    assert opportunity.estimated_value == 0


def test_without_a_salesperson_the_contact_s_default_salesperson_is_taken(fx):
    opportunity = fx.create_opp_a(contact=fx.CT300, salesperson=None)
    assert reloaded(opportunity).salesperson == fx.JO
    assert entries_of(opportunity)[0].salesperson == fx.JO


# --- required ------------------------------------------------------------------------------


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


# --- blocked -------------------------------------------------------------------------------


@pytest.mark.parametrize("activate", [True, False])
def test_a_blocked_salesperson_cannot_be_chosen(fx, activate):
    assert_refused("blocked", fx.create_opp_a, salesperson=fx.BLK, activate_first_stage=activate)


def test_a_contact_s_blocked_default_salesperson_is_refused(fx):
    Contact.objects.filter(pk=fx.CT300.pk).update(salesperson=fx.BLK)
    assert_refused(
        "blocked", fx.create_opp_a, contact=Contact.objects.get(pk=fx.CT300.pk), salesperson=None
    )


@pytest.mark.parametrize("activate", [True, False])
def test_a_blocked_sales_cycle_cannot_be_chosen(fx, activate):
    assert_refused("blocked", fx.create_opp_a, sales_cycle=fx.OLD, activate_first_stage=activate)


def test_a_sales_cycle_blocked_after_it_was_read_is_refused(fx):
    stale_copy = SalesCycle.objects.get(pk=fx.STD.pk)
    SalesCycle.objects.filter(pk=fx.STD.pk).update(blocked=True)
    assert_refused("blocked", fx.create_opp_a, sales_cycle=stale_copy)


# --- what activation at creation needs -------------------------------------------------------


@pytest.mark.parametrize("value", [None, Decimal(0), Decimal(-5)])
def test_activation_at_creation_needs_a_positive_estimated_value(fx, value):
    assert_refused("estimated_value_required", fx.create_opp_a, estimated_value=value)


@pytest.mark.parametrize("chances", [Decimal(0), Decimal("-1"), Decimal("100.01"), Decimal(500)])
def test_activation_at_creation_needs_chances_above_0_and_at_most_100(fx, chances):
    assert_refused("chances_invalid", fx.create_opp_a, chances_of_success=chances)


def test_activation_at_creation_on_a_cycle_without_stages_is_refused(fx):
    empty = SalesCycle.objects.create(code="EMPTY", description="No stages")
    assert_refused("no_stages", fx.create_opp_a, sales_cycle=empty)


def test_activation_at_creation_with_a_closing_date_before_today_is_refused(fx):
    assert_refused("close_date_before_change", fx.create_opp_a, estimated_close_date=D(2024, 1, 14))


def test_creating_with_a_closing_date_past_the_last_accepted_date_is_refused(fx):
    assert_refused("date_out_of_range", fx.create_opp_a, estimated_close_date=D(9999, 12, 31))


def test_creating_with_an_estimated_value_past_the_largest_amount_is_refused(fx):
    assert_refused("amount_too_large", fx.create_opp_a, estimated_value=LARGEST + Decimal("0.01"))
