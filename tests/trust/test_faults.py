"""A database failure at any statement of an action leaves nothing half-written."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, Quote, SalesOrder
from tests.snapshots import database_state

DAY = datetime.date(2024, 1, 20)


class FailAt:
    """Raise a DatabaseError instead of running the `index`-th statement (0-based)."""

    def __init__(self, index: int):
        self.index = index
        self.seen = 0

    def __call__(self, execute, sql, params, many, context):
        position = self.seen
        self.seen += 1
        if position == self.index:
            raise DatabaseError(f"injected failure at statement {position}: {sql[:60]}")
        return execute(sql, params, many, context)


def statements_of(action) -> int:
    """How many statements the action runs when nothing fails (run inside a rolled-back block)."""
    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                action()
                raise _Rollback
        except _Rollback:
            pass
    return len(
        [q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    )


class _Rollback(Exception):
    pass


def assert_every_statement_failure_is_clean(action):
    count = statements_of(action)
    assert count >= 3
    before = database_state()
    for index in range(count):
        with pytest.raises(DatabaseError), connection.execute_wrapper(FailAt(index)):
            action()
        assert database_state() == before, f"half-written after a failure at statement {index}"
    action()  # and the next attempt, with a working database, goes through
    assert database_state() != before
    return count


def fresh(fx):
    return Opportunity.objects.get(pk=fx.create_opp_a().pk)


ACTIONS = {
    "next": lambda fx, opp: services.update_opportunity(opp, action="next", today=DAY),
    "skip": lambda fx, opp: services.update_opportunity(
        opp, action="skip", to_stage=fx.stages[3], today=DAY
    ),
    "update": lambda fx, opp: services.update_opportunity(
        opp, action="update", estimated_value=Decimal(12000), today=DAY
    ),
    "close won": lambda fx, opp: services.close_opportunity(
        opp, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=DAY
    ),
    "close lost": lambda fx, opp: services.close_opportunity(
        opp, outcome="lost", close_code=fx.L_COMP, today=DAY
    ),
    "create quote": lambda fx, opp: services.create_quote(opp, today=DAY),
}


@pytest.mark.parametrize("name", ACTIONS)
def test_a_failure_at_any_statement_of_an_action_writes_nothing(fx, name):
    opportunity = fresh(fx)
    action = ACTIONS[name]
    assert_every_statement_failure_is_clean(
        lambda: action(fx, Opportunity.objects.get(pk=opportunity.pk))
    )


def test_a_failure_at_any_statement_of_make_order_writes_nothing(fx):
    opportunity = fresh(fx)
    quote = services.create_quote(opportunity, today=DAY)
    services.add_quote_line(quote, description="Desk", quantity=Decimal(2), unit_price=Decimal(500))
    count = assert_every_statement_failure_is_clean(
        lambda: services.make_order(
            Quote.objects.get(pk=quote.pk), close_code=fx.W_PRICE, today=DAY
        )
    )
    assert SalesOrder.objects.count() == 1
    assert count >= 8


def test_a_failure_at_any_statement_of_a_deletion_chunk_writes_nothing_of_that_chunk(fx):
    for _ in range(3):
        opportunity = fresh(fx)
        services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP, today=DAY)
    count = assert_every_statement_failure_is_clean(
        lambda: services.delete_closed_opportunities(chunk_size=10)
    )
    assert count >= 2
    assert not Opportunity.objects.exists()
    assert not OpportunityEntry.objects.exists()
