"""The sales cycles of the demo data and of the tests, each defined once, and their creation.

STD is the cycle of the test fixture (tests/conftest.py): the scenario tests compute with its
stages and figures, so they are the table there, to the letter. The demo data (`load_demo_data`) and
the benchmark's data (`bench.generate`) have STD, LARGE, QUICK and the blocked OLD; the tests'
fixture has STD and OLD. WEB is the browser test's: two stages in a row that may be skipped,
the second of them requiring a quote.
"""

from decimal import Decimal
from typing import NamedTuple

from salescycles.models import SalesCycle, SalesCycleStage


class Stage(NamedTuple):
    stage: int
    description: str
    completed: int  # %
    chances_of_success: int  # %
    quote_required: bool
    allow_skip: bool
    date_formula: str


class Cycle(NamedTuple):
    code: str
    description: str
    probability_calculation: str
    stages: tuple[Stage, ...] = ()
    blocked: bool = False


# stage, description, completed, chances, quote required, allow skip, formula
STD = Cycle(
    "STD",
    "Standard",
    "multiply",
    (
        Stage(1, "Initial", 10, 20, False, False, "1W"),
        Stage(2, "Needs", 25, 40, False, True, "2W"),
        Stage(3, "Proposal", 50, 50, False, True, "1M"),
        Stage(4, "Presentation", 70, 60, True, False, "2W"),
        Stage(5, "Signing", 90, 80, False, False, "1W"),
    ),
)
LARGE = Cycle(
    "LARGE",
    "Large account",
    "add",
    (
        Stage(10, "Qualification", 5, 10, False, True, "2W"),
        Stage(20, "Discovery", 20, 25, False, True, "1M"),
        Stage(30, "Solution design", 40, 40, False, False, "1M"),
        Stage(40, "Business case", 60, 55, True, False, "CM+1M"),
        Stage(50, "Negotiation", 80, 70, True, False, "2W"),
        Stage(60, "Contract", 95, 90, False, False, "1W"),
    ),
)
QUICK = Cycle(
    "QUICK",
    "Quick sale",
    "chances",
    (
        Stage(1, "Contacted", 20, 30, False, True, "3D"),
        Stage(2, "Offer sent", 60, 60, False, False, "1W"),
        Stage(3, "Closing", 90, 85, False, False, "CW"),
    ),
)
OLD = Cycle("OLD", "Old", "multiply", blocked=True)
WEB = Cycle(
    "WEB",
    "Web sale",
    "multiply",
    (
        Stage(1, "Lead", 10, 20, False, False, "1W"),
        Stage(2, "Qualify", 25, 40, False, True, "2W"),
        Stage(3, "Demo", 50, 50, False, True, "1M"),
        Stage(4, "Offer", 70, 60, True, True, "2W"),
        Stage(5, "Negotiate", 80, 70, False, False, "1W"),
        Stage(6, "Sign", 90, 80, False, False, "1W"),
    ),
)

DEMO_CYCLES = (STD, LARGE, QUICK, OLD)


def create_cycle(cycle: Cycle) -> tuple[SalesCycle, dict[int, SalesCycleStage]]:
    """The cycle and its stages in the database: the SalesCycle and its stages by number."""
    sales_cycle = SalesCycle.objects.create(
        code=cycle.code,
        description=cycle.description,
        probability_calculation=cycle.probability_calculation,
        blocked=cycle.blocked,
    )
    stages = {
        stage.stage: SalesCycleStage.objects.create(
            sales_cycle=sales_cycle,
            stage=stage.stage,
            description=stage.description,
            completed=Decimal(stage.completed),
            chances_of_success=Decimal(stage.chances_of_success),
            quote_required=stage.quote_required,
            allow_skip=stage.allow_skip,
            date_formula=stage.date_formula,
        )
        for stage in cycle.stages
    }
    return sales_cycle, stages
