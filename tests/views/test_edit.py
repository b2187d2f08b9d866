"""The Edit dialog of the card: description, priority, contact, salesperson (managers) and sales
cycle (not started), saved through `change_opportunity`, without an entry."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry
from salescycles.models import SalesCycle
from tests.snapshots import assert_refused, database_state

pytestmark = pytest.mark.django_db


def url(opportunity) -> str:
    return reverse("opportunities:edit", args=[opportunity.number])


def card(client, opportunity) -> str:
    return client.get(opportunity.get_absolute_url()).content.decode()


def data(opportunity, **changes) -> dict:
    values = {
        "version": opportunity.version,
        "description": opportunity.description,
        "priority": opportunity.priority,
        "contact": opportunity.contact.number,
        "salesperson": opportunity.salesperson.code,
        "sales_cycle": opportunity.sales_cycle.code,
    }
    return values | changes


def choices(response, field: str) -> list[str]:
    """The options of the field's select, as the page shows them."""
    content = response.content.decode()
    select = re.search(rf'<select name="{field}".*?</select>', content, re.S)
    return re.findall(r'<option value="([^"]*)"', select.group())


def suggested(client, response, field: str, typed: str) -> list[str]:
    """What the field's picker suggests for `typed`: its search, as htmx asks it."""
    content = response.content.decode()
    picker = re.search(rf'<input type="text" name="{field}"[^>]*>', content).group()
    search = html.unescape(re.search(r'data-hx-get="([^"]*)"', picker).group(1))
    options = client.get(f"{search}&{field}={typed}").content.decode()
    return re.findall(r'<option value="([^"]*)"', options)


def test_the_card_offers_edit_to_a_manager(fx, client, opp_a):
    assert url(opp_a) in card(client, opp_a)


def test_the_card_offers_edit_to_the_salesperson_of_the_opportunity(fx, seller_client, opp_a):
    assert url(opp_a) in card(seller_client, opp_a)


def test_the_card_offers_no_edit_on_someone_elses_opportunity(fx, seller_client):
    theirs = fx.create_opp_a(salesperson=fx.AH)
    assert url(theirs) not in card(seller_client, theirs)
    assert seller_client.get(url(theirs)).status_code == 403


def test_the_card_of_a_closed_opportunity_offers_no_edit(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_PRICE)
    assert url(opp_a) not in card(client, opp_a)


def test_the_dialog_of_a_closed_opportunity_says_it_is_closed_and_offers_no_ok(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_PRICE)
    content = client.get(url(opp_a)).content.decode()
    assert "OP000001 is closed and cannot be edited." in content
    assert 'name="ok"' not in content


def test_the_dialog_opens_with_the_current_values(fx, client, opp_a):
    form = client.get(url(opp_a)).context["form"]
    assert form.initial == {
        "version": opp_a.version,
        "description": "Deal A",
        "priority": "normal",
        "contact": "CT100",
        "salesperson": "JO",
        "sales_cycle": "STD",
    }


def test_edit_saves_the_fields_through_the_service_without_an_entry(fx, client, opp_a):
    entries = list(OpportunityEntry.objects.values())
    response = client.post(
        url(opp_a),
        data(opp_a, description="Deal A, phase 2", priority="high", contact="CT101"),
        follow=True,
    )
    assert "OP000001 saved." in response.content.decode()
    assert response.resolver_match.view_name == "opportunities:detail"
    saved = Opportunity.objects.get(pk=opp_a.pk)
    assert (saved.description, saved.priority, saved.contact) == (
        "Deal A, phase 2",
        "high",
        fx.CT101,
    )
    assert saved.version == opp_a.version + 1
    assert saved.estimated_value == Decimal(10000)
    assert list(OpportunityEntry.objects.values()) == entries


def test_edit_returns_where_the_user_came_from(fx, client, opp_a):
    response = client.post(url(opp_a) + "?next=/contacts/CT100/", data(opp_a, description="X"))
    assert response["Location"] == "/contacts/CT100/"


def test_saving_without_a_change_says_so_and_keeps_the_version(fx, client, opp_a):
    response = client.post(url(opp_a), data(opp_a), follow=True)
    assert "Nothing changed on OP000001." in response.content.decode()
    assert Opportunity.objects.get(pk=opp_a.pk).version == opp_a.version


def test_a_manager_gives_the_opportunity_to_another_salesperson(fx, client, opp_a):
    assert "AH" in choices(client.get(url(opp_a)), "salesperson")
    client.post(url(opp_a), data(opp_a, salesperson="AH"))
    assert Opportunity.objects.get(pk=opp_a.pk).salesperson == fx.AH


def test_a_blocked_salesperson_is_not_listed(fx, client, opp_a):
    assert "BLK" not in choices(client.get(url(opp_a)), "salesperson")


def test_a_blocked_salesperson_is_refused_next_to_the_salesperson_field(fx, client, opp_a):
    response = assert_refused("blocked", client.post, url(opp_a), data(opp_a, salesperson="BLK"))
    form = response.context["form"]
    assert form.errors["salesperson"] == ["Salesperson BLK is blocked."]
    assert not form.non_field_errors()
    assert "is-invalid" in response.content.decode()
    assert "BLK" in choices(response, "salesperson")  # the refused choice stays shown


