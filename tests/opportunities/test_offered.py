"""What is offered on an opportunity (`services.offered`): its update actions and the commands
pages show, one answer that the services then accept."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from opportunities import services
from opportunities.models import Opportunity, UpdateAction
from tests.factories import OpportunityFactory, SalesCycleFactory
from tests.opportunities.steps import quote_with_total, reloaded
from tests.snapshots import assert_refused

pytestmark = pytest.mark.django_db

COMMANDS = ("activate", "update", "close", "create_quote", "delete")


class RolledBack(Exception):
    pass


def accepted(fx, opportunity, command: str) -> bool:
    """Whether the command's service accepts it now (its writes undone either way)."""
    run = {
        "activate": lambda: services.activate_first_stage(opportunity),
        "update": lambda: services.update_opportunity(
            opportunity, action=UpdateAction.UPDATE, estimated_value=Decimal(100)
        ),
        "close": lambda: services.close_opportunity(
            opportunity, outcome="lost", close_code=fx.L_COMP
        ),
        "create_quote": lambda: services.create_quote(opportunity),
        "delete": lambda: services.delete_opportunity(opportunity),
    }[command]
    try:
        with transaction.atomic():
            run()
            raise RolledBack
    except RolledBack:
        return True
    except ValidationError:
        return False


@pytest.fixture
def without_stages(fx):
    """A not-started opportunity on a cycle that has no stages."""
    return OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=SalesCycleFactory())


def test_activate_is_not_offered_on_a_cycle_without_stages(fx, without_stages):
    assert services.offered(without_stages).commands == {"close"}
    assert_refused("no_stages", services.activate_first_stage, without_stages)


def test_a_not_started_opportunity_offers_activate_close_and_its_first_stage(fx, not_started):
    offer = services.offered(not_started)
    assert offer.commands == {"activate", "close"}
    assert offer.actions == {UpdateAction.FIRST: [fx.stages[1]]}


def test_an_in_progress_opportunity_of_a_company_offers_a_quote_until_it_has_one(fx, opp_a):
    assert services.offered(opp_a).commands == {"update", "close", "create_quote"}
    quote_with_total(opp_a, Decimal(9500))
    assert services.offered(reloaded(opp_a)).commands == {"update", "close"}


def test_an_in_progress_opportunity_of_a_person_offers_no_quote(fx):
    opportunity = fx.create_opp_a(contact=fx.CT300)
    assert services.offered(opportunity).commands == {"update", "close"}


def test_a_closed_opportunity_offers_only_delete_and_reads_nothing(lost, django_assert_num_queries):
    with django_assert_num_queries(0):
        offer = services.offered(lost)
    assert offer.commands == {"delete"}
    assert offer.actions == {}


def test_the_stages_given_are_used_instead_of_a_query(fx, opp_a, django_assert_num_queries):
    read = services.offered(reloaded(opp_a))
    expected = (read.commands, read.actions)
    stages = list(fx.STD.stages.order_by("stage"))
    # As a list row comes: with what it shows of other tables.
    opportunity = Opportunity.objects.select_related("contact", "current_stage").get(pk=opp_a.pk)
    with django_assert_num_queries(0):
        given = services.offered(opportunity, stages=stages)
        assert (given.commands, given.actions) == expected


STATES = ["not_started", "without_stages", "opp_a", "lost"]


def test_a_page_reads_whether_its_cycles_have_stages_once_for_its_rows_on_no_stage(
    fx, request, django_assert_num_queries
):
    opportunities = [request.getfixturevalue(state) for state in STATES]
    rows = list(
        Opportunity.objects.select_related("contact").filter(
            pk__in=[opportunity.pk for opportunity in opportunities]
        )
    )
    with django_assert_num_queries(1):
        found = services.has_stages_by_cycle(rows)
    assert found == {fx.STD.pk: True, opportunities[1].sales_cycle_id: False}
    with django_assert_num_queries(0):
        commands = {
            row.pk: services.offered(row, has_stages=found.get(row.sales_cycle_id)).commands
            for row in rows
        }
    assert commands == {
        opportunity.pk: services.offered(reloaded(opportunity)).commands
        for opportunity in opportunities
    }


def test_a_page_learns_its_cycles_stages_in_one_query_whatever_its_rows(
    fx, opp_a, lost, django_assert_num_queries
):
    rows = [reloaded(opp_a), reloaded(lost)]
    with django_assert_num_queries(1):
        assert services.has_stages_by_cycle(rows) == {fx.STD.pk: True}
    with django_assert_num_queries(0):
        assert services.has_stages_by_cycle([]) == {}


def test_the_actions_are_read_when_asked_for_and_only_once(fx, opp_a, django_assert_num_queries):
    opportunity = Opportunity.objects.select_related("sales_cycle").get(pk=opp_a.pk)
    offer = services.offered(opportunity, has_stages=True)
    with django_assert_num_queries(1):
        assert set(offer.actions) == {UpdateAction.NEXT, UpdateAction.SKIP, UpdateAction.UPDATE}
        assert offer.actions[UpdateAction.NEXT] == [fx.stages[2]]


def test_available_actions_are_the_actions_of_the_offer(fx, on_stage_3):
    offer = services.offered(on_stage_3)
    assert services.available_actions(on_stage_3) == offer.actions
    assert set(offer.actions) == {
        UpdateAction.NEXT,
        UpdateAction.PREVIOUS,
        UpdateAction.JUMP,
        UpdateAction.UPDATE,
    }


@pytest.mark.parametrize(
    "state", ["not_started", "without_stages", "opp_a", "person", "quoted", "won", "lost"]
)
def test_every_command_offered_is_accepted_and_every_other_is_refused(fx, request, state):
    if state == "person":
        opportunity = fx.create_opp_a(contact=fx.CT300)
    elif state == "quoted":
        opportunity = request.getfixturevalue("opp_a")
        quote_with_total(opportunity, Decimal(9500))
        opportunity = reloaded(opportunity)
    else:
        opportunity = request.getfixturevalue(state)
    commands = services.offered(opportunity).commands
    accepted_now = {command for command in COMMANDS if accepted(fx, reloaded(opportunity), command)}
    assert accepted_now == commands
