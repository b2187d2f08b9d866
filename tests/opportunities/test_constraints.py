"""What the database itself guards, whatever code writes: one active entry per opportunity,
percentages from 0 to 100, amounts not below 0, stage numbers, unique numbers and codes, and the
closing date that goes with a closed state."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from contacts.models import Customer
from opportunities import services
from opportunities.models import (
    Opportunity,
    OpportunityEntry,
    Quote,
    QuoteLine,
    SalesOrder,
    UpdateAction,
)
from salescycles.models import SalesCycle, SalesCycleStage

D = datetime.date


def refused_by_the_database(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def entry_like(entry, **changes) -> OpportunityEntry:
    """A copy of `entry` as a new row, with `changes`."""
    values = {
        field.attname: getattr(entry, field.attname)
        for field in OpportunityEntry._meta.concrete_fields
        if not field.primary_key
    }
    return OpportunityEntry(**(values | changes))


# --- one active entry per opportunity -------------------------------------------------------


def test_a_second_active_entry_is_refused(fx, opp_a):
    active = opp_a.active_entry
    refused_by_the_database(lambda: entry_like(active, action_taken="updated").save())
    assert opp_a.entries.count() == 1


def test_a_second_active_entry_is_refused_in_bulk_too(fx, opp_a):
    active = opp_a.active_entry
    refused_by_the_database(
        lambda: OpportunityEntry.objects.bulk_create([entry_like(active, action_taken="updated")])
    )


def test_reactivating_an_old_entry_is_refused(fx, opp_a):
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=D(2024, 1, 20))
    first = opp_a.entries.order_by("pk").first()
    refused_by_the_database(
        lambda: OpportunityEntry.objects.filter(pk=first.pk).update(active=True)
    )


def test_inactive_entries_and_other_opportunities_active_entries_are_fine(fx, opp_a):
    other = fx.create_opp_a()
    active = opp_a.active_entry
    entry_like(active, active=False).save()
    entry_like(active, active=False).save()
    assert opp_a.entries.filter(active=True).count() == 1
    assert other.entries.filter(active=True).count() == 1


# --- percentages 0..100 ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["completed", "chances_of_success"])
@pytest.mark.parametrize("value", [Decimal("-0.01"), Decimal("100.01")])
def test_a_stage_percentage_outside_0_to_100_is_refused(fx, field, value):
    refused_by_the_database(
        lambda: SalesCycleStage.objects.filter(pk=fx.stages[1].pk).update(**{field: value})
    )


@pytest.mark.parametrize("field", ["completed", "chances_of_success", "probability"])
@pytest.mark.parametrize("value", [Decimal("-0.01"), Decimal("100.01")])
def test_an_opportunity_percentage_outside_0_to_100_is_refused(fx, opp_a, field, value):
    refused_by_the_database(
        lambda: Opportunity.objects.filter(pk=opp_a.pk).update(**{field: value})
    )


@pytest.mark.parametrize("field", ["completed", "chances_of_success", "probability"])
@pytest.mark.parametrize("value", [Decimal("-0.01"), Decimal("100.01")])
def test_an_entry_percentage_outside_0_to_100_is_refused(fx, opp_a, field, value):
    refused_by_the_database(
        lambda: OpportunityEntry.objects.filter(opportunity=opp_a).update(**{field: value})
    )


@pytest.mark.parametrize("value", [Decimal(0), Decimal(100)])
def test_percentages_of_0_and_100_are_accepted(fx, opp_a, value):
    OpportunityEntry.objects.filter(opportunity=opp_a).update(
        completed=value, chances_of_success=value, probability=value
    )
    Opportunity.objects.filter(pk=opp_a.pk).update(
        completed=value, chances_of_success=value, probability=value
    )
    figures = ("completed", "chances_of_success", "probability")
    assert set(OpportunityEntry.objects.filter(opportunity=opp_a).values_list(*figures)) == {
        (value, value, value)
    }
    assert Opportunity.objects.filter(pk=opp_a.pk).values_list(*figures).get() == (value,) * 3


# --- amounts >= 0 ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["estimated_value", "calcd_current_value"])
def test_a_negative_amount_is_refused(fx, opp_a, field):
    refused_by_the_database(
        lambda: Opportunity.objects.filter(pk=opp_a.pk).update(**{field: Decimal("-0.01")})
    )
    refused_by_the_database(
        lambda: OpportunityEntry.objects.filter(opportunity=opp_a).update(
            **{field: Decimal("-0.01")}
        )
    )


@pytest.mark.parametrize("field", ["quantity", "unit_price"])
def test_a_negative_quote_line_figure_is_refused(fx, opp_a, field):
    quote = services.create_quote(opp_a, today=D(2024, 1, 20))
    line = services.add_quote_line(quote, description="Desk", quantity=1, unit_price=10)
    refused_by_the_database(
        lambda: QuoteLine.objects.filter(pk=line.pk).update(**{field: Decimal(-1)})
    )


# --- stages ---------------------------------------------------------------------------------


def test_a_stage_number_is_unique_within_its_cycle(fx):
    refused_by_the_database(
        lambda: SalesCycleStage.objects.create(sales_cycle=fx.STD, stage=3, description="Again")
    )


def test_the_same_stage_number_may_appear_in_another_cycle(fx):
    other = SalesCycle.objects.create(code="OTHER", description="Other")
    SalesCycleStage.objects.create(sales_cycle=other, stage=3, description="Three")
    assert set(SalesCycleStage.objects.filter(stage=3).values_list("sales_cycle", flat=True)) == {
        fx.STD.pk,
        other.pk,
    }


def test_a_stage_number_is_at_least_1(fx):
    refused_by_the_database(
        lambda: SalesCycleStage.objects.create(sales_cycle=fx.STD, stage=0, description="Zero")
    )


# --- numbers and codes ----------------------------------------------------------------------


def test_opportunity_numbers_are_unique(fx, opp_a):
    other = fx.create_opp_a()
    refused_by_the_database(
        lambda: Opportunity.objects.filter(pk=other.pk).update(number=opp_a.number)
    )


def test_an_opportunity_number_is_never_handed_out_again(fx, opp_a):
    last = fx.create_opp_a()
    assert last.number == "OP000002"
    services.close_opportunity(last, outcome="lost", close_code=fx.L_COMP, today=D(2024, 1, 20))
    services.delete_opportunity(last)
    assert fx.create_opp_a().number == "OP000003"


def test_quote_and_order_numbers_are_unique(fx, opp_a):
    quote = services.create_quote(opp_a, today=D(2024, 1, 20))
    assert quote.number == "SQ000001"
    services.add_quote_line(quote, description="Desk", quantity=1, unit_price=10)
    order = services.make_order(quote, close_code=fx.W_PRICE, today=D(2024, 1, 20))
    assert order.number == "SO000001"
    refused_by_the_database(
        lambda: Quote.objects.create(
            number=quote.number, contact=fx.CT100, salesperson=fx.JO, order_date=D(2024, 1, 20)
        )
    )
    other_quote = Quote.objects.create(
        contact=fx.CT100, salesperson=fx.JO, order_date=D(2024, 1, 20)
    )
    refused_by_the_database(
        lambda: SalesOrder.objects.create(
            number=order.number,
            quote=other_quote,
            contact=fx.CT100,
            customer=fx.C10000,
            salesperson=fx.JO,
            order_date=D(2024, 1, 20),
        )
    )


def test_customer_numbers_are_unique_and_a_contact_has_one_customer(fx):
    refused_by_the_database(
        lambda: Customer.objects.create(number="C10000", name="Copy", contact=fx.CT200)
    )
    refused_by_the_database(lambda: Customer.objects.create(name="Second", contact=fx.CT100))


def test_a_sales_cycle_code_is_unique(fx):
    refused_by_the_database(lambda: SalesCycle.objects.create(code="STD", description="Again"))


# --- states ---------------------------------------------------------------------------------


def test_a_closed_opportunity_has_a_closing_date(fx, opp_a):
    refused_by_the_database(
        lambda: Opportunity.objects.filter(pk=opp_a.pk).update(status="won", date_closed=None)
    )


def test_an_open_opportunity_has_no_closing_date(fx, opp_a):
    refused_by_the_database(
        lambda: Opportunity.objects.filter(pk=opp_a.pk).update(date_closed=D(2024, 1, 20))
    )


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Opportunity, "status", "pending"),
        (Opportunity, "priority", "urgent"),
        (OpportunityEntry, "action_taken", "moved"),
    ],
)
def test_a_state_outside_its_choices_is_refused(fx, opp_a, model, field, value):
    rows = model.objects.filter(pk=opp_a.pk) if model is Opportunity else opp_a.entries.all()
    refused_by_the_database(lambda: rows.update(**{field: value}))