def test_a_salesperson_is_not_offered_the_salesperson_field(fx, seller_client, opp_a):
    response = seller_client.get(url(opp_a))
    assert "salesperson" not in response.context["form"].fields
    assert "Only a sales manager can give the opportunity to another salesperson." in (
        response.content.decode()
    )


def test_a_salesperson_posting_another_salesperson_changes_nothing_of_it(fx, seller_client, opp_a):
    seller_client.post(url(opp_a), data(opp_a, salesperson="AH", description="Renamed"))
    saved = Opportunity.objects.get(pk=opp_a.pk)
    assert (saved.salesperson, saved.description) == (fx.JO, "Renamed")


def test_the_sales_cycle_is_offered_while_the_opportunity_is_not_started(fx, client):
    fast = SalesCycle.objects.create(code="FAST", description="Fast")
    opportunity = fx.create_opp_a(activate_first_stage=False)
    response = client.get(url(opportunity))
    assert "FAST" in choices(response, "sales_cycle")
    assert "OLD" not in choices(response, "sales_cycle")  # blocked
    client.post(url(opportunity), data(opportunity, sales_cycle="FAST"))
    assert Opportunity.objects.get(pk=opportunity.pk).sales_cycle == fast


def test_the_sales_cycle_of_a_started_opportunity_is_not_offered(fx, client, opp_a):
    response = client.get(url(opp_a))
    assert "sales_cycle" not in response.context["form"].fields
    assert "The sales cycle can change only while the opportunity is not started." in (
        response.content.decode()
    )
    client.post(url(opp_a), data(opp_a, sales_cycle="OLD", description="Renamed"))
    saved = Opportunity.objects.get(pk=opp_a.pk)
    assert (saved.sales_cycle, saved.description) == (fx.STD, "Renamed")


def test_a_started_opportunity_suggests_only_the_contacts_of_its_company(fx, client, opp_a):
    assert suggested(client, client.get(url(opp_a)), "contact", "CT") == ["CT100", "CT101"]


def test_a_started_opportunity_of_a_person_without_a_company_suggests_only_that_person(fx, client):
    opportunity = fx.create_opp_a(contact=fx.CT300)
    assert suggested(client, client.get(url(opportunity)), "contact", "CT") == ["CT300"]


def test_a_not_started_opportunity_suggests_every_contact(fx, client):
    opportunity = fx.create_opp_a(activate_first_stage=False)
    assert suggested(client, client.get(url(opportunity)), "contact", "ct") == [
        "CT100",
        "CT201",
        "CT200",
        "CT101",
        "CT300",
    ]  # by name: Adatum, Jane, Litware, Robert, Sam


def test_a_contact_of_another_company_is_refused_next_to_the_contact_field(fx, client, opp_a):
    response = assert_refused("protected", client.post, url(opp_a), data(opp_a, contact="CT201"))
    form = response.context["form"]
    assert list(form.errors) == ["contact"]
    assert "same company" in form.errors["contact"][0]


def test_an_unknown_contact_is_a_form_error(fx, client, opp_a):
    response = assert_refused(
        "invalid_choice", client.post, url(opp_a), data(opp_a, contact="CT999")
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["contact"]


def test_an_empty_description_is_refused(fx, client, opp_a):
    response = assert_refused("required", client.post, url(opp_a), data(opp_a, description=""))
    assert list(response.context["form"].errors) == ["description"]


def test_an_edit_from_a_stale_dialog_is_refused_and_shows_the_current_state(fx, client, opp_a):
    seen = data(opp_a, description="From an old page")
    services.change_opportunity(opp_a, priority="high")
    response = assert_refused("stale", client.post, url(opp_a), seen)
    form = response.context["form"]
    assert "was changed by someone else" in response.content.decode()
    assert form["version"].value() == str(opp_a.version)
    assert Opportunity.objects.get(pk=opp_a.pk).description == "Deal A"


def test_an_edit_of_an_opportunity_closed_meanwhile_is_refused(fx, client, opp_a):
    seen = data(opp_a, description="Too late")
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_PRICE)
    seen["version"] = Opportunity.objects.get(pk=opp_a.pk).version
    assert_refused("closed", client.post, url(opp_a), seen)


def test_an_edit_without_a_version_is_refused_as_incomplete(fx, client, opp_a):
    before = database_state()
    response = client.post(url(opp_a), data(opp_a, version="", description="X"))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert database_state() == before


def test_htmx_gets_the_dialog_only(fx, client, opp_a, htmx):
    content = client.get(url(opp_a), **htmx).content.decode()
    assert "<html" not in content
    assert 'id="edit-form"' in content
    assert 'data-bs-dismiss="modal"' in content


def test_an_unknown_opportunity_is_a_404(fx, client):
    assert client.get(reverse("opportunities:edit", args=["OP999999"])).status_code == 404


def test_the_dialog_is_in_french_for_a_french_user(fx, client, opp_a):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    content = client.get(url(opp_a)).content.decode()
    assert "Modifier l\u2019opportunité" in content
    assert "Vendeur" in content
