"""Updating an opportunity in progress (`services.update_opportunity`): next, skip, previous,
jump and update, the targets each offers, the figures of the new entry, and the checks that
refuse an update, in the order they run (the first failure wins).

A refusal asserts its code and that nothing was written (`assert_refused`). The code
`date_required` has no test: every date a service takes has a default, so no call can lack one.
"""

from decimal import Decimal

import pytest

from opportunities import services
from opportunities.models import OpportunityEntry, Quote, UpdateAction
from salescycles import formulas
from salescycles.models import SalesCycle, SalesCycleStage
from tests.opportunities.steps import (
    COLUMN_MAXIMUM,
    FEB_10,
    JAN_20,
    LARGEST,
    D,
    entries_of,
    next_on_jan_20,
    put_on_stage,
    quote_with_total,
    reloaded,
)
from tests.snapshots import assert_refused

PAST_THE_LAST = formulas.LAST_DATE + D.resolution


# --- next ----------------------------------------------------------------------------------


def test_next_moves_to_the_following_stage_with_its_defaults(fx, opp_a):
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
    fx.STD.probability_calculation = method
    fx.STD.save()

    entry = next_on_jan_20(opp_a)

    entry.refresh_from_db()
    assert entry.probability == probability
    assert entry.calcd_current_value == current_value
    opportunity = reloaded(opp_a)
    assert opportunity.probability == probability
    assert opportunity.calcd_current_value == current_value


def test_next_is_not_offered_on_the_last_stage_but_update_is(fx, opp_a):
    put_on_stage(fx, opp_a, 5)
    opportunity = reloaded(opp_a)
    actions = services.available_actions(opportunity)
    assert UpdateAction.NEXT not in actions
    assert actions[UpdateAction.UPDATE] == [fx.stages[5]]

    assert_refused(
        "action_not_offered", services.update_opportunity, opportunity, action=UpdateAction.NEXT
    )

    entry = services.update_opportunity(
        opportunity, action=UpdateAction.UPDATE, estimated_value=Decimal(11000), today=JAN_20
    )
    assert entry.stage == fx.stages[5]
    assert entry.action_taken == OpportunityEntry.Action.UPDATED


def test_days_open_chain_along_the_ledger(fx, opp_a):
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)
    services.update_opportunity(opp_a, action=UpdateAction.UPDATE, today=D(2024, 2, 1))

    assert [entry.days_open for entry in entries_of(opp_a)] == [5, 12, 0]
    assert [entry.active for entry in entries_of(opp_a)] == [False, False, True]


# --- update --------------------------------------------------------------------------------


def test_update_changes_the_figures_without_changing_the_stage(fx, opp_a):
    next_entry = next_on_jan_20(opp_a)

    entry = services.update_opportunity(
        opp_a,
        action=UpdateAction.UPDATE,
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


def test_an_update_without_an_estimated_value_keeps_the_previous_one(fx, opp_a):
    services.update_opportunity(
        opp_a, action=UpdateAction.UPDATE, estimated_value=Decimal(20000), today=JAN_20
    )
    entry = services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)
    assert entry.estimated_value == 20000


def test_the_default_date_of_change_is_the_later_of_today_and_the_last_change(fx, opp_a):
    next_on_jan_20(opp_a)
    entry = services.update_opportunity(opp_a, action=UpdateAction.UPDATE, today=D(2024, 1, 16))
    assert entry.date_of_change == JAN_20


def test_the_update_form_defaults_take_the_quote_total_and_the_target_s_figures(fx, opp_a):
    quote_with_total(opp_a, Decimal(9500))
    defaults = services.update_defaults(reloaded(opp_a), action=UpdateAction.NEXT, today=JAN_20)
    assert defaults["to_stage"] == fx.stages[2]
    assert defaults["date_of_change"] == JAN_20
    assert defaults["estimated_value"] == 9500
    assert defaults["chances_of_success"] == 40
    assert defaults["estimated_close_date"] == D(2024, 2, 3)


def test_entries_record_the_user_who_acted(fx, django_user_model):
    user = django_user_model.objects.create_user("jo", password="x")
    opportunity = fx.create_opp_a(user=user)
    services.update_opportunity(opportunity, action=UpdateAction.NEXT, today=JAN_20, user=user)
    services.update_opportunity(opportunity, action=UpdateAction.UPDATE, today=JAN_20)
    assert [entry.created_by for entry in entries_of(opportunity)] == [user, user, None]


# --- skip and jump -------------------------------------------------------------------------


