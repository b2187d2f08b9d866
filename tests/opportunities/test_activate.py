"""Activating the first stage of a not-started opportunity (`services.activate_first_stage`, and
the update's action "first"): it starts at zero value with the stage's defaults.

A refusal asserts its code and that nothing was written (`assert_refused`).
"""

from decimal import Decimal

import pytest

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, UpdateAction
from salescycles import formulas
from salescycles.models import SalesCycle
from tests.opportunities.steps import JAN_20, D, reloaded
from tests.snapshots import assert_refused

PAST_THE_LAST = formulas.LAST_DATE + D.resolution
BEFORE_THE_FIRST = formulas.FIRST_DATE - D.resolution


def test_activating_later_starts_at_zero_value_with_the_stage_defaults(fx, not_started):
    entry = services.activate_first_stage(not_started, today=D(2024, 1, 15))

    entry.refresh_from_db()
    assert entry.action_taken == OpportunityEntry.Action.FIRST
    assert entry.stage == fx.stages[1]
    assert entry.chances_of_success == 20
    assert entry.completed == 10
    assert entry.probability == 2
    assert entry.estimated_value == 0
    assert entry.calcd_current_value == 0
    assert entry.estimated_close_date == D(2024, 1, 22)
    opportunity = reloaded(not_started)
    assert opportunity.status == Opportunity.Status.IN_PROGRESS
    assert opportunity.current_stage == fx.stages[1]
    assert opportunity.estimated_close_date == D(2024, 1, 22)


def test_activating_on_a_cycle_without_stages_is_refused(fx):
    empty = SalesCycle.objects.create(code="EMPTY", description="No stages")
    opportunity = fx.create_opp_a(sales_cycle=empty, activate_first_stage=False)
    assert_refused("no_stages", services.activate_first_stage, opportunity, today=JAN_20)


def test_activating_a_closed_opportunity_is_refused(fx, lost):
    assert_refused("closed", services.activate_first_stage, lost, today=D(2024, 2, 10))


def test_activating_an_opportunity_in_progress_is_refused(fx, opp_a):
    assert_refused("action_not_offered", services.activate_first_stage, opp_a, today=JAN_20)


def test_first_is_not_offered_once_started(fx, opp_a):
    assert_refused(
        "action_not_offered",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.FIRST,
        today=JAN_20,
    )


def test_activation_based_on_a_stale_version_is_refused(fx, not_started):
    version = reloaded(not_started).version
    Opportunity.objects.filter(pk=not_started.pk).update(version=version + 1)
    assert_refused("stale", services.activate_first_stage, not_started, expected_version=version)


def test_activation_with_the_current_version_goes_through(fx, not_started):
    version = reloaded(not_started).version
    services.activate_first_stage(not_started, today=JAN_20, expected_version=version)
    opportunity = reloaded(not_started)
    assert opportunity.status == Opportunity.Status.IN_PROGRESS
    assert opportunity.version == version + 1


def test_first_through_the_update_needs_an_estimated_value(fx, not_started):
    assert_refused(
        "estimated_value_required",
        services.update_opportunity,
        not_started,
        action=UpdateAction.FIRST,
        today=JAN_20,
    )


@pytest.mark.parametrize("date", [D(1, 1, 1), BEFORE_THE_FIRST, PAST_THE_LAST])
def test_the_first_stage_on_a_date_out_of_range_is_refused(fx, not_started, date):
    assert_refused(
        "date_out_of_range",
        services.update_opportunity,
        not_started,
        action=UpdateAction.FIRST,
        date_of_change=date,
        estimated_value=Decimal(100),
        estimated_close_date=max(date, PAST_THE_LAST),
        today=JAN_20,
    )
