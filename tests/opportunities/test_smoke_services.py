import datetime
from decimal import Decimal


def test_next_moves_opp_a_to_needs(fx, opp_a):
    from opportunities import services

    entry = services.update_opportunity(opp_a, action="next", today=datetime.date(2024, 1, 20))
    assert entry.stage == fx.stages[2]
    assert entry.calcd_current_value == Decimal(1000)
    assert opp_a.number == "OP000001"
