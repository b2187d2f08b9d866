"""The ledger's consistency checks (opportunities.ledger) pass what the services write and see
what they are there to see."""

import datetime
from decimal import Decimal

import pytest

from opportunities import services
from opportunities.ledger import ledger_problems
from opportunities.models import Opportunity, OpportunityEntry, UpdateAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(fx):
    """An opportunity moved through the ways the ledger records: next, update, closed."""
    opportunity = fx.create_opp_a()
    services.update_opportunity(opportunity, action=UpdateAction.NEXT)
    services.update_opportunity(
        opportunity, action=UpdateAction.UPDATE, estimated_value=Decimal(12000)
    )
    return opportunity


def test_the_ledger_check_passes_what_the_services_wrote(fx, moved):
    fx.create_opp_a(activate_first_stage=False)
    services.close_opportunity(fx.create_opp_a(), outcome="lost", close_code=fx.L_COMP)
    statuses = set(Opportunity.objects.values_list("status", flat=True))
    assert statuses == {"not_started", "in_progress", "lost"}
    assert ledger_problems() == []


def test_the_ledger_check_sees_figures_that_are_not_the_active_entrys(fx, moved):
    Opportunity.objects.filter(pk=moved.pk).update(estimated_value=Decimal(1))
    assert ledger_problems() == [f"{moved.number}: estimated_value 1.00 != entry's 12000.00"]


def test_the_ledger_check_sees_an_opportunity_without_its_active_entry(fx, moved):
    moved.entries.filter(active=True).update(active=False)
    assert ledger_problems() == [f"{moved.number}: 0 active entries"]


def test_the_ledger_check_sees_a_broken_chain_of_days_open(fx, moved):
    first = moved.entries.order_by("pk").first()
    OpportunityEntry.objects.filter(pk=first.pk).update(days_open=first.days_open + 3)
    assert ledger_problems() == [
        f"{moved.number}: entry {first.pk} has {first.days_open + 3} days open"
    ]


def test_the_ledger_check_sees_a_closed_opportunity_whose_active_entry_is_not_closing(fx, moved):
    Opportunity.objects.filter(pk=moved.pk).update(status="lost", date_closed=moved.creation_date)
    assert f"{moved.number}: lost but the active entry is updated" in ledger_problems()


def test_the_ledger_check_passes_a_won_opportunity_turned_lost_by_deleting_its_order(fx, moved):
    quote = services.create_quote(moved)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(2), unit_price=500)
    order = services.make_order(quote, close_code=fx.W_PRICE)
    services.delete_order(order)
    actions = list(moved.entries.order_by("pk").values_list("action_taken", flat=True))
    assert actions[-2:] == ["won", "lost"]
    assert ledger_problems() == []


def test_the_ledger_check_sees_an_opportunity_closed_twice(fx, moved):
    services.close_opportunity(moved, outcome="lost", close_code=fx.L_COMP)
    second = moved.entries.order_by("pk")[1]
    OpportunityEntry.objects.filter(pk=second.pk).update(action_taken="won")
    assert f"{moved.number}: closed more than once" in ledger_problems()


def test_the_ledger_check_sees_a_date_that_goes_back(fx, moved):
    last = moved.entries.get(active=True)
    earlier = last.date_of_change - datetime.timedelta(days=40)
    OpportunityEntry.objects.filter(pk=last.pk).update(date_of_change=earlier)
    assert f"{moved.number}: entry {last.pk} goes back in time" in ledger_problems()
