"""The acceptance scenarios of moving an opportunity through its cycle, done through the API as an
integration would: the shared test fixture (tests/conftest.py), today 2024-01-15, each step an
HTTP call.

Each test names the scenario of moving an opportunity that it walks through."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from opportunities import services
from opportunities.models import Opportunity, Quote
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db

API = "/api/v1/opportunities/"


@pytest.fixture(autouse=True)
def on_jan_15(monkeypatch):
    """Today is 2024-01-15 for the services' defaults (noon in Paris)."""
    noon = datetime.datetime(2024, 1, 15, 11, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: noon)


@pytest.fixture
def opp_a(api, fx) -> dict:
    """OPP-A, created through the API with activation."""
    response = api.post(
        API,
        {
            "description": "Deal A",
            "contact": "CT100",
            "salesperson": "JO",
            "sales_cycle": "STD",
            "activate_first_stage": True,
            "estimated_value": "10000",
            "chances_of_success": "30",
            "estimated_close_date": "2024-03-31",
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def act(api, opportunity: dict, action: str, body: dict, *, status: int = 200) -> dict:
    response = api.post(
        f"{API}{opportunity['number']}/{action}/", body, HTTP_IF_MATCH=f'"{opportunity["version"]}"'
    )
    assert response.status_code == status, response.content
    return response.json()


def refused(api, opportunity: dict, action: str, body: dict, code: str) -> None:
    before = database_state(setup=True)
    assert act(api, opportunity, action, body, status=409)["code"] == code
    assert database_state(setup=True) == before


def entries(api, opportunity: dict) -> list[dict]:
    return api.get(f"{API}{opportunity['number']}/").json()["entries"]


def test_1_creating_opp_a_puts_it_on_the_first_stage(api, opp_a):
    assert opp_a["number"] == "OP000001"
    assert opp_a["status"] == "in_progress"
    assert opp_a["creation_date"] == "2024-01-15"
    [entry] = entries(api, opp_a)
    assert entry["action_taken"] == "first"
    assert entry["stage"] == 1 and entry["stage_description"] == "Initial"
    assert entry["date_of_change"] == "2024-01-15"
    assert (entry["completed"], entry["chances_of_success"]) == ("10.00", "30.00")
    assert entry["probability"] == "3.000000"
    assert entry["calcd_current_value"] == "300.00"
    assert entry["estimated_close_date"] == "2024-03-31"


def test_6_a_not_started_opportunity_activated_later(api, fx):
    created = api.post(API, {"description": "B", "contact": "CT100", "sales_cycle": "STD"}).json()
    assert created["status"] == "not_started" and created["current_stage"] is None
    data = act(api, created, "activate", {})
    assert data["current_stage"]["stage"] == 1
    assert (data["chances_of_success"], data["completed"]) == ("20.00", "10.00")
    assert data["probability"] == "2.000000"
    assert (data["estimated_value"], data["calcd_current_value"]) == ("0.00", "0.00")
    assert data["estimated_close_date"] == "2024-01-22"


def test_8_next_on_jan_20_with_the_defaults(api, opp_a):
    data = act(api, opp_a, "update", {"action": "next", "date_of_change": "2024-01-20"})
    assert data["current_stage"] == {"stage": 2, "description": "Needs"}
    assert data["chances_of_success"] == "40.00"
    assert data["estimated_close_date"] == "2024-02-03"
    assert (data["completed"], data["probability"]) == ("25.00", "10.000000")
    assert data["calcd_current_value"] == "1000.00"
    new, first = entries(api, opp_a)
    assert new["action_taken"] == "next" and new["previous_stage"] == 1
    assert first["active"] is False and first["days_open"] == 5


def test_10_update_without_changing_stage(api, opp_a):
    moved = act(api, opp_a, "update", {"action": "next", "date_of_change": "2024-01-20"})
    data = act(
        api,
        moved,
        "update",
        {
            "action": "update",
            "date_of_change": "2024-01-25",
            "estimated_value": "15000",
            "chances_of_success": "60",
        },
    )
    assert data["current_stage"]["stage"] == 2
    assert data["probability"] == "15.000000"
    assert data["calcd_current_value"] == "2250.00"
    assert entries(api, opp_a)[0]["action_taken"] == "updated"
    assert entries(api, opp_a)[1]["days_open"] == 5


def test_11_and_12_the_dates_of_an_update(api, opp_a):
    moved = act(api, opp_a, "update", {"action": "next", "date_of_change": "2024-01-20"})
    refused(
        api,
        moved,
        "update",
        {"action": "update", "date_of_change": "2024-01-18"},
        "date_before_last_change",
    )
    refused(
        api,
        moved,
        "update",
        {"action": "update", "date_of_change": "2024-01-20", "estimated_close_date": "2024-01-19"},
        "close_date_before_change",
    )
    data = act(
        api,
        moved,
        "update",
        {"action": "update", "date_of_change": "2024-01-20", "estimated_close_date": "2024-01-20"},
    )
    assert data["estimated_close_date"] == "2024-01-20"


def test_13_skip_from_1_to_3_keeps_the_typed_chances(api, opp_a):
    data = act(
        api,
        opp_a,
        "update",
        {"action": "skip", "to_stage": 3, "chances_of_success": "70"},
    )
    assert data["current_stage"]["stage"] == 3
    assert (data["chances_of_success"], data["completed"]) == ("70.00", "50.00")
    assert (data["probability"], data["calcd_current_value"]) == ("35.000000", "3500.00")
    assert entries(api, opp_a)[0]["action_taken"] == "jumped"


def test_14_to_16_skip_and_next_stop_where_the_rules_say(api, opp_a):
    assert opp_a["available_actions"]["skip"] == [2, 3, 4]
    refused(api, opp_a, "update", {"action": "skip", "to_stage": 4}, "quote_required")
    on_3 = act(api, opp_a, "update", {"action": "skip", "to_stage": 3})
    assert "skip" not in on_3["available_actions"]
    refused(api, on_3, "update", {"action": "skip", "to_stage": 4}, "action_not_offered")
    refused(api, on_3, "update", {"action": "next"}, "quote_required")


def test_17_previous_or_jump_at_stage_1_are_not_offered(api, opp_a):
    refused(api, opp_a, "update", {"action": "previous"}, "action_not_offered")
    refused(api, opp_a, "update", {"action": "jump", "to_stage": 1}, "action_not_offered")


def test_18_jump_from_4_to_1_takes_the_stages_chances(api, fx, opp_a):
    quote = act(api, opp_a, "quote", {}, status=201)
    current = api.get(f"{API}{opp_a['number']}/").json()
    on_4 = act(api, current, "update", {"action": "skip", "to_stage": 4})
    assert quote["number"] == on_4["quote"]
    assert on_4["available_actions"]["jump"] == [1, 2, 3]
    data = act(api, on_4, "update", {"action": "jump", "to_stage": 1})
    assert data["current_stage"]["stage"] == 1
    assert (data["chances_of_success"], data["completed"]) == ("20.00", "10.00")
    assert data["probability"] == "2.000000"


def test_19_at_the_last_stage_only_update_and_back_are_offered(api, fx, opp_a):
    act(api, opp_a, "quote", {}, status=201)
    current = api.get(f"{API}{opp_a['number']}/").json()
    on_4 = act(api, current, "update", {"action": "skip", "to_stage": 4})
    on_5 = act(api, on_4, "update", {"action": "next"})
    assert on_5["current_stage"]["stage"] == 5
    assert "next" not in on_5["available_actions"]
    assert on_5["available_actions"]["update"] == [5]
    refused(api, on_5, "update", {"action": "next"}, "action_not_offered")


def test_21_the_days_open_chain(api, opp_a):
    moved = act(api, opp_a, "update", {"action": "next", "date_of_change": "2024-01-20"})
    act(api, moved, "update", {"action": "update", "date_of_change": "2024-02-01"})
    assert [entry["days_open"] for entry in entries(api, opp_a)] == [0, 12, 5]


def test_22_won_after_next_closes_it_with_the_sales_value(api, opp_a):
    moved = act(api, opp_a, "update", {"action": "next", "date_of_change": "2024-01-20"})
    data = act(
        api,
        moved,
        "close",
        {
            "outcome": "won",
            "close_code": "W-PRICE",
            "date_closed": "2024-02-10",
            "sales_value": "9000",
        },
    )
    assert (data["status"], data["closed"], data["date_closed"]) == ("won", True, "2024-02-10")
    assert data["current_stage"] is None
    assert data["calcd_current_value"] == "9000.00"
    assert data["estimated_value"] == "10000.00"
    closing, stage_2, _first = entries(api, opp_a)
    assert closing["action_taken"] == "won" and closing["close_code"] == "W-PRICE"
    assert closing["previous_stage"] == 2
    assert closing["estimated_close_date"] == "2024-02-10"
    assert (closing["completed"], closing["chances_of_success"]) == ("100.00", "100.00")
    assert stage_2["days_open"] == 21
    refused(api, data, "update", {"action": "update"}, "closed")


def test_23_and_24_lost_and_the_close_codes_type(api, opp_a):
    refused(
        api,
        opp_a,
        "close",
        {"outcome": "won", "close_code": "L-PRICE", "sales_value": "1"},
        "close_code_type",
    )
    refused(api, opp_a, "close", {"outcome": "won", "sales_value": "1"}, "close_code_required")
    data = act(api, opp_a, "close", {"outcome": "lost", "close_code": "L-COMP"})
    assert (data["status"], data["calcd_current_value"]) == ("lost", "0.00")
    assert (data["chances_of_success"], data["completed"]) == ("0.00", "100.00")


def test_26_won_with_a_quote_takes_the_quotes_total(api, opp_a):
    quote = act(api, opp_a, "quote", {}, status=201)
    services.add_quote_line(
        Quote.objects.get(number=quote["number"]),
        description="Desks",
        quantity=Decimal(1),
        unit_price=Decimal(9500),
    )
    current = api.get(f"{API}{opp_a['number']}/").json()
    data = act(
        api, current, "close", {"outcome": "won", "close_code": "W-PRICE", "sales_value": "12000"}
    )
    assert data["calcd_current_value"] == "9500.00"


def test_27_delete_only_once_closed(api, opp_a):
    before = database_state(setup=True)
    response = api.delete(f"{API}{opp_a['number']}/")
    assert response.status_code == 409 and response.json()["code"] == "not_closed"
    assert database_state(setup=True) == before
    closed = act(api, opp_a, "close", {"outcome": "lost", "close_code": "L-COMP"})
    assert api.delete(f"{API}{closed['number']}/").status_code == 204
    assert not Opportunity.objects.exists()


def test_29_and_30_quotes_from_the_api(api, fx, opp_a):
    moved = act(api, opp_a, "update", {"action": "next", "date_of_change": "2024-01-20"})
    quote = act(api, moved, "quote", {}, status=201)
    assert (quote["contact"], quote["customer"], quote["salesperson"]) == ("CT100", "C10000", "JO")
    assert quote["order_date"] == "2024-02-03"
    current = api.get(f"{API}{opp_a['number']}/").json()
    assert current["quote"] == quote["number"]
    refused(api, current, "quote", {}, "quote_exists")
    not_started = api.post(API, {"description": "N", "contact": "CT100", "sales_cycle": "STD"})
    refused(api, not_started.json(), "quote", {}, "not_in_progress")


def test_31_make_order_wins_the_opportunity(api, fx, opp_a):
    moved = act(api, opp_a, "update", {"action": "next", "date_of_change": "2024-01-20"})
    quote = act(api, moved, "quote", {}, status=201)
    services.add_quote_line(
        Quote.objects.get(number=quote["number"]),
        description="Desks",
        quantity=Decimal(2),
        unit_price=Decimal(4750),
    )
    current = api.get(f"{API}{opp_a['number']}/").json()
    response = api.post(
        f"/api/v1/quotes/{quote['number']}/order/",
        {"close_code": "W-PRICE", "date_closed": "2024-02-10"},
        HTTP_IF_MATCH=f'"{current["version"]}"',
    )
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["total"] == "9500.00" and order["opportunity"] == opp_a["number"]
    won = api.get(f"{API}{opp_a['number']}/").json()
    assert (won["status"], won["calcd_current_value"], won["order"]) == (
        "won",
        "9500.00",
        order["number"],
    )
    assert api.get(f"/api/v1/quotes/{quote['number']}/").json()["status"] == "converted"
    assert api.get(f"/api/v1/orders/{order['number']}/").json()["quote"] == quote["number"]


def test_32_an_order_needs_a_customer(api, fx):
    created = api.post(
        API,
        {
            "description": "Litware deal",
            "contact": "CT200",
            "sales_cycle": "STD",
            "activate_first_stage": True,
            "estimated_value": "1000",
        },
    ).json()
    quote = act(api, created, "quote", {}, status=201)
    before = database_state(setup=True)
    response = api.post(f"/api/v1/quotes/{quote['number']}/order/", {"close_code": "W-PRICE"})
    assert response.status_code == 409 and response.json()["code"] == "customer_required"
    assert database_state(setup=True) == before
