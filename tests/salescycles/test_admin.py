"""The sales cycle admin shows the rules of codes and date formulas on its form, saving nothing
that breaks them."""

import pytest
from django.urls import reverse

from salescycles.models import SalesCycle, SalesCycleStage

pytestmark = pytest.mark.django_db
ADD = reverse("admin:salescycles_salescycle_add")


def cycle_with_a_stage(code: str, formula: str) -> dict:
    """What the admin's add form posts for a cycle with one stage."""
    return {
        "code": code,
        "description": "Standard",
        "probability_calculation": "multiply",
        "stages-TOTAL_FORMS": "1",
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
        "stages-0-stage": "1",
        "stages-0-description": "Initial",
        "stages-0-completed": "10",
        "stages-0-chances_of_success": "20",
        "stages-0-date_formula": formula,
    }


@pytest.mark.parametrize(
    ("formula", "said"),
    [
        ("-1W", "before the date of change"),
        ("CM-1D", "before the date of change"),
        ("9999Y", "moves too far ahead"),
        ("1X", "is not valid"),
    ],
)
def test_the_admin_refuses_a_stage_formula_going_back_or_too_far(admin_client, formula, said):
    response = admin_client.post(ADD, cycle_with_a_stage("STD", formula))
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not SalesCycle.objects.exists()
    assert not SalesCycleStage.objects.exists()


def test_the_admin_stores_a_formula_and_a_code_in_upper_case(admin_client):
    response = admin_client.post(ADD, cycle_with_a_stage("std", "cm+1d"))
    assert response.status_code == 302
    stage = SalesCycleStage.objects.get()
    assert (stage.sales_cycle.code, stage.date_formula) == ("STD", "CM+1D")


def test_the_admin_refuses_a_sales_cycle_code_a_link_cannot_carry(admin_client):
    response = admin_client.post(ADD, cycle_with_a_stage("A/B", "1W"))
    assert response.status_code == 200
    assert "letters A to Z" in response.content.decode()
    assert not SalesCycle.objects.exists()