def test_skip_further_than_the_next_stage_records_jumped_and_keeps_the_typed_chances(fx, opp_a):
    assert services.available_actions(opp_a)[UpdateAction.SKIP] == [
        fx.stages[2],
        fx.stages[3],
        fx.stages[4],
    ]

    entry = services.update_opportunity(
        opp_a,
        action=UpdateAction.SKIP,
        to_stage=fx.stages[3],
        chances_of_success=Decimal(70),
        today=JAN_20,
    )

    entry.refresh_from_db()
    assert entry.stage == fx.stages[3]
    assert entry.action_taken == OpportunityEntry.Action.JUMPED
    assert entry.previous_stage == 1
    assert entry.chances_of_success == 70
    assert entry.completed == 50
    assert entry.probability == 35
    assert entry.calcd_current_value == 3500


def test_skip_to_the_immediate_next_stage_records_next(fx, opp_a):
    entry = services.update_opportunity(opp_a, action=UpdateAction.SKIP, today=JAN_20)
    assert entry.stage == fx.stages[2]
    assert entry.action_taken == OpportunityEntry.Action.NEXT


@pytest.mark.parametrize("target", [4, 5, None])
def test_skip_refuses_to_pass_a_stage_that_does_not_allow_skip(fx, opp_a, target):
    """From stage 3 the next stage, 4, does not allow skip: skip is not offered at all."""
    put_on_stage(fx, opp_a, 3)
    assert UpdateAction.SKIP not in services.available_actions(reloaded(opp_a))
    assert_refused(
        "action_not_offered",
        services.update_opportunity,
        reloaded(opp_a),
        action=UpdateAction.SKIP,
        to_stage=fx.stages[target] if target else None,
        today=JAN_20,
    )


def test_jump_to_an_earlier_stage_takes_that_stage_s_default_chances(fx, opp_a):
    put_on_stage(fx, opp_a, 4)
    opportunity = reloaded(opp_a)
    assert services.available_actions(opportunity)[UpdateAction.JUMP] == [
        fx.stages[1],
        fx.stages[2],
        fx.stages[3],
    ]

    entry = services.update_opportunity(
        opportunity, action=UpdateAction.JUMP, to_stage=fx.stages[1], today=D(2024, 1, 22)
    )

    entry.refresh_from_db()
    assert entry.stage == fx.stages[1]
    assert entry.action_taken == OpportunityEntry.Action.JUMPED
    assert entry.previous_stage == 4
    assert entry.chances_of_success == 20
    assert entry.completed == 10
    assert entry.probability == 2


def test_jump_to_the_immediate_previous_stage_records_previous(fx, opp_a):
    put_on_stage(fx, opp_a, 3)
    entry = services.update_opportunity(reloaded(opp_a), action=UpdateAction.JUMP, today=JAN_20)
    assert entry.stage == fx.stages[2]
    assert entry.action_taken == OpportunityEntry.Action.PREVIOUS


@pytest.mark.parametrize("action", [UpdateAction.PREVIOUS, UpdateAction.JUMP])
def test_previous_and_jump_are_not_offered_on_the_first_stage(fx, opp_a, action):
    assert action not in services.available_actions(opp_a)
    assert_refused(
        "action_not_offered", services.update_opportunity, opp_a, action=action, today=JAN_20
    )


def test_the_offered_targets_on_each_stage_of_the_standard_cycle(fx, opp_a):
    """Skip reaches forward up to and including the first stage that does not allow skip
    (stage 4), never past it; jump reaches every earlier stage; the last stage offers no next."""
    actions = services.available_actions(opp_a)
    assert actions[UpdateAction.SKIP] == [fx.stages[2], fx.stages[3], fx.stages[4]]
    assert UpdateAction.JUMP not in actions
    put_on_stage(fx, opp_a, 2)
    actions = services.available_actions(reloaded(opp_a))
    assert actions[UpdateAction.SKIP] == [fx.stages[3], fx.stages[4]]
    assert UpdateAction.JUMP not in actions
    assert actions[UpdateAction.PREVIOUS] == [fx.stages[1]]
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)
    actions = services.available_actions(reloaded(opp_a))
    assert UpdateAction.SKIP not in actions
    assert actions[UpdateAction.JUMP] == [fx.stages[1], fx.stages[2]]
    services.create_quote(opp_a, today=JAN_20)
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)
    actions = services.available_actions(reloaded(opp_a))
    assert UpdateAction.SKIP not in actions
    assert actions[UpdateAction.JUMP] == [fx.stages[1], fx.stages[2], fx.stages[3]]
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)
    actions = services.available_actions(reloaded(opp_a))
    assert UpdateAction.SKIP not in actions
    assert UpdateAction.NEXT not in actions


