"""The cycles of the demo data and the tests (salescycles.demo)."""

from decimal import Decimal

from salescycles import demo
from salescycles.models import SalesCycle, SalesCycleStage

# The stages of STD that every test's fixture stands on, written out again so that a change to
# the shared definition cannot pass unnoticed.
STANDARD_STAGES = [
    (1, "Initial", Decimal(10), Decimal(20), False, False, "1W"),
    (2, "Needs", Decimal(25), Decimal(40), False, True, "2W"),
    (3, "Proposal", Decimal(50), Decimal(50), False, True, "1M"),
    (4, "Presentation", Decimal(70), Decimal(60), True, False, "2W"),
    (5, "Signing", Decimal(90), Decimal(80), False, False, "1W"),
]
STAGE_FIELDS = [
    "stage",
    "description",
    "completed",
    "chances_of_success",
    "quote_required",
    "allow_skip",
    "date_formula",
]


def test_the_standard_cycle_has_the_five_stages_the_tests_stand_on(db):
    cycle, stages = demo.create_cycle(demo.STD)

    stored = SalesCycle.objects.get(pk=cycle.pk)
    assert (stored.code, stored.probability_calculation, stored.blocked) == (
        "STD",
        "multiply",
        False,
    )
    rows = SalesCycleStage.objects.filter(sales_cycle=cycle).order_by("stage")
    assert list(rows.values_list(*STAGE_FIELDS)) == STANDARD_STAGES
    assert {number: stage.pk for number, stage in stages.items()} == dict(
        rows.values_list("stage", "pk")
    )


def test_every_defined_cycle_is_created_with_its_stages_and_passes_validation(db):
    for cycle in (*demo.DEMO_CYCLES, demo.WEB):
        demo.create_cycle(cycle)

    for cycle in (*demo.DEMO_CYCLES, demo.WEB):
        stored = SalesCycle.objects.get(code=cycle.code)
        assert (stored.description, stored.probability_calculation, stored.blocked) == (
            cycle.description,
            cycle.probability_calculation,
            cycle.blocked,
        )
        stored.full_clean()
        stages = list(stored.stages.order_by("stage"))
        assert [stage.stage for stage in stages] == [stage.stage for stage in cycle.stages]
        for stage in stages:
            stage.full_clean()  # the percentages and the date formula
