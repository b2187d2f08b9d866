"""Deleting opportunities, one or a batch: only closed ones, with their entries.

Deleting is a database-level fast delete: the entries reference their opportunity with
`DB_CASCADE`, so Django deletes opportunities with one DELETE per batch and the database
removes the entries; the batch job works in chunks, one DELETE each.

A refusal asserts its code and that nothing was written (`assert_refused`).
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.deletion import Collector
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact, Salesperson
from opportunities import services
from opportunities.models import (
    EntryAction,
    Opportunity,
    OpportunityEntry,
    Quote,
    SalesOrder,
    UpdateAction,
)
from opportunities.services.deletion import (
    MAX_CHUNK_SIZE,
    delete_closed_opportunities_for_a_while,
)
from salescycles.models import SalesCycle
from tests.opportunities.steps import FEB_10, JAN_20, next_on_jan_20, reloaded
from tests.snapshots import assert_refused, database_state

D = datetime.date
JAN_31 = D(2024, 1, 31)


def delete_statements(queries, table=None) -> list[str]:
    statements = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    if table is not None:
        statements = [sql for sql in statements if table in sql.split("WHERE")[0]]
    return statements


OPPORTUNITY_TABLE = Opportunity._meta.db_table
ENTRY_TABLE = OpportunityEntry._meta.db_table


class Ledger:
    """Opportunities with a ledger, written in bulk (no services: thousands in a second)."""

    def __init__(self, fx):
        self.fx = fx
        self.next_number = 100000

    def add(
        self,
        count,
        *,
        status="won",
        date_closed=JAN_31,
        salesperson=None,
        contact=None,
        sales_cycle=None,
    ) -> list[Opportunity]:
        fx = self.fx
        salesperson = salesperson or fx.JO
        contact = contact or fx.CT100
        sales_cycle = sales_cycle or fx.STD
        closed = status in Opportunity.CLOSED_STATUSES
        opportunities = []
        for _ in range(count):
            self.next_number += 1
            opportunities.append(
                Opportunity(
                    number=f"OP{self.next_number:06d}",
                    description="Bulk deal",
                    contact=contact,
                    salesperson=salesperson,
                    sales_cycle=sales_cycle,
                    status=status,
                    creation_date=D(2024, 1, 2),
                    date_closed=date_closed if closed else None,
                    current_stage=None if closed else fx.stages[2],
                    estimated_value=Decimal(1000),
                )
            )
        opportunities = Opportunity.objects.bulk_create(opportunities)
        entries = []
        for opportunity in opportunities:
            common = {
                "opportunity": opportunity,
                "sales_cycle": sales_cycle,
                "contact": contact,
                "salesperson": salesperson,
                "estimated_value": Decimal(1000),
            }
            entries.append(
                OpportunityEntry(
                    **common,
                    stage=fx.stages[1],
                    date_of_change=D(2024, 1, 2),
                    days_open=3,
                    active=False,
                    action_taken=EntryAction.FIRST,
                )
            )
            entries.append(
                OpportunityEntry(
                    **common,
                    stage=fx.stages[2],
                    date_of_change=D(2024, 1, 5),
                    days_open=(date_closed - D(2024, 1, 5)).days if closed else 0,
                    active=not closed,
                    action_taken=EntryAction.NEXT,
                    previous_stage=1,
                )
            )
            if closed:
                entries.append(
                    OpportunityEntry(
                        **common,
                        date_of_change=date_closed,
                        date_closed=date_closed,
                        active=True,
                        action_taken=status,
                        previous_stage=2,
                    )
                )
        OpportunityEntry.objects.bulk_create(entries, batch_size=2000)
        return opportunities


@pytest.fixture
def ledger(fx):
    return Ledger(fx)


# --- one opportunity -----------------------------------------------------------------------


def test_deleting_a_won_opportunity_removes_it_and_its_entries(fx, opp_a):
    next_on_jan_20(opp_a)
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=FEB_10
    )
    assert OpportunityEntry.objects.filter(opportunity_id=opp_a.pk).count() == 3

    services.delete_opportunity(opp_a)

    assert not Opportunity.objects.filter(pk=opp_a.pk).exists()
    assert not OpportunityEntry.objects.filter(opportunity_id=opp_a.pk).exists()


def test_deleting_an_opportunity_in_progress_is_refused_as_not_closed(fx, opp_a):
    error = assert_refused("not_closed", services.delete_opportunity, opp_a)
    assert error.messages == ["You can only delete closed opportunities."]


def test_deleting_a_not_started_opportunity_is_refused_as_not_closed(fx, not_started):
    assert_refused("not_closed", services.delete_opportunity, not_started)


def test_the_model_refuses_to_delete_an_open_opportunity(fx, opp_a):
    assert_refused("not_closed", reloaded(opp_a).delete)


def test_a_delete_based_on_a_stale_version_is_refused(fx, opp_a):
    seen = reloaded(opp_a).version
    services.update_opportunity(reloaded(opp_a), action=UpdateAction.UPDATE, today=JAN_20)
    error = assert_refused("stale", services.delete_opportunity, opp_a, expected_version=seen)
    assert opp_a.number in error.messages[0]


# --- a batch: the three opportunities of the fixture's story --------------------------------


@pytest.fixture
def batch(fx):
    """OP1 won by JO on 2024-01-31, OP2 lost by AH on 2024-02-10, OP3 in progress by JO."""
    op1 = fx.create_opp_a(description="OP1")
    services.close_opportunity(
        op1, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=JAN_31
    )
    op2 = fx.create_opp_a(description="OP2", salesperson=fx.AH)
    services.close_opportunity(op2, outcome="lost", close_code=fx.L_COMP, today=FEB_10)
    op3 = fx.create_opp_a(description="OP3")
    return op1, op2, op3


def remaining():
    return set(Opportunity.objects.values_list("description", flat=True))


def test_batch_deletion_by_salesperson_deletes_only_their_closed_opportunities(fx, batch):
    assert services.delete_closed_opportunities(salesperson=fx.JO) == 1
    assert remaining() == {"OP2", "OP3"}


def test_batch_deletion_by_date_closed_deletes_only_those_closed_in_the_range(fx, batch):
    deleted = services.delete_closed_opportunities(
        date_closed_from=D(2024, 2, 1), date_closed_to=D(2024, 2, 29)
    )
    assert deleted == 1
    assert remaining() == {"OP1", "OP3"}


def test_batch_deletion_without_filters_deletes_every_closed_opportunity(fx, batch):
    """OP3, in progress, stays with its entries."""
    *_, op3 = batch
    assert services.delete_closed_opportunities() == 2
    assert remaining() == {"OP3"}
    assert set(OpportunityEntry.objects.values_list("opportunity_id", flat=True)) == {op3.pk}


def test_batch_deletion_dry_run_counts_and_deletes_nothing(fx, batch):
    before = database_state(setup=True)
    assert services.delete_closed_opportunities(dry_run=True) == 2
    assert services.delete_closed_opportunities(salesperson=fx.JO, dry_run=True) == 1
    assert database_state(setup=True) == before


def test_batch_deletion_never_deletes_open_opportunities(fx, opp_a, not_started):
    before = database_state(setup=True)
    assert services.delete_closed_opportunities() == 0
    assert database_state(setup=True) == before


# --- how it deletes: one statement per chunk -------------------------------------------------


def test_opportunities_can_be_fast_deleted():
    assert Collector(using="default").can_fast_delete(Opportunity.objects.all())


def test_entries_are_deleted_by_the_database_not_by_django():
    field = OpportunityEntry._meta.get_field("opportunity")
    assert field.remote_field.on_delete.__name__ == "DB_CASCADE"


def test_deleting_one_opportunity_is_one_statement_and_the_database_removes_its_entries(fx):
    opportunity = fx.create_opp_a()
    services.update_opportunity(opportunity, action=UpdateAction.NEXT, today=D(2024, 1, 20))
    services.close_opportunity(
        opportunity, outcome="lost", close_code=fx.L_COMP, today=D(2024, 1, 25)
    )
    other = fx.create_opp_a()
    assert OpportunityEntry.objects.filter(opportunity_id=opportunity.pk).count() == 3

    with CaptureQueriesContext(connection) as queries:
        services.delete_opportunity(opportunity)

    assert len(delete_statements(queries)) == 1
    assert delete_statements(queries, OPPORTUNITY_TABLE)
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert not OpportunityEntry.objects.filter(opportunity_id=opportunity.pk).exists()
    assert OpportunityEntry.objects.filter(opportunity_id=other.pk).count() == 1


def test_deleting_an_opportunity_keeps_its_quote_and_order(fx):
    opportunity = fx.create_opp_a()
    quote = services.create_quote(opportunity, today=D(2024, 1, 20))
    services.add_quote_line(quote, description="Desk", quantity=Decimal(1), unit_price=500)
    order = services.make_order(quote, close_code=fx.W_PRICE, today=D(2024, 1, 25))

    services.delete_opportunity(Opportunity.objects.get(pk=opportunity.pk))

    assert Quote.objects.filter(pk=quote.pk, status=Quote.Status.CONVERTED).exists()
    assert SalesOrder.objects.filter(pk=order.pk).exists()


def test_thousands_of_closed_opportunities_go_in_one_delete_per_chunk(fx, ledger):
    ledger.add(1500, status="won")
    ledger.add(1500, status="lost", date_closed=D(2024, 2, 10))
    in_progress = ledger.add(7, status="in_progress")
    not_started = fx.create_opp_a(activate_first_stage=False)
    assert OpportunityEntry.objects.count() == 3000 * 3 + 7 * 2
    reported = []

    with CaptureQueriesContext(connection) as queries:
        deleted = services.delete_closed_opportunities(chunk_size=1000, progress=reported.append)

    assert deleted == 3000
    assert reported == [1000, 2000, 3000]
    assert len(delete_statements(queries)) == 3
    assert len(delete_statements(queries, OPPORTUNITY_TABLE)) == 3
    assert not delete_statements(queries, ENTRY_TABLE)
    # a chunk is one short read of its boundary and one DELETE, nothing per row
    assert len(queries.captured_queries) < 30
    assert set(Opportunity.objects.values_list("pk", flat=True)) == {
        *(opportunity.pk for opportunity in in_progress),
        not_started.pk,
    }
    assert OpportunityEntry.objects.count() == 7 * 2
    assert not OpportunityEntry.objects.exclude(
        opportunity_id__in=[opportunity.pk for opportunity in in_progress]
    ).exists()


def test_a_selection_that_is_not_a_multiple_of_the_chunk_size_ends_with_a_short_chunk(ledger):
    ledger.add(25)
    reported = []
    with CaptureQueriesContext(connection) as queries:
        assert services.delete_closed_opportunities(chunk_size=10, progress=reported.append) == 25
    assert reported == [10, 20, 25]
    assert len(delete_statements(queries)) == 3
    assert not Opportunity.objects.exists()


def test_nothing_to_delete_reports_zero(fx, ledger):
    ledger.add(3, status="in_progress")
    reported = []
    assert services.delete_closed_opportunities(progress=reported.append) == 0
    assert reported == [0]
    assert Opportunity.objects.count() == 3


def test_a_dry_run_counts_and_deletes_nothing(ledger):
    ledger.add(40, status="won")
    ledger.add(2, status="in_progress")
    with CaptureQueriesContext(connection) as queries:
        assert services.delete_closed_opportunities(dry_run=True) == 40
    assert not delete_statements(queries)
    assert Opportunity.objects.count() == 42
    assert OpportunityEntry.objects.count() == 40 * 3 + 2 * 2


def test_the_number_range_filter(ledger):
    opportunities = ledger.add(10)
    numbers = [opportunity.number for opportunity in opportunities]

    deleted = services.delete_closed_opportunities(number_from=numbers[2], number_to=numbers[5])

    assert deleted == 4
    assert sorted(Opportunity.objects.values_list("number", flat=True)) == (
        numbers[:2] + numbers[6:]
    )
    assert services.delete_closed_opportunities(number_from=numbers[8]) == 2
    assert services.delete_closed_opportunities(number_to=numbers[0]) == 1
    assert sorted(Opportunity.objects.values_list("number", flat=True)) == [
        numbers[1],
        numbers[6],
        numbers[7],
    ]


def test_the_date_closed_filter_includes_both_ends(ledger):
    for day in (9, 10, 11, 20, 21):
        ledger.add(1, date_closed=D(2024, 2, day))

    deleted = services.delete_closed_opportunities(
        date_closed_from=D(2024, 2, 10), date_closed_to=D(2024, 2, 20)
    )

    assert deleted == 3
    assert sorted(Opportunity.objects.values_list("date_closed", flat=True)) == [
        D(2024, 2, 9),
        D(2024, 2, 21),
    ]


def test_the_salesperson_filter(fx, ledger):
    ledger.add(3, salesperson=fx.JO)
    ledger.add(2, salesperson=fx.AH, status="lost")
    assert services.delete_closed_opportunities(salesperson=fx.AH) == 2
    assert set(Opportunity.objects.values_list("salesperson__code", flat=True)) == {"JO"}


def test_the_contact_filter(fx, ledger):
    ledger.add(3, contact=fx.CT100)
    ledger.add(2, contact=fx.CT200)
    assert services.delete_closed_opportunities(contact=fx.CT200) == 2
    assert set(Opportunity.objects.values_list("contact__number", flat=True)) == {"CT100"}


def test_the_sales_cycle_filter(fx, ledger):
    other = SalesCycle.objects.create(code="OTHER", description="Other")
    ledger.add(3, sales_cycle=fx.STD)
    ledger.add(4, sales_cycle=other)
    assert services.delete_closed_opportunities(sales_cycle=other, dry_run=True) == 4
    assert services.delete_closed_opportunities(sales_cycle=other) == 4
    assert set(Opportunity.objects.values_list("sales_cycle__code", flat=True)) == {"STD"}


def test_filters_combine(fx, ledger):
    ledger.add(2, salesperson=fx.JO, date_closed=D(2024, 1, 31))
    ledger.add(3, salesperson=fx.JO, date_closed=D(2024, 2, 10))
    ledger.add(4, salesperson=fx.AH, date_closed=D(2024, 2, 10))
    ledger.add(1, salesperson=fx.JO, status="in_progress")
    deleted = services.delete_closed_opportunities(
        salesperson=fx.JO, date_closed_from=D(2024, 2, 1)
    )
    assert deleted == 3
    assert Opportunity.objects.count() == 2 + 4 + 1


def test_setup_data_can_be_deleted_once_its_closed_opportunities_are(fx, ledger):
    """Setup data in use is protected; once its closed opportunities are deleted, it goes."""
    salesperson = Salesperson.objects.create(code="GONE", name="Gone")
    contact = Contact.objects.create(name="Gone Inc", salesperson=salesperson)
    ledger.add(3, salesperson=salesperson, contact=contact)

    services.delete_closed_opportunities(salesperson=salesperson)
    contact.delete()
    salesperson.delete()

    assert not Salesperson.objects.filter(code="GONE").exists()


@pytest.mark.parametrize("size", [0, -1, MAX_CHUNK_SIZE + 1, 10**30])
def test_a_chunk_size_out_of_range_is_refused_before_anything_is_deleted(ledger, size):
    ledger.add(3)
    with pytest.raises(ValueError, match="chunk size"):
        services.delete_closed_opportunities(chunk_size=size)
    with pytest.raises(ValueError, match="chunk size"):
        delete_closed_opportunities_for_a_while(seconds=1, chunk_size=size)
    assert Opportunity.objects.count() == 3
    assert OpportunityEntry.objects.count() == 3 * 3