# --- closed, not started: no update --------------------------------------------------------


@pytest.mark.parametrize("state", ["won", "lost"])
@pytest.mark.parametrize("action", services.lifecycle.UPDATE_ACTIONS)
def test_a_closed_opportunity_offers_no_update_and_refuses_every_one(fx, request, state, action):
    opportunity = request.getfixturevalue(state)
    assert services.available_actions(opportunity) == {}
    assert_refused(
        "closed",
        services.update_opportunity,
        opportunity,
        action=action,
        estimated_value=Decimal(5),
        today=FEB_10,
    )


def test_a_closed_opportunity_is_refused_before_any_other_check_of_the_update(fx, won):
    assert_refused(
        "closed",
        services.update_opportunity,
        won,
        action=UpdateAction.JUMP,
        to_stage=fx.stages[5],
        date_of_change=D(2020, 1, 1),
        estimated_value=Decimal(-1),
        chances_of_success=Decimal(0),
    )


@pytest.mark.parametrize(
    "action",
    [
        UpdateAction.NEXT,
        UpdateAction.PREVIOUS,
        UpdateAction.SKIP,
        UpdateAction.JUMP,
        UpdateAction.UPDATE,
    ],
)
def test_moving_a_not_started_opportunity_is_refused(fx, not_started, action):
    assert_refused(
        "action_not_offered",
        services.update_opportunity,
        not_started,
        action=action,
        estimated_value=Decimal(100),
        today=JAN_20,
    )


# --- action_not_offered, invalid_target ----------------------------------------------------


@pytest.mark.parametrize("action", [UpdateAction.NEXT, "sideways", ""])
def test_an_unknown_or_impossible_action_is_not_offered(fx, opp_a, action):
    put_on_stage(fx, opp_a, 5)
    assert_refused(
        "action_not_offered", services.update_opportunity, reloaded(opp_a), action=action
    )


@pytest.mark.parametrize(
    ("action", "target"),
    [
        (UpdateAction.SKIP, 1),  # the current stage
        (UpdateAction.SKIP, 5),  # behind stage 4, which does not allow skip
        (UpdateAction.NEXT, 3),  # next goes to 2 only
        (UpdateAction.UPDATE, 2),  # update stays on the current stage
    ],
)
def test_a_target_the_action_does_not_offer_is_refused(fx, opp_a, action, target):
    assert_refused(
        "invalid_target",
        services.update_opportunity,
        opp_a,
        action=action,
        to_stage=fx.stages[target],
        today=JAN_20,
    )


def test_a_jump_forward_is_refused(fx, opp_a):
    put_on_stage(fx, opp_a, 4)
    assert_refused(
        "invalid_target",
        services.update_opportunity,
        reloaded(opp_a),
        action=UpdateAction.JUMP,
        to_stage=fx.stages[5],
        today=JAN_20,
    )


def test_a_stage_of_another_cycle_is_refused(fx, opp_a):
    other = SalesCycle.objects.create(code="OTHER", description="Other")
    foreign = SalesCycleStage.objects.create(
        sales_cycle=other, stage=2, description="Foreign", completed=1, chances_of_success=1
    )
    assert_refused(
        "invalid_target",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.NEXT,
        to_stage=foreign,
        today=JAN_20,
    )


# --- date_before_last_change, close_date_before_change --------------------------------------


def test_a_date_of_change_before_the_last_change_is_refused(fx, opp_a):
    next_on_jan_20(opp_a)
    assert_refused(
        "date_before_last_change",
        services.update_opportunity,
        reloaded(opp_a),
        action=UpdateAction.UPDATE,
        date_of_change=D(2024, 1, 19),
        today=D(2024, 1, 25),
    )


def test_a_date_of_change_equal_to_the_last_change_is_accepted(fx, opp_a):
    next_on_jan_20(opp_a)
    entry = services.update_opportunity(
        opp_a, action=UpdateAction.UPDATE, date_of_change=JAN_20, today=D(2024, 1, 25)
    )
    assert entry.date_of_change == JAN_20
    assert entries_of(opp_a)[1].days_open == 0


@pytest.mark.parametrize("action", [UpdateAction.NEXT, UpdateAction.UPDATE])
def test_an_estimated_close_date_before_the_date_of_change_is_refused(fx, opp_a, action):
    assert_refused(
        "close_date_before_change",
        services.update_opportunity,
        opp_a,
        action=action,
        date_of_change=JAN_20,
        estimated_close_date=D(2024, 1, 19),
        today=JAN_20,
    )


