"""Setup data through the API: contacts, salespeople, sales cycles with their stages and close
codes, written by managers through the admin's rules (the model's `full_clean()`, the deletion
guards), read by every role."""

import pytest

from contacts.models import Contact, Salesperson
from opportunities import services
from opportunities.models import CloseOpportunityCode
from salescycles.models import SalesCycle, SalesCycleStage
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db

API = "/api/v1"


def assert_refused_with(response, status: int, code: str | None, before: dict) -> None:
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["code"] == code
    assert database_state(setup=True) == before


def test_a_sales_cycle_reads_with_its_stages_in_order(seller_api, fx):
    data = seller_api.get(f"{API}/sales-cycles/STD/").json()
    assert data["code"] == "STD"
    assert [stage["stage"] for stage in data["stages"]] == [1, 2, 3, 4, 5]
    assert data["stages"][3] == {
        "stage": 4,
        "description": "Presentation",
        "completed": "70.00",
        "chances_of_success": "60.00",
        "quote_required": True,
        "allow_skip": False,
        "date_formula": "2W",
    }


def test_setup_lists_come_in_cursor_pages_in_the_order_of_their_key(seller_api, fx):
    first = seller_api.get(f"{API}/contacts/", {"page_size": 2}).json()
    assert [row["number"] for row in first["results"]] == ["CT100", "CT101"]
    second = seller_api.get(first["next"]).json()
    assert [row["number"] for row in second["results"]] == ["CT200", "CT201"]
    assert first["results"][0]["customer"] == "C10000"
    assert first["results"][1]["company"] == "CT100"


def test_a_manager_creates_a_contact_with_an_automatic_number(api, fx):
    response = api.post(
        f"{API}/contacts/",
        {"name": "Fabrikam", "type": "person", "company": "CT200", "salesperson": "AH"},
    )
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(number=response.json()["number"])
    assert contact.company == fx.CT200
    assert contact.salesperson == fx.AH


def test_the_models_rules_refuse_a_bad_contact_by_field(api, fx):
    before = database_state(setup=True)
    company_of_a_company = api.post(
        f"{API}/contacts/", {"name": "X", "type": "company", "company": "CT200"}
    )
    assert_refused_with(company_of_a_company, 400, None, before)
    assert "company" in company_of_a_company.json()


def test_a_contacts_type_cannot_change_while_opportunities_refer_to_it(api, opp_a):
    before = database_state(setup=True)
    response = api.patch(f"{API}/contacts/CT100/", {"type": "person"})
    assert_refused_with(response, 409, "protected", before)


def test_codes_are_upper_cased_and_checked_like_the_admins(api, fx):
    created = api.post(f"{API}/salespeople/", {"code": "new", "name": "New One"})
    assert created.status_code == 201, created.content
    assert Salesperson.objects.filter(code="NEW").exists()
    before = database_state(setup=True)
    duplicate = api.post(f"{API}/salespeople/", {"code": "jo", "name": "Other Jo"})
    assert_refused_with(duplicate, 400, None, before)
    assert "code" in duplicate.json()
    bad = api.post(f"{API}/salespeople/", {"code": "a/b", "name": "Slash"})
    assert_refused_with(bad, 400, None, before)


def test_a_code_that_upper_casing_makes_too_long_is_400_not_500(api, fx):
    before = database_state(setup=True)
    response = api.post(
        f"{API}/close-codes/", {"code": "ßßßßßßßßßß", "description": "Straße", "type": "won"}
    )
    assert_refused_with(response, 400, None, before)
    assert "code" in response.json()


def test_a_reference_holding_a_nul_character_is_400_not_500(api, fx):
    before = database_state(setup=True)
    for body in ({"name": "X", "salesperson": "J\x00O"}, {"name": "X", "company": "CT\x00"}):
        response = api.post(f"{API}/contacts/", body)
        assert_refused_with(response, 400, None, before)
    response = api.post(
        f"{API}/opportunities/", {"description": "X", "contact": "\x00", "sales_cycle": "STD"}
    )
    assert_refused_with(response, 400, None, before)
    assert set(response.json()) == {"contact"}


def test_a_manager_blocks_a_salesperson_and_it_can_no_longer_be_chosen(api, fx):
    assert api.patch(f"{API}/salespeople/AH/", {"blocked": True}).status_code == 200
    before = database_state(setup=True)
    response = api.post(
        f"{API}/opportunities/",
        {"description": "X", "contact": "CT100", "sales_cycle": "STD", "salesperson": "AH"},
    )
    assert_refused_with(response, 409, "blocked", before)


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/salespeople/JO/",
        f"{API}/contacts/CT100/",
        f"{API}/sales-cycles/STD/",
        f"{API}/sales-cycles/STD/stages/1/",
    ],
)
def test_setup_data_in_use_cannot_be_deleted(api, opp_a, url):
    before = database_state(setup=True)
    response = api.delete(url)
    assert_refused_with(response, 409, "protected", before)
    assert response.json()["message"].strip()


def test_a_close_code_used_by_entries_cannot_be_deleted(api, fx, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    before = database_state(setup=True)
    assert_refused_with(api.delete(f"{API}/close-codes/L-COMP/"), 409, "protected", before)
    assert api.delete(f"{API}/close-codes/L-PRICE/").status_code == 204
    assert not CloseOpportunityCode.objects.filter(code="L-PRICE").exists()


def test_a_contact_that_a_customer_refers_to_is_refused_not_500(api, fx):
    before = database_state(setup=True)
    assert_refused_with(api.delete(f"{API}/contacts/CT100/"), 409, "protected", before)


def test_stages_are_written_in_their_cycle_with_its_rules(api, fx):
    created = api.post(
        f"{API}/sales-cycles/STD/stages/",
        {"stage": 6, "description": "Closing", "completed": "95", "date_formula": "cm+1d"},
    )
    assert created.status_code == 201, created.content
    stage = SalesCycleStage.objects.get(sales_cycle=fx.STD, stage=6)
    assert stage.date_formula == "CM+1D"
    before = database_state(setup=True)
    taken = api.post(f"{API}/sales-cycles/STD/stages/", {"stage": 6, "description": "Again"})
    assert_refused_with(taken, 400, None, before)
    formula = api.post(
        f"{API}/sales-cycles/STD/stages/", {"stage": 7, "description": "X", "date_formula": "1X"}
    )
    assert_refused_with(formula, 400, None, before)
    assert "date_formula" in formula.json()
    assert api.patch(f"{API}/sales-cycles/STD/stages/6/", {"allow_skip": True}).json()["allow_skip"]
    assert api.delete(f"{API}/sales-cycles/STD/stages/6/").status_code == 204


def test_a_stage_of_an_unknown_cycle_or_number_is_404(api, fx):
    assert api.get(f"{API}/sales-cycles/NOPE/stages/").status_code == 404
    assert api.get(f"{API}/sales-cycles/STD/stages/9/").status_code == 404
    assert api.get(f"{API}/sales-cycles/STD/stages/99999999999999999999/").status_code == 404


def test_a_new_sales_cycle_starts_without_stages(api, fx):
    response = api.post(f"{API}/sales-cycles/", {"code": "big", "description": "Big deals"})
    assert response.status_code == 201, response.content
    assert response.json()["stages"] == []
    assert SalesCycle.objects.filter(code="BIG").exists()
