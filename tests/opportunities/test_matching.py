"""The batch deletion's selection, one QuerySet method (`matching`) for the service, the batch
page's preview and the command: each filter narrows it, an empty one does not."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from opportunities import services
from opportunities.forms import BatchDeleteForm
from opportunities.models import Opportunity
from tests.factories import SalesCycleFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def batch(fx):
    """OP000001 won by JO for CT100, closed 2024-01-31; OP000002 lost by AH for CT200, closed
    2024-02-10; OP000003 in progress; OP000004 lost by JO for CT101 (CT100's person), closed
    2024-02-20."""
    op1 = fx.create_opp_a(description="OP1")
    services.close_opportunity(
        op1, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=D(2024, 1, 31)
    )
    op2 = fx.create_opp_a(description="OP2", salesperson=fx.AH, contact=fx.CT200)
    services.close_opportunity(op2, outcome="lost", close_code=fx.L_COMP, today=D(2024, 2, 10))
    op3 = fx.create_opp_a(description="OP3")
    op4 = fx.create_opp_a(description="OP4", contact=fx.CT101)
    services.close_opportunity(op4, outcome="lost", close_code=fx.L_COMP, today=D(2024, 2, 20))
    return op1, op2, op3, op4


def selected(**filters) -> list[str]:
    return sorted(
        Opportunity.objects.closed().matching(**filters).values_list("description", flat=True)
    )


def test_without_filters_every_closed_opportunity_matches(fx, batch):
    assert selected() == ["OP1", "OP2", "OP4"]


def test_empty_filters_do_not_narrow(fx, batch):
    empty = dict.fromkeys(("number_from", "number_to", "date_closed_from", "date_closed_to"), "")
    assert selected(**empty, salesperson=None, contact=None, sales_cycle=None) == [
        "OP1",
        "OP2",
        "OP4",
    ]


def test_the_number_range_includes_both_ends(fx, batch):
    assert selected(number_from="OP000002", number_to="OP000004") == ["OP2", "OP4"]
    assert selected(number_to="OP000002") == ["OP1", "OP2"]


def test_the_closing_date_range_includes_both_ends(fx, batch):
    assert selected(date_closed_from=D(2024, 2, 10)) == ["OP2", "OP4"]
    assert selected(date_closed_from=D(2024, 1, 31), date_closed_to=D(2024, 2, 10)) == [
        "OP1",
        "OP2",
    ]


def test_salesperson_contact_and_cycle_narrow_to_theirs(fx, batch):
    assert selected(salesperson=fx.AH) == ["OP2"]
    assert selected(contact=fx.CT100) == ["OP1"]  # the contact itself, not its persons
    assert selected(sales_cycle=fx.STD) == ["OP1", "OP2", "OP4"]
    assert selected(sales_cycle=SalesCycleFactory()) == []


def test_the_filters_combine(fx, batch):
    assert selected(salesperson=fx.JO, date_closed_from=D(2024, 2, 1)) == ["OP4"]


def test_open_opportunities_match_only_without_closed(fx, batch):
    everything = Opportunity.objects.matching(salesperson=fx.JO)
    assert sorted(everything.values_list("description", flat=True)) == ["OP1", "OP3", "OP4"]


def test_the_service_deletes_what_matches(fx, batch):
    filters = {"salesperson": fx.JO, "date_closed_to": D(2024, 2, 15)}
    assert selected(**filters) == ["OP1"]
    assert services.delete_closed_opportunities(**filters, dry_run=True) == 1
    assert services.delete_closed_opportunities(**filters) == 1
    assert sorted(Opportunity.objects.values_list("description", flat=True)) == [
        "OP2",
        "OP3",
        "OP4",
    ]


def test_the_batch_forms_preview_selects_what_matches(fx, batch):
    form = BatchDeleteForm({"date_closed_from": "2024-02-01", "salesperson": "JO"})
    assert form.is_valid(), form.errors
    assert sorted(form.selected().values_list("description", flat=True)) == ["OP4"]


def test_the_commands_dry_run_counts_what_matches(fx, batch):
    out = StringIO()
    call_command("delete_opportunities", "--closed-from", "2024-02-01", "--dry-run", stdout=out)
    assert "Would delete 2 closed opportunities" in out.getvalue()
    assert Opportunity.objects.count() == 4


def test_a_filter_that_is_not_one_is_a_programming_error(fx, batch):
    with pytest.raises(TypeError, match="salesman"):
        Opportunity.objects.matching(salesman=fx.JO)
    with pytest.raises(TypeError, match="salesman"):
        services.delete_closed_opportunities(salesman=fx.JO)
    assert Opportunity.objects.count() == 4
