"""Two people act on the same opportunity at the same moment (PostgreSQL's row locks).

Each action runs in its own thread with its own database connection; a barrier starts them
together and every transaction holds its row lock a moment longer than it needs, so the two
really overlap. No update may be lost: the ledger stays consistent (one active entry, the days
open chain, the opportunity's figures equal to the active entry's) and the second action is
either refused or acts on the state the first one left.
"""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from opportunities import services
from opportunities.ledger import problems_of
from opportunities.models import Opportunity, OpportunityEntry, Quote, UpdateAction
from opportunities.services import Refusal
from tests.postgres import require_postgresql_database

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JAN_20 = datetime.date(2024, 1, 20)
HOLD_SECONDS = 0.3


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql_database("concurrent row locks are not testable on SQLite")


class HoldLocks:
    """Sleep after every SELECT ... FOR UPDATE, so that the lock is held while the other
    thread tries to take it."""

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "FOR UPDATE" in sql:
            time.sleep(HOLD_SECONDS)
        return result


def race(*actions):
    """Run the actions in threads started together; return ("ok", result) or ("refused",
    error) for each, in order. Any other exception fails the test."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def worker(index, action):
        try:
            with connection.execute_wrapper(HoldLocks()):
                prepared = action()  # reads its own stale copy, before the race starts
                barrier.wait(timeout=10)
                outcomes[index] = ("ok", prepared())
        except Refusal as refusal:
            outcomes[index] = ("refused", refusal)
        except BaseException as error:  # reported below, in the main thread
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, action))
        for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    for kind, value in outcomes:
        if kind == "error":
            raise value
    return outcomes


def copy_of(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


def assert_ledger_consistent(opportunity) -> list[OpportunityEntry]:
    opportunity = copy_of(opportunity)
    entries = list(opportunity.entries.order_by("pk"))
    assert problems_of(opportunity, entries) == []
    return entries


def next_action(opportunity, **options):
    def prepare():
        mine = copy_of(opportunity)
        return lambda: services.update_opportunity(
            mine, action=UpdateAction.NEXT, today=JAN_20, **options
        )

    return prepare


def close_action(fx, opportunity, **options):
    def prepare():
        mine = copy_of(opportunity)
        return lambda: services.close_opportunity(
            mine, outcome="lost", close_code=fx.L_COMP, today=JAN_20, **options
        )

    return prepare


def test_two_nexts_at_once_move_two_stages_without_losing_either(fx):
    opportunity = fx.create_opp_a()

    outcomes = race(next_action(opportunity), next_action(opportunity))

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    entries = assert_ledger_consistent(opportunity)
    assert [entry.stage.stage for entry in entries] == [1, 2, 3]
    assert [entry.previous_stage for entry in entries] == [None, 1, 2]
    assert copy_of(opportunity).current_stage == fx.stages[3]
    assert {result.pk for _, result in outcomes} == {entries[1].pk, entries[2].pk}


def test_two_nexts_from_forms_opened_on_the_same_version_apply_one_and_refuse_the_other(fx):
    opportunity = fx.create_opp_a()
    version = copy_of(opportunity).version

    outcomes = race(
        next_action(opportunity, expected_version=version),
        next_action(opportunity, expected_version=version),
    )

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"]
    refusal = next(value for kind, value in outcomes if kind == "refused")
    assert refusal.code == "stale"
    entries = assert_ledger_consistent(opportunity)
    assert [entry.stage.stage for entry in entries] == [1, 2]
    assert copy_of(opportunity).version == version + 1


def test_next_against_close_leaves_a_closed_opportunity_with_a_consistent_ledger(fx):
    opportunity = fx.create_opp_a()

    (next_kind, next_value), (close_kind, _) = race(
        next_action(opportunity), close_action(fx, opportunity)
    )

    assert close_kind == "ok"
    entries = assert_ledger_consistent(opportunity)
    closed = copy_of(opportunity)
    assert closed.status == Opportunity.Status.LOST
    if next_kind == "ok":  # next went first; the close acted on stage 2
        assert [entry.action_taken for entry in entries] == ["first", "next", "lost"]
        assert entries[-1].previous_stage == 2
    else:  # the close went first; next found it closed
        assert next_value.code == "closed"
        assert [entry.action_taken for entry in entries] == ["first", "lost"]
        assert entries[-1].previous_stage == 1


def test_two_closes_at_once_close_once(fx):
    opportunity = fx.create_opp_a()

    outcomes = race(close_action(fx, opportunity), close_action(fx, opportunity))

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert next(value for kind, value in outcomes if kind == "refused").code == "closed"
    entries = assert_ledger_consistent(opportunity)
    assert [entry.action_taken for entry in entries] == ["first", "lost"]


def test_two_quotes_at_once_make_one_quote(fx):
    opportunity = fx.create_opp_a()

    def quote_action():
        mine = copy_of(opportunity)
        return lambda: services.create_quote(mine, today=JAN_20)

    outcomes = race(quote_action, quote_action)

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert next(value for kind, value in outcomes if kind == "refused").code == "quote_exists"
    assert Quote.objects.count() == 1
    assert copy_of(opportunity).quote == Quote.objects.get()


def test_two_creations_at_once_get_different_numbers(fx):
    def create_action():
        return lambda: fx.create_opp_a(estimated_value=Decimal(500))

    outcomes = race(create_action, create_action)

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    numbers = {opportunity.number for _, opportunity in outcomes}
    assert numbers == {"OP000001", "OP000002"}
