"""The statistics of salespeople, contacts, sales cycles, stages and close codes: how many
opportunities, their estimated and current values, and how long they stayed on a stage."""

from decimal import Decimal

import pytest

from opportunities import services
from opportunities.models import UpdateAction
from tests.opportunities.steps import FEB_10, JAN_20, next_on_jan_20


def test_statistics_after_the_won_close(fx, opp_a):
    """OPP-A won for 9,000: the salesperson counts it at its sales value, the sales cycle no
    longer counts it (it is not open), the close code it was won with counts it."""
    next_on_jan_20(opp_a)
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=FEB_10
    )

    jo = fx.JO.statistics()
    assert jo["opportunities"] == 1
    assert jo["estimated_value"] == 10000
    assert jo["current_value"] == 9000
    assert fx.STD.statistics()["opportunities"] == 0
    assert fx.W_PRICE.statistics()["opportunities"] == 1
    assert fx.W_REL.statistics()["opportunities"] == 0


@pytest.fixture
def book(fx, opp_a):
    """OPP-A (CT100, JO, 10,000, current 300) on stage 1; OPP-B (CT101, JO, 20,000, chances 50,
    current 1,000) on stage 1; OPP-C (CT200, AH, 8,000) moved to stage 2 on 2024-01-20 and won
    on 2024-02-10 for 5,000 with W-PRICE; OPP-D (CT100, JO) not started."""
    opp_b = fx.create_opp_a(
        description="B", contact=fx.CT101, estimated_value=Decimal(20000), chances_of_success=50
    )
    opp_c = fx.create_opp_a(
        description="C", contact=fx.CT200, salesperson=fx.AH, estimated_value=Decimal(8000)
    )
    services.update_opportunity(opp_c, action=UpdateAction.NEXT, today=JAN_20)
    services.close_opportunity(
        opp_c, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(5000), today=FEB_10
    )
    opp_d = fx.create_opp_a(description="D", activate_first_stage=False)
    return opp_a, opp_b, opp_c, opp_d


def test_a_salesperson_s_statistics(fx, book):
    figures = fx.JO.statistics()
    assert figures["opportunities"] == 3
    assert figures["estimated_value"] == 30000
    assert figures["current_value"] == 1300
    assert figures["average_estimated_value"] == 15000
    assert figures["average_current_value"] == 650


def test_a_salesperson_s_statistics_include_closed_opportunities(fx, book):
    figures = fx.AH.statistics()
    assert figures["opportunities"] == 1
    assert figures["estimated_value"] == 8000
    assert figures["current_value"] == 5000
    assert figures["average_current_value"] == 5000


def test_a_salesperson_without_opportunities_has_zeros(fx):
    figures = fx.BLK.statistics()
    assert figures["opportunities"] == 0
    assert figures["estimated_value"] == 0
    assert figures["current_value"] == 0
    assert figures["average_estimated_value"] is None


def test_a_company_s_statistics_include_its_persons(fx, book):
    figures = fx.CT100.statistics()
    assert figures["opportunities"] == 3
    assert figures["estimated_value"] == 30000
    assert figures["current_value"] == 1300


def test_a_person_s_statistics(fx, book):
    figures = fx.CT101.statistics()
    assert figures["opportunities"] == 1
    assert figures["estimated_value"] == 20000
    assert figures["current_value"] == 1000


def test_a_sales_cycle_s_statistics_cover_open_started_opportunities(fx, book):
    figures = fx.STD.statistics()
    assert figures["opportunities"] == 2
    assert figures["estimated_value"] == 30000
    assert figures["current_value"] == 1300
    assert figures["average_current_value"] == 650


def test_a_stage_s_statistics(fx, book):
    stage_1 = fx.stages[1].statistics()
    assert stage_1["opportunities"] == 2
    assert stage_1["estimated_value"] == 30000
    assert stage_1["current_value"] == 1300
    assert stage_1["average_days_open"] == 5  # OPP-C stayed five days on stage 1
    stage_2 = fx.stages[2].statistics()
    assert stage_2["opportunities"] == 0
    assert stage_2["estimated_value"] == 0
    assert stage_2["average_days_open"] == 21


def test_a_close_code_s_statistics(fx, book):
    assert fx.W_PRICE.statistics()["opportunities"] == 1
    assert fx.W_REL.statistics()["opportunities"] == 0
    assert fx.L_COMP.statistics()["opportunities"] == 0
