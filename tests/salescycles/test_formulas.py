"""Date formulas in Business Central's syntax (salescycles.formulas): days, weeks, months,
quarters and years forwards and back, the current period, weekdays, and the validation that
refuses a formula that can give a date before its start or past the last accepted date."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from salescycles import formulas
from salescycles.models import SalesCycle, SalesCycleStage

D = datetime.date
MON_JAN_15 = D(2024, 1, 15)  # a Monday


@pytest.mark.parametrize(
    ("formula", "start", "expected"),
    [
        # amounts of days, weeks, months, quarters, years
        ("1D", MON_JAN_15, D(2024, 1, 16)),
        ("10D", D(2024, 12, 25), D(2025, 1, 4)),
        ("1W", MON_JAN_15, D(2024, 1, 22)),
        ("2W", D(2024, 1, 20), D(2024, 2, 3)),
        ("1M", MON_JAN_15, D(2024, 2, 15)),
        ("1Q", MON_JAN_15, D(2024, 4, 15)),
        ("1Y", MON_JAN_15, D(2025, 1, 15)),
        ("0D", MON_JAN_15, MON_JAN_15),
        # negative amounts
        ("-1D", MON_JAN_15, D(2024, 1, 14)),
        ("-2W", MON_JAN_15, D(2024, 1, 1)),
        ("-1M", D(2024, 3, 31), D(2024, 2, 29)),
        ("-1Q", MON_JAN_15, D(2023, 10, 15)),
        ("-1Y", D(2024, 2, 29), D(2023, 2, 28)),
        # month steps clamp to the month's end
        ("1M", D(2024, 1, 31), D(2024, 2, 29)),
        ("1M", D(2023, 1, 31), D(2023, 2, 28)),
        ("1M", D(2024, 3, 31), D(2024, 4, 30)),
        ("1Q", D(2024, 1, 31), D(2024, 4, 30)),
        ("1Y", D(2024, 2, 29), D(2025, 2, 28)),
        ("12M", D(2024, 2, 29), D(2025, 2, 28)),
        # end of the current period
        ("CD", MON_JAN_15, MON_JAN_15),
        ("CW", MON_JAN_15, D(2024, 1, 21)),
        ("CW", D(2024, 1, 21), D(2024, 1, 21)),
        ("CM", MON_JAN_15, D(2024, 1, 31)),
        ("CM", D(2024, 2, 10), D(2024, 2, 29)),
        ("CQ", MON_JAN_15, D(2024, 3, 31)),
        ("CQ", D(2024, 11, 2), D(2024, 12, 31)),
        ("CY", MON_JAN_15, D(2024, 12, 31)),
        # start of the current period
        ("-CD", MON_JAN_15, MON_JAN_15),
        ("-CW", D(2024, 1, 18), MON_JAN_15),
        ("-CM", MON_JAN_15, D(2024, 1, 1)),
        ("-CQ", D(2024, 5, 20), D(2024, 4, 1)),
        ("-CY", D(2024, 5, 20), D(2024, 1, 1)),
        # sums, in order
        ("CM+1D", MON_JAN_15, D(2024, 2, 1)),
        ("1M+2W", MON_JAN_15, D(2024, 2, 29)),
        ("1M-1D", MON_JAN_15, D(2024, 2, 14)),
        ("-CM+1M", D(2024, 1, 20), D(2024, 2, 1)),
        ("CM+1M", D(2024, 1, 20), D(2024, 2, 29)),
        ("1D+1D+1D", MON_JAN_15, D(2024, 1, 18)),
        ("-1Y+CY", MON_JAN_15, D(2023, 12, 31)),
        # the next weekday n (1 Monday ... 7 Sunday), today when it already is
        ("WD1", MON_JAN_15, MON_JAN_15),
        ("WD3", MON_JAN_15, D(2024, 1, 17)),
        ("WD7", MON_JAN_15, D(2024, 1, 21)),
        ("WD1", D(2024, 1, 16), D(2024, 1, 22)),
        ("1W+WD5", MON_JAN_15, D(2024, 1, 26)),
        # BC's brackets, lower case and spaces
        ("<1M>", MON_JAN_15, D(2024, 2, 15)),
        ("<CM+1D>", MON_JAN_15, D(2024, 2, 1)),
        ("cm+1d", MON_JAN_15, D(2024, 2, 1)),
        (" 1m + 2w ", MON_JAN_15, D(2024, 2, 29)),
        ("+1D", MON_JAN_15, D(2024, 1, 16)),
        # blank: the date itself
        ("", MON_JAN_15, MON_JAN_15),
        ("   ", MON_JAN_15, MON_JAN_15),
        (None, MON_JAN_15, MON_JAN_15),
    ],
)
def test_a_formula_moves_the_date(formula, start, expected):
    assert formulas.apply(formula, start) == expected


@pytest.mark.parametrize("formula", ["", "1W", "CM+1D", "<1M>", "WD2", "9999D", "cm+1d"])
def test_a_valid_formula_passes_validation_and_moves_no_date_backwards(formula):
    formulas.validate(formula)
    assert MON_JAN_15 <= formulas.apply(formula, MON_JAN_15) <= formulas.LAST_DATE


@pytest.mark.parametrize(
    ("formula", "named"),
    [
        ("1X", "1X"),
        ("X", "X"),
        ("M1", "M1"),
        ("1", "1"),
        ("1D1D", "1D"),  # terms need a + or - between them
        ("1D+", "+"),
        ("1D++1D", "++1D"),
        ("CX", "CX"),
        ("WD8", "WD8"),
        ("WD0", "WD0"),
        ("1.5D", "1.5D"),  # no fractions
        ("<1M", "<1M"),
        ("tomorrow", "TOMORROW"),
    ],
)
def test_an_invalid_formula_is_refused_naming_where_it_goes_wrong(formula, named):
    with pytest.raises(ValidationError) as caught:
        formulas.validate(formula)
    assert caught.value.code == "invalid_formula"
    message = caught.value.messages[0]
    assert formula in message
    assert f"“{named}”" in message


def test_a_negative_weekday_is_refused():
    with pytest.raises(ValidationError) as caught:
        formulas.parse("-WD1")
    assert caught.value.code == "invalid_formula"
    assert "WD" in caught.value.messages[0]


def test_an_amount_that_moves_too_far_is_refused():
    with pytest.raises(ValidationError) as caught:
        formulas.validate("10000D")
    assert caught.value.code == "invalid_formula"
    assert "9999" in caught.value.messages[0]


def test_a_formula_leaving_the_calendar_is_refused_when_applied():
    with pytest.raises(ValidationError) as caught:
        formulas.apply("9999Y", MON_JAN_15)
    assert caught.value.code == "invalid_formula"
    assert "calendar" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        formulas.apply("-9999Y", MON_JAN_15)


@pytest.mark.django_db
def test_the_stage_s_validation_refuses_an_invalid_formula():
    cycle = SalesCycle.objects.create(code="STD", description="Standard")
    stage = SalesCycleStage(
        sales_cycle=cycle,
        stage=1,
        description="Initial",
        completed=10,
        chances_of_success=20,
        date_formula="1X",
    )

    with pytest.raises(ValidationError) as caught:
        stage.full_clean()

    errors = caught.value.error_dict
    assert list(errors) == ["date_formula"]
    assert errors["date_formula"][0].code == "invalid_formula"
    assert "1X" in caught.value.message_dict["date_formula"][0]
    stage.date_formula = "CM+1D"
    stage.full_clean()
    stage.save()
    assert stage.close_date(MON_JAN_15) == D(2024, 2, 1)


@pytest.mark.django_db
def test_a_blank_formula_is_allowed_on_a_stage():
    cycle = SalesCycle.objects.create(code="STD", description="Standard")
    stage = SalesCycleStage(sales_cycle=cycle, stage=1, description="Initial", date_formula="")
    stage.full_clean()
    assert stage.close_date(MON_JAN_15) == MON_JAN_15


# --- what a stage's formula may be: never earlier than the date of change, never too far -------


@pytest.mark.parametrize(
    "formula", ["-1D", "-1W", "-1M", "-CM", "-CW", "CM-2M", "CM-1D", "-1Y+CY", "WD1-1D", "1W-8D"]
)
def test_a_formula_that_can_give_a_date_before_the_date_of_change_is_refused(formula):
    with pytest.raises(ValidationError) as caught:
        formulas.validate(formula)
    assert caught.value.code == "formula_before_date"
    message = caught.value.messages[0]
    assert formula in message
    assert "before the date of change" in message


@pytest.mark.parametrize(
    "formula", ["1M-1D", "-CM+1M", "2W-1D", "-CW+1W", "1Y-1M", "CM+1M-1D", "-CQ+1Q", "0D", "CD"]
)
def test_a_formula_with_negative_parts_that_never_goes_back_is_accepted(formula):
    formulas.validate(formula)
    for start in (D(2024, 1, 1), D(2024, 1, 31), D(2024, 2, 29), D(2023, 12, 31)):
        assert formulas.apply(formula, start) >= start


@pytest.mark.parametrize("formula", ["9999Y", "9999Q", "9999M", "9999W", "500Y", "100Y+100Y"])
def test_a_formula_that_leads_past_the_last_accepted_date_is_refused(formula):
    with pytest.raises(ValidationError) as caught:
        formulas.validate(formula)
    assert caught.value.code == "formula_too_far"
    message = caught.value.messages[0]
    assert formula in message
    assert str(formulas.LAST_DATE) in message


def test_a_formula_of_a_century_is_still_accepted():
    formulas.validate("100Y")
    formulas.validate("9999D")
    assert formulas.apply("100Y", MON_JAN_15) == D(2124, 1, 15)
    assert formulas.apply("9999D", MON_JAN_15) == MON_JAN_15 + datetime.timedelta(days=9999)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("formula", "code"), [("-1W", "formula_before_date"), ("9999Y", "formula_too_far")]
)
def test_the_stage_s_validation_refuses_a_formula_going_back_or_too_far(formula, code):
    cycle = SalesCycle.objects.create(code="STD", description="Standard")
    stage = SalesCycleStage(sales_cycle=cycle, stage=1, description="Initial", date_formula=formula)
    with pytest.raises(ValidationError) as caught:
        stage.full_clean()
    assert list(caught.value.error_dict) == ["date_formula"]
    assert caught.value.error_dict["date_formula"][0].code == code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "stored"), [("cw", "CW"), (" cm + 1d ", "CM+1D"), ("<1m>", "<1M>")]
)
def test_the_stage_stores_its_formula_in_upper_case(typed, stored):
    cycle = SalesCycle.objects.create(code="STD", description="Standard")
    stage = SalesCycleStage(sales_cycle=cycle, stage=1, description="Initial", date_formula=typed)
    stage.full_clean()
    stage.save()
    assert SalesCycleStage.objects.get(pk=stage.pk).date_formula == stored