def test_an_estimated_close_date_equal_to_the_date_of_change_is_accepted(fx, opp_a):
    entry = services.update_opportunity(
        opp_a,
        action=UpdateAction.NEXT,
        date_of_change=JAN_20,
        estimated_close_date=JAN_20,
        today=JAN_20,
    )
    assert entry.estimated_close_date == JAN_20
    assert reloaded(opp_a).estimated_close_date == JAN_20


# --- quote_required ------------------------------------------------------------------------


def test_skip_to_a_stage_that_requires_a_quote_is_refused_without_one(fx, opp_a):
    assert_refused(
        "quote_required",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.SKIP,
        to_stage=fx.stages[4],
        today=JAN_20,
    )


def test_next_to_a_stage_that_requires_a_quote_is_refused_without_one(fx, on_stage_3):
    assert_refused(
        "quote_required", services.update_opportunity, on_stage_3, action=UpdateAction.NEXT
    )


def test_next_to_a_stage_that_requires_a_quote_goes_through_with_an_open_quote(fx, on_stage_3):
    services.create_quote(on_stage_3, today=JAN_20)
    entry = services.update_opportunity(on_stage_3, action=UpdateAction.NEXT, today=JAN_20)
    assert entry.stage == fx.stages[4]
    assert entry.action_taken == OpportunityEntry.Action.NEXT
    assert reloaded(on_stage_3).current_stage == fx.stages[4]


def test_a_converted_quote_does_not_satisfy_quote_required(fx, on_stage_3):
    """Only an open quote counts. The services never leave a converted quote on an opportunity
    in progress, so the row is set up directly."""
    quote = services.create_quote(on_stage_3, today=JAN_20)
    Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.CONVERTED)
    assert_refused(
        "quote_required",
        services.update_opportunity,
        reloaded(on_stage_3),
        action=UpdateAction.NEXT,
    )


@pytest.mark.parametrize("action", [UpdateAction.PREVIOUS, UpdateAction.JUMP])
def test_going_back_to_a_stage_that_requires_a_quote_needs_no_quote(fx, opp_a, action):
    """Only next and skip check that the target stage's quote exists."""
    put_on_stage(fx, opp_a, 5)
    services.delete_quote(reloaded(opp_a).quote)
    entry = services.update_opportunity(reloaded(opp_a), action=action, today=JAN_20)
    assert entry.stage == fx.stages[4]
    assert entry.action_taken == OpportunityEntry.Action.PREVIOUS


# --- estimated_value_required, chances_invalid --------------------------------------------


@pytest.mark.parametrize("value", [Decimal(0), Decimal("-0.01")])
def test_an_update_with_no_positive_estimated_value_is_refused(fx, opp_a, value):
    assert_refused(
        "estimated_value_required",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.NEXT,
        estimated_value=value,
        today=JAN_20,
    )


def test_an_update_keeping_a_zero_estimated_value_is_refused(fx, not_started):
    """Activation starts at 0; the next update must give a value."""
    services.activate_first_stage(not_started, today=JAN_20)
    assert_refused(
        "estimated_value_required",
        services.update_opportunity,
        reloaded(not_started),
        action=UpdateAction.UPDATE,
        today=JAN_20,
    )


@pytest.mark.parametrize("chances", [Decimal(0), Decimal("-1"), Decimal("100.01"), Decimal(500)])
def test_chances_outside_0_to_100_are_refused(fx, opp_a, chances):
    assert_refused(
        "chances_invalid",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.UPDATE,
        chances_of_success=chances,
        today=JAN_20,
    )


# --- the order of the checks: the first failure wins ----------------------------------------


@pytest.mark.parametrize(
    ("code", "arguments"),
    [
        # an action not offered wins over a date before the last change
        ("action_not_offered", {"action": UpdateAction.PREVIOUS, "date_of_change": D(2024, 1, 1)}),
        # the date wins over a target the action does not offer
        (
            "date_before_last_change",
            {"action": UpdateAction.SKIP, "to_stage": 1, "date_of_change": D(2024, 1, 1)},
        ),
        # the target wins over the quote the stage requires
        (
            "invalid_target",
            {"action": UpdateAction.SKIP, "to_stage": 5, "estimated_value": Decimal(0)},
        ),
        # the quote wins over the estimated value
        (
            "quote_required",
            {"action": UpdateAction.SKIP, "to_stage": 4, "estimated_value": Decimal(0)},
        ),
        # the estimated value wins over the chances
        (
            "estimated_value_required",
            {
                "action": UpdateAction.NEXT,
                "estimated_value": Decimal(0),
                "chances_of_success": Decimal(0),
            },
        ),
        # the chances win over the close date
        (
            "chances_invalid",
            {
                "action": UpdateAction.NEXT,
                "chances_of_success": Decimal(0),
                "estimated_close_date": D(2024, 1, 16),
            },
        ),
    ],
)
def test_the_update_checks_run_in_a_fixed_order(fx, opp_a, code, arguments):
    if "to_stage" in arguments:
        arguments["to_stage"] = fx.stages[arguments["to_stage"]]
    assert_refused(code, services.update_opportunity, opp_a, today=JAN_20, **arguments)


