"""The opportunity endpoints: the list (the page's filters, cursor pages), the detail with its
entries and ETag, create, edit, delete and the actions, each refusal as 409 with the service's
code and message and nothing written, a stale If-Match as 412."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.serializers import (
    EntrySerializer,
    OpportunityDetailSerializer,
    OpportunitySerializer,
    QuoteSerializer,
)
from opportunities import services
from opportunities.models import Opportunity, UpdateAction
from tests.api.conftest import token_client
from tests.factories import OpportunityFactory, SalesCycleFactory
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db

LIST = "/api/v1/opportunities/"
D = datetime.date


def url(opportunity, action: str = "") -> str:
    return f"{LIST}{opportunity.number}/{action + '/' if action else ''}"


def assert_refused_with(response, status: int, code: str, before: dict) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"].strip()
    assert database_state(setup=True) == before


# --- the representation ------------------------------------------------------------------------


def test_an_opportunity_reads_with_the_field_names_of_the_data_model(api, opp_a):
    data = api.get(url(opp_a)).json()

    assert data["number"] == opp_a.number
    assert data["contact"] == "CT100"
    assert data["salesperson"] == "JO"
    assert data["sales_cycle"] == "STD"
    assert data["status"] == "in_progress"
    assert data["closed"] is False
    assert data["current_stage"] == {"stage": 1, "description": "Initial"}
    assert data["estimated_value"] == "10000.00"
    assert data["chances_of_success"] == "30.00"
    assert data["probability"] == "3.000000"
    assert data["calcd_current_value"] == "300.00"
    assert data["estimated_close_date"] == "2024-03-31"
    assert data["version"] == opp_a.version
    assert data["available_actions"] == {"next": [2], "skip": [2, 3, 4], "update": [1]}
    [entry] = data["entries"]
    assert entry["action_taken"] == "first"
    assert entry["stage"] == 1
    assert entry["active"] is True


def test_the_json_has_exactly_the_fields_the_schema_describes(api, opp_a):
    services.create_quote(opp_a)
    detail = api.get(url(opp_a)).json()
    listed = api.get(LIST).json()["results"][0]

    assert set(detail) == set(OpportunityDetailSerializer().fields)
    assert set(listed) == set(OpportunitySerializer().fields)
    assert set(detail["entries"][0]) == set(EntrySerializer().fields)
    quote = api.get(f"/api/v1/quotes/{detail['quote']}/").json()
    assert set(quote) == set(QuoteSerializer().fields)


def test_entries_come_newest_first(api, opp_a):
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, date_of_change=D(2024, 1, 20))
    entries = api.get(url(opp_a)).json()["entries"]
    assert [entry["action_taken"] for entry in entries] == ["next", "first"]
    assert entries[1]["days_open"] == 5


def test_every_opportunity_response_has_the_etag_of_its_version(api, opp_a):
    response = api.get(url(opp_a))
    assert response["ETag"] == f'"{opp_a.version}"'
    moved = api.post(url(opp_a, "update"), {"action": "next"})
    assert moved["ETag"] == f'"{opp_a.version + 1}"'


def test_a_salesperson_sees_no_actions_on_someone_elses_opportunity(seller_api, world):
    assert seller_api.get(url(world.open)).json()["available_actions"] == {}
    own = seller_api.get(url(world.own)).json()
    assert own["available_actions"] == {"next": [2], "skip": [2, 3, 4], "update": [1]}


def test_an_unknown_number_is_404(api, fx):
    response = api.get(f"{LIST}OP999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- the list ----------------------------------------------------------------------------------


def make(fx, count: int, **kwargs) -> list[Opportunity]:
    return [
        OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=fx.STD, **kwargs)
        for _ in range(count)
    ]


def test_the_list_takes_the_list_pages_filters(api, fx, world):
    def numbers(**query):
        response = api.get(LIST, query)
        assert response.status_code == 200, response.content
        return {row["number"] for row in response.json()["results"]}

    assert numbers(salesperson="JO") == {world.own.number}
    assert numbers(closed="true") == {world.ordered.number, world.closed.number}
    assert world.closed.number not in numbers(closed="false")
    assert numbers(status="not_started") == {world.not_started.number}
    assert numbers(search="Not sta") == {world.not_started.number}
    assert numbers(contact="CT100", sales_cycle="STD") == numbers()


def test_a_companys_list_includes_its_persons_opportunities(api, fx):
    person = fx.create_opp_a(description="Robert's", contact=fx.CT101)
    company = fx.create_opp_a()
    found = {row["number"] for row in api.get(LIST, {"contact": "CT100"}).json()["results"]}
    assert found == {person.number, company.number}


def test_a_filter_value_that_is_not_one_is_400_by_field(api, fx):
    response = api.get(LIST, {"salesperson": "NOBODY", "ordering": "password"})
    assert response.status_code == 400
    assert set(response.json()) == {"salesperson", "ordering"}


def test_the_list_sorts_by_the_list_pages_sort_keys(api, fx):
    low, high = fx.create_opp_a(estimated_value=100), fx.create_opp_a(estimated_value=900)
    rows = api.get(LIST, {"ordering": "-estimated_value"}).json()["results"]
    assert [row["number"] for row in rows] == [high.number, low.number]
    rows = api.get(LIST, {"ordering": "estimated_value"}).json()["results"]
    assert [row["number"] for row in rows] == [low.number, high.number]


def test_cursor_pages_walk_the_whole_list_forwards_and_back(api, fx):
    made = make(fx, 7)
    newest_first = [opportunity.number for opportunity in reversed(made)]
    seen, page = [], api.get(LIST, {"page_size": 3}).json()
    pages = [page]
    while True:
        seen += [row["number"] for row in page["results"]]
        if not page["next"]:
            break
        page = api.get(page["next"]).json()
        pages.append(page)
    assert seen == newest_first
    assert len(pages) == 3
    back = api.get(pages[-1]["previous"]).json()
    assert [row["number"] for row in back["results"]] == newest_first[3:6]
    assert pages[0]["previous"] is None and pages[-1]["next"] is None


def test_the_last_page_is_read_from_the_end_directly(api, fx):
    made = make(fx, 7)
    first = api.get(LIST, {"page_size": 3}).json()
    last = api.get(first["last"]).json()
    assert [row["number"] for row in last["results"]] == [o.number for o in reversed(made[:3])]
    assert last["next"] is None and last["previous"] is not None


def test_the_last_page_costs_the_same_queries_as_the_first(api, fx):
    make(fx, 30)
    first = api.get(LIST, {"page_size": 5})
    with CaptureQueriesContext(connection) as on_first:
        api.get(LIST, {"page_size": 5})
    with CaptureQueriesContext(connection) as on_last:
        api.get(first.json()["last"])
    assert len(on_last) == len(on_first)
    # Keyset, never OFFSET: the last page is the first one read backwards.
    assert not any("OFFSET" in query["sql"] for query in on_last.captured_queries)


def test_a_list_pages_queries_do_not_grow_with_its_rows(api, fx):
    make(fx, 30)
    with CaptureQueriesContext(connection) as small:
        api.get(LIST, {"page_size": 2})
    with CaptureQueriesContext(connection) as large:
        api.get(LIST, {"page_size": 25})
    assert len(large) == len(small)


def test_a_list_row_names_its_cycle_even_a_cycle_without_stages(api, fx):
    empty = SalesCycleFactory(code="EMPTY")
    make(fx, 1)
    OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=empty)
    rows = api.get(LIST).json()["results"]
    assert sorted(row["sales_cycle"] for row in rows) == ["EMPTY", "STD"]
    assert [row["available_actions"] for row in rows if row["sales_cycle"] == "EMPTY"] == [{}]


def test_a_cursor_that_the_list_did_not_make_is_404(api, fx):
    make(fx, 3)
    assert api.get(LIST, {"cursor": "not-a-cursor"}).status_code == 404
    first = api.get(LIST, {"page_size": 1}).json()
    # A cursor made for another order.
    next_url = first["next"]
    assert api.get(next_url + "&ordering=estimated_value").status_code == 404


# --- create ------------------------------------------------------------------------------------


def test_create_makes_an_opportunity_on_the_first_stage_through_the_service(api, fx):
    response = api.post(
        LIST,
        {
            "description": "Deal B",
            "contact": "CT100",
            "sales_cycle": "STD",
            "activate_first_stage": True,
            "estimated_value": "5000",
            "chances_of_success": "30",
            "estimated_close_date": "2099-03-31",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    created = Opportunity.objects.get(number=data["number"])
    assert created.salesperson == fx.JO  # the contact's
    assert created.entries.get().action_taken == "first"
    assert created.entries.get().created_by.username == "manager"
    assert response["Location"].endswith(url(created))
    assert response["ETag"] == f'"{created.version}"'


def test_create_without_activation_leaves_it_not_started(api, fx):
    data = api.post(LIST, {"description": "X", "contact": "CT200", "sales_cycle": "STD"}).json()
    assert data["status"] == "not_started"
    assert data["available_actions"] == {"first": [1]}


def test_create_refusals_are_409_with_the_services_code(api, fx):
    before = database_state(setup=True)
    blocked = api.post(LIST, {"description": "X", "contact": "CT100", "sales_cycle": "OLD"})
    assert_refused_with(blocked, 409, "blocked", before)
    no_value = api.post(
        LIST,
        {"description": "X", "contact": "CT100", "sales_cycle": "STD", "activate_first_stage": 1},
    )
    assert_refused_with(no_value, 409, "estimated_value_required", before)


def test_create_with_a_missing_or_unknown_reference_is_400_by_field(api, fx):
    before = database_state(setup=True)
    response = api.post(LIST, {"description": "X", "contact": "CT999"})
    assert response.status_code == 400
    assert set(response.json()) == {"contact", "sales_cycle"}
    assert database_state(setup=True) == before


def test_a_salesperson_creates_only_for_themselves(seller_api, fx):
    before = database_state(setup=True)
    response = seller_api.post(
        LIST, {"description": "X", "contact": "CT100", "sales_cycle": "STD", "salesperson": "AH"}
    )
    assert response.status_code == 400
    assert "salesperson" in response.json()
    assert database_state(setup=True) == before
    own = seller_api.post(LIST, {"description": "X", "contact": "CT100", "sales_cycle": "STD"})
    assert own.json()["salesperson"] == "JO"


# --- edit (PATCH) ------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_given_through_change_opportunity(api, opp_a):
    response = api.patch(url(opp_a), {"description": "Deal A, bigger"})
    assert response.status_code == 200, response.content
    opp_a.refresh_from_db()
    assert opp_a.description == "Deal A, bigger"
    assert opp_a.priority == "normal"
    assert response.json()["version"] == opp_a.version == 3
    assert opp_a.entries.count() == 1


def test_patch_refusals_are_409_and_write_nothing(api, fx, opp_a):
    before = database_state(setup=True)
    blocked = api.patch(url(opp_a), {"salesperson": "BLK"})
    assert_refused_with(blocked, 409, "blocked", before)
    cycle = api.patch(url(opp_a), {"sales_cycle": "OLD"})
    assert_refused_with(cycle, 409, "protected", before)  # started: its cycle stays
    started = api.patch(url(opp_a), {"contact": "CT200"})
    assert_refused_with(started, 409, "protected", before)


def test_a_salesperson_may_not_give_their_opportunity_to_someone_else(seller_api, world):
    before = database_state(setup=True)
    response = seller_api.patch(url(world.own), {"salesperson": "AH"})
    assert_refused_with(response, 409, "assign_not_allowed", before)


# --- the actions -------------------------------------------------------------------------------


def test_next_through_the_api_moves_the_opportunity_with_the_stages_defaults(api, opp_a):
    response = api.post(url(opp_a, "update"), {"action": "next", "date_of_change": "2024-01-20"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["current_stage"] == {"stage": 2, "description": "Needs"}
    assert data["chances_of_success"] == "40.00"
    assert data["estimated_close_date"] == "2024-02-03"
    assert data["calcd_current_value"] == "1000.00"


def test_skip_takes_the_target_as_a_stage_number(api, opp_a):
    response = api.post(
        url(opp_a, "update"),
        {
            "action": "skip",
            "to_stage": 3,
            "chances_of_success": "70",
            "date_of_change": "2024-01-20",
        },
    )
    assert response.json()["current_stage"]["stage"] == 3
    assert opp_a.entries.order_by("-pk").first().action_taken == "jumped"


def test_a_stage_number_the_cycle_does_not_have_is_no_target(api, opp_a):
    before = database_state(setup=True)
    response = api.post(url(opp_a, "update"), {"action": "skip", "to_stage": 99})
    assert_refused_with(response, 409, "invalid_target", before)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"action": "skip", "to_stage": 4}, "quote_required"),
        ({"action": "previous"}, "action_not_offered"),
        ({"action": "next", "date_of_change": "2024-01-10"}, "date_before_last_change"),
        ({"action": "update", "chances_of_success": "0"}, "chances_invalid"),
        ({"action": "update", "estimated_value": "0"}, "estimated_value_required"),
    ],
)
def test_update_refusals_are_409_with_the_code_and_nothing_written(api, opp_a, body, code):
    before = database_state(setup=True)
    assert_refused_with(api.post(url(opp_a, "update"), body), 409, code, before)


def test_a_bad_shape_is_400_by_field_and_writes_nothing(api, opp_a):
    before = database_state(setup=True)
    response = api.post(
        url(opp_a, "update"),
        {"action": "fly", "estimated_value": "NaN", "date_of_change": "2024-02-30"},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"action", "estimated_value", "date_of_change"}
    assert database_state(setup=True) == before
    broken = api.generic("POST", url(opp_a, "update"), "{", content_type="application/json")
    assert broken.status_code == 400
    assert "non_field_errors" in broken.json()


def test_update_takes_the_actions_of_the_update_dialog_and_no_other(api, opp_a):
    schema = api.get("/api/v1/schema/").json()["components"]["schemas"]
    assert schema["ActionEnum"]["enum"] == list(UpdateAction.values)
    before = database_state(setup=True)
    response = api.post(url(opp_a, "update"), {"action": "sideways"})
    assert response.status_code == 400
    assert list(response.json()) == ["action"]
    assert database_state(setup=True) == before


def test_a_refusal_reads_in_french_with_french_dates(api, opp_a):
    response = api.post(
        url(opp_a, "update"),
        {"action": "next", "date_of_change": "2024-01-10"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 409
    assert response.json()["message"] == (
        "La date du 10/01/2024 est antérieure à la dernière modification de l\u2019opportunité, "
        "le 15/01/2024."
    )


def test_close_as_won_closes_it_through_the_service(api, fx, opp_a):
    response = api.post(
        url(opp_a, "close"),
        {
            "outcome": "won",
            "close_code": "W-PRICE",
            "sales_value": "9000",
            "date_closed": "2024-02-10",
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "won" and data["closed"] is True
    assert data["date_closed"] == "2024-02-10"
    assert data["calcd_current_value"] == "9000.00"
    assert data["available_actions"] == {}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"outcome": "won", "close_code": "L-PRICE", "sales_value": "1"}, "close_code_type"),
        ({"outcome": "won", "sales_value": "1"}, "close_code_required"),
        ({"outcome": "won", "close_code": "W-PRICE", "sales_value": "0"}, "sales_value_required"),
    ],
)
def test_close_refusals_are_409_with_the_code_and_nothing_written(api, opp_a, body, code):
    before = database_state(setup=True)
    assert_refused_with(api.post(url(opp_a, "close"), body), 409, code, before)


def test_an_unknown_close_code_is_400(api, opp_a):
    response = api.post(url(opp_a, "close"), {"outcome": "lost", "close_code": "NOPE"})
    assert response.status_code == 400
    assert set(response.json()) == {"close_code"}


def test_activate_puts_a_not_started_opportunity_on_the_first_stage(api, fx):
    not_started = fx.create_opp_a(activate_first_stage=False)
    data = api.post(url(not_started, "activate")).json()
    assert data["status"] == "in_progress"
    assert data["current_stage"]["stage"] == 1
    before = database_state(setup=True)
    again = api.post(url(not_started, "activate"))
    assert_refused_with(again, 409, "action_not_offered", before)


def test_create_quote_links_an_open_quote_and_answers_201(api, opp_a):
    response = api.post(url(opp_a, "quote"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "open" and data["opportunity"] == opp_a.number
    assert data["contact"] == "CT100" and data["customer"] == "C10000"
    assert response["Location"].endswith(f"/api/v1/quotes/{data['number']}/")
    before = database_state(setup=True)
    assert_refused_with(api.post(url(opp_a, "quote")), 409, "quote_exists", before)


def test_a_quote_for_a_person_is_refused(api, fx):
    person = fx.create_opp_a(contact=fx.CT101)
    before = database_state(setup=True)
    assert_refused_with(api.post(url(person, "quote")), 409, "contact_not_company", before)


# --- delete ------------------------------------------------------------------------------------


def test_delete_removes_a_closed_opportunity_with_its_entries(api, fx, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    assert api.delete(url(opp_a)).status_code == 204
    assert not Opportunity.objects.filter(pk=opp_a.pk).exists()


def test_deleting_an_open_opportunity_is_refused(api, opp_a):
    before = database_state(setup=True)
    assert_refused_with(api.delete(url(opp_a)), 409, "not_closed", before)


# --- stale writes ------------------------------------------------------------------------------


def writes(opportunity) -> list[tuple[str, str, dict]]:
    return [
        ("post", url(opportunity, "update"), {"action": "next"}),
        ("post", url(opportunity, "close"), {"outcome": "lost", "close_code": "L-COMP"}),
        ("post", url(opportunity, "quote"), {}),
        ("patch", url(opportunity), {"description": "Changed"}),
        ("delete", url(opportunity), {}),
    ]


def test_every_write_with_a_stale_if_match_is_412_and_writes_nothing(api, opp_a):
    seen = f'"{opp_a.version}"'
    services.change_opportunity(opp_a, description="Someone else's change")
    before = database_state(setup=True)
    for method, address, body in writes(opp_a):
        response = getattr(api, method)(address, body, HTTP_IF_MATCH=seen)
        assert_refused_with(response, 412, "stale", before)
        assert response["ETag"] == f'"{opp_a.version}"'


def test_an_if_match_that_is_no_version_matches_none(api, opp_a):
    before = database_state(setup=True)
    for header in ('"abc"', "7", '"99999999999999999999"', 'W/"x", "y"'):
        response = api.post(url(opp_a, "update"), {"action": "next"}, HTTP_IF_MATCH=header)
        assert_refused_with(response, 412, "stale", before)


def test_the_current_if_match_or_a_star_lets_the_write_through(api, opp_a):
    response = api.post(
        url(opp_a, "update"), {"action": "next"}, HTTP_IF_MATCH=f'W/"1", "{opp_a.version}"'
    )
    assert response.status_code == 200
    response = api.post(url(opp_a, "update"), {"action": "update"}, HTTP_IF_MATCH="*")
    assert response.status_code == 200


def test_make_order_checks_the_if_match_of_the_linked_opportunity(api, fx, opp_a):
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="Desk", quantity=Decimal(1), unit_price=9500)
    opp_a.refresh_from_db()
    before = database_state(setup=True)
    stale = api.post(
        f"/api/v1/quotes/{quote.number}/order/",
        {"close_code": "W-PRICE"},
        HTTP_IF_MATCH=f'"{opp_a.version - 1}"',
    )
    assert_refused_with(stale, 412, "stale", before)
    response = api.post(
        f"/api/v1/quotes/{quote.number}/order/",
        {"close_code": "W-PRICE", "date_closed": "2024-02-10"},
        HTTP_IF_MATCH=f'"{opp_a.version}"',
    )
    assert response.status_code == 201, response.content
    assert response.json()["opportunity"] == opp_a.number
    assert response.json()["total"] == "9500.00"


def test_a_nul_character_in_the_address_is_400_as_json(manager, fx):
    # The middleware refuses it before any view (SuspiciousOperation): the client must not
    # raise it, the site answers it.
    client = token_client(manager, raise_request_exception=False)
    for address in (f"{LIST}?search=%00", f"{LIST}OP%00/", f"{LIST}?cursor=a%00b"):
        response = client.get(address)
        assert response.status_code == 400, address
        assert response["Content-Type"] == "application/json"
        assert response.json()["non_field_errors"]