# --- date_out_of_range ---------------------------------------------------------------------


def test_a_date_of_change_past_the_last_accepted_date_is_refused(fx, opp_a):
    error = assert_refused(
        "date_out_of_range",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.UPDATE,
        date_of_change=D(9999, 12, 25),
        estimated_close_date=D(9999, 12, 31),
        today=JAN_20,
    )
    assert "9999-12-25" in error.messages[0]
    assert str(formulas.LAST_DATE) in error.messages[0]


@pytest.mark.parametrize("action", [UpdateAction.UPDATE, UpdateAction.NEXT])
def test_an_estimated_closing_date_past_the_last_accepted_date_is_refused(fx, opp_a, action):
    assert_refused(
        "date_out_of_range",
        services.update_opportunity,
        opp_a,
        action=action,
        estimated_close_date=PAST_THE_LAST,
        today=JAN_20,
    )


def test_a_default_closing_date_past_the_last_accepted_date_is_refused(fx, opp_a):
    # Stage 3's formula, 1M, leads from 2199-12-15 to 2200-01-15.
    assert_refused(
        "date_out_of_range",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.SKIP,
        to_stage=fx.stages[3],
        date_of_change=D(2199, 12, 15),
        today=JAN_20,
    )


def test_the_form_defaults_leave_out_a_closing_date_outside_the_calendar(fx, opp_a):
    defaults = services.update_defaults(
        opp_a, action=UpdateAction.NEXT, date_of_change=D(9999, 12, 31)
    )
    assert defaults["estimated_close_date"] is None
    assert defaults["to_stage"] == fx.stages[2]
    defaults = services.update_defaults(
        opp_a, action=UpdateAction.NEXT, date_of_change=D(2199, 12, 1)
    )
    assert defaults["estimated_close_date"] == D(2199, 12, 15)


def test_the_last_accepted_date_is_accepted_as_date_of_change_and_closing_date(fx, opp_a):
    entry = services.update_opportunity(
        opp_a,
        action=UpdateAction.UPDATE,
        date_of_change=formulas.LAST_DATE,
        estimated_close_date=formulas.LAST_DATE,
        today=JAN_20,
    )
    assert (entry.date_of_change, entry.estimated_close_date) == (formulas.LAST_DATE,) * 2
    assert reloaded(opp_a).estimated_close_date == formulas.LAST_DATE


# --- amount_too_large ----------------------------------------------------------------------


def test_an_estimated_value_past_the_largest_amount_is_refused(fx, opp_a):
    assert_refused(
        "amount_too_large",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.UPDATE,
        estimated_value=COLUMN_MAXIMUM,
        today=JAN_20,
    )


def test_the_largest_amount_as_estimated_value_is_accepted_and_reads_back(fx, opp_a):
    services.update_opportunity(
        opp_a, action=UpdateAction.UPDATE, estimated_value=LARGEST, today=JAN_20
    )
    assert reloaded(opp_a).estimated_value == LARGEST


# --- stale ---------------------------------------------------------------------------------


@pytest.fixture
def seen(opp_a):
    """The version a form opened on OPP-A carries; then someone else changes OPP-A."""
    version = reloaded(opp_a).version
    services.update_opportunity(reloaded(opp_a), action=UpdateAction.UPDATE, today=JAN_20)
    return version


def test_an_update_based_on_a_stale_version_is_refused(fx, opp_a, seen):
    error = assert_refused(
        "stale",
        services.update_opportunity,
        opp_a,
        action=UpdateAction.NEXT,
        today=JAN_20,
        expected_version=seen,
    )
    assert opp_a.number in error.messages[0]


def test_an_update_with_the_current_version_goes_through(fx, opp_a, seen):
    version = reloaded(opp_a).version
    entry = services.update_opportunity(
        opp_a, action=UpdateAction.NEXT, today=JAN_20, expected_version=version
    )
    assert entry.stage == fx.stages[2]
    assert reloaded(opp_a).version == version + 1
