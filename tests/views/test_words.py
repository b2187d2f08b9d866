"""Words that fit the case: each page says what is true of the opportunity in front of it, not a
general sentence that may not apply."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from contacts.models import Customer
from opportunities import services
from opportunities.models import Opportunity
from salescycles.models import SalesCycle
from tests.factories import UserFactory
from tests.snapshots import assert_refused, database_state

pytestmark = pytest.mark.django_db
D = datetime.date


def french(client):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    return client


# --- the delete dialog speaks of the quote and order only when there are some ---------------


def delete_text(client, opportunity) -> str:
    return client.get(reverse("opportunities:delete", args=[opportunity.number])).content.decode()


def test_deleting_an_opportunity_without_documents_speaks_of_none(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_PRICE)
    text = delete_text(client, opp_a)
    assert "Delete OP000001 and all its entries? This cannot be undone." in text
    assert "quote" not in text.split('class="modal-body"')[1].split("modal-footer")[0].lower()


def test_deleting_an_opportunity_with_a_quote_says_the_quote_stays(fx, client, opp_a):
    quote = services.create_quote(opp_a)
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_PRICE)
    assert (
        f"Delete OP000001 and all its entries? Its quote {quote.number} stays. This cannot be "
        "undone." in delete_text(client, opp_a)
    )


def won_with_an_order(fx, opportunity):
    quote = services.create_quote(opportunity)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(2), unit_price=500)
    order = services.make_order(quote, close_code=fx.W_PRICE)
    return quote, order


def test_deleting_an_opportunity_with_a_quote_and_an_order_says_both_stay(fx, client, opp_a):
    quote, order = won_with_an_order(fx, opp_a)
    assert (
        f"Delete OP000001 and all its entries? Its quote {quote.number} and its order "
        f"{order.number} stay. This cannot be undone." in delete_text(client, opp_a)
    )


def test_the_delete_dialog_speaks_french_of_the_documents(fx, client, opp_a):
    quote, order = won_with_an_order(fx, opp_a)
    assert f"Son devis {quote.number} et sa commande {order.number} restent." in delete_text(
        french(client), opp_a
    )


# --- a closed opportunity's Update says it is closed -------------------------------------------


def test_the_update_dialog_of_a_closed_opportunity_says_it_is_closed(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_PRICE)
    response = client.get(reverse("opportunities:update", args=[opp_a.number]))
    content = response.content.decode()
    assert "OP000001 is closed (Lost): it can no longer be updated." in content
    assert "No update is offered" not in content
    assert 'name="ok"' not in content


def test_the_update_dialog_of_a_closed_opportunity_says_so_in_french(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_PRICE)
    response = french(client).get(reverse("opportunities:update", args=[opp_a.number]))
    assert "OP000001 est clôturée (Perdu) : elle ne peut plus être mise à jour." in (
        response.content.decode()
    )


def test_an_open_opportunity_without_an_update_still_says_none_is_offered(fx, client):
    empty = SalesCycle.objects.create(code="EMPTY", description="No stages yet")
    opportunity = fx.create_opp_a(activate_first_stage=False, sales_cycle=empty)
    content = client.get(reverse("opportunities:update", args=[opportunity.number])).content
    assert "No update is offered for" in content.decode()


# --- a duplicate close code gets our own message ----------------------------------------------


def add_code(client, opportunity, code: str):
    return client.post(
        reverse("opportunities:close_code_add", args=[opportunity.number]),
        {
            "version": opportunity.version,
            "outcome": "won",
            "new-code": code,
            "new-type": "won",
            "new-description": "Again",
        },
    )


def test_a_duplicate_close_code_from_the_close_dialog_gets_our_message(fx, client, opp_a):
    response = assert_refused("unique", add_code, client, opp_a, "w-price")
    errors = response.context["code_form"].errors
    assert errors["code"] == ["Close opportunity code W-PRICE already exists."]


def test_a_duplicate_close_code_gets_our_message_in_french(fx, client, opp_a):
    response = add_code(french(client), opp_a, "W-PRICE")
    assert response.context["code_form"].errors["code"] == [
        "Le code fin opportunité W-PRICE existe déjà."
    ]


@pytest.fixture
def admin_client(client, manager):
    manager.is_staff = manager.is_superuser = True
    manager.save(update_fields=["is_staff", "is_superuser"])
    return client


def test_a_duplicate_close_code_in_the_admin_gets_our_message(fx, admin_client):
    before = database_state(setup=True)
    response = admin_client.post(
        reverse("admin:opportunities_closeopportunitycode_add"),
        {"code": "l-comp", "description": "Again", "type": "lost"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "Close opportunity code L-COMP already exists."
    ]
    assert database_state(setup=True) == before


# --- "Create the customer" from the make-order dialog stays in the dialog ---------------------


@pytest.fixture
def litware_quote(fx):
    opportunity = fx.create_opp_a(contact=fx.CT200)
    quote = services.create_quote(opportunity)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(2), unit_price=500)
    return quote


def order_url(quote) -> str:
    return reverse("opportunities:make_order", args=[quote.number])


def test_the_make_order_dialog_creates_the_customer_itself(fx, client, litware_quote):
    content = client.get(order_url(litware_quote)).content.decode()
    assert 'name="create_customer"' in content
    assert reverse("contacts:create_customer", args=["CT200"]) not in content


def test_creating_the_customer_in_the_dialog_shows_the_dialog_again(
    fx, client, litware_quote, htmx
):
    url = order_url(litware_quote) + "?next=/opportunities/OP000001/"
    response = client.post(url, {"create_customer": "1", "modal": "1"}, **htmx)
    assert response.status_code == 200
    assert "HX-Redirect" not in response.headers
    content = response.content.decode()
    customer = Customer.objects.get(contact=fx.CT200)
    assert f"Contact CT200 Litware is now customer {customer.number}." in content
    assert "<html" not in content and 'data-bs-dismiss="modal"' in content
    assert response.context["form"].closes  # the order can be made now
    assert 'value="/opportunities/OP000001/"' in content  # Cancel still goes back there


def test_creating_the_customer_without_javascript_returns_to_the_dialog(fx, client, litware_quote):
    url = order_url(litware_quote)
    response = client.post(f"{url}?next=/opportunities/OP000001/", {"create_customer": "1"})
    assert response["Location"] == f"{url}?next=/opportunities/OP000001/"
    page = client.get(response["Location"]).content.decode()
    assert "is now customer" in page
    assert Customer.objects.filter(contact=fx.CT200).exists()


def test_creating_the_customer_in_the_dialog_needs_the_right_to(fx, litware_quote):
    clerk = UserFactory(username="clerk")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_quote", "change_quote", "add_salesorder", "change_opportunity"]
        )
    )
    fx.JO.user = clerk
    fx.JO.save(update_fields=["user"])
    client = Client()
    client.force_login(clerk)
    assert client.get(order_url(litware_quote)).status_code == 200
    assert_refused(
        "permission_denied", client.post, order_url(litware_quote), {"create_customer": "1"}
    )


def test_a_customer_created_meanwhile_is_refused_in_the_dialog(fx, client, litware_quote, htmx):
    Customer.objects.create(number="C20000", name="Litware", contact=fx.CT200)
    response = assert_refused(
        "customer_exists", client.post, order_url(litware_quote), {"create_customer": "1"}, **htmx
    )
    assert "Contact CT200 is already customer C20000." in response.content.decode()


# --- the batch preview lists the first opportunities it would delete --------------------------


def close_lost(fx, description: str, day: int) -> Opportunity:
    opportunity = fx.create_opp_a(description=description)
    services.close_opportunity(
        opportunity, outcome="lost", close_code=fx.L_COMP, date_closed=D(2024, 2, day)
    )
    return opportunity


def test_the_batch_preview_lists_the_first_ten_it_would_delete(fx, client):
    closed = [close_lost(fx, f"Deal {n}", n) for n in range(1, 13)]
    fx.create_opp_a(description="Still open")
    response = client.get(
        reverse("opportunities:batch_delete"), {"preview": "1", "all_closed": "on"}
    )
    listed = response.context["first_to_delete"]
    assert [row.number for row in listed] == [row.number for row in closed[:10]]
    content = response.content.decode()
    table = content.split('id="preview-rows"')[1].split("</table>")[0]
    assert "OP000001" in table and "Deal 1" in table and "02/01/2024" in table
    assert "Deal 11" not in table and "Still open" not in table
    assert "The first 10 of 12:" in content


def test_the_batch_preview_lists_all_when_there_are_few(fx, client):
    close_lost(fx, "Only one", 3)
    response = client.get(
        reverse("opportunities:batch_delete"), {"preview": "1", "all_closed": "on"}
    )
    assert [row.description for row in response.context["first_to_delete"]] == ["Only one"]
    assert "The first" not in response.content.decode()


def test_the_batch_preview_lists_nothing_when_nothing_matches(fx, client):
    response = client.get(
        reverse("opportunities:batch_delete"), {"preview": "1", "all_closed": "on"}
    )
    assert response.context["preview"] == 0
    assert 'id="preview-rows"' not in response.content.decode()


# --- the "Opportunities" figure of a card counts what the list it links to shows --------------


def figure(content: str) -> str:
    """The statistics' first figure: its label and its link."""
    return content.split('id="statistics-title"')[1].split("</div>")[0]


def test_the_salesperson_card_counts_all_its_opportunities_and_links_to_them(fx, client, opp_a):
    close_lost(fx, "Lost one", 1)
    content = client.get(fx.JO.get_absolute_url()).content.decode()
    shown = figure(content)
    assert "Opportunities (all, closed included)" in shown
    link = reverse("opportunities:list") + "?salesperson=JO"
    assert f'href="{link}"' in shown and ">2<" in shown
    listed = client.get(link).context["total"]
    assert listed == 2


def test_the_contact_card_counts_the_company_and_its_persons(fx, client, opp_a):
    fx.create_opp_a(contact=fx.CT101)
    content = client.get(fx.CT100.get_absolute_url()).content.decode()
    shown = figure(content)
    link = reverse("opportunities:list") + "?contact=CT100"
    assert "Opportunities (all, closed included)" in shown
    assert f'href="{link}"' in shown and ">2<" in shown
    assert client.get(link).context["total"] == 2


def test_the_sales_cycle_card_counts_the_opportunities_in_progress(fx, client, opp_a):
    fx.create_opp_a(activate_first_stage=False)  # not started: not counted
    close_lost(fx, "Lost one", 1)
    content = client.get(fx.STD.get_absolute_url()).content.decode()
    shown = figure(content)
    link = reverse("opportunities:list") + "?sales_cycle=STD&amp;status=in_progress"
    assert "Opportunities (in progress)" in shown
    assert f'href="{link}"' in shown and ">1<" in shown
    listed = client.get(
        reverse("opportunities:list"), {"sales_cycle": "STD", "status": "in_progress"}
    )
    assert listed.context["total"] == 1


def test_the_figures_say_which_opportunities_in_french(fx, client, opp_a):
    content = french(client).get(fx.STD.get_absolute_url()).content.decode()
    assert "Opportunités (en cours)" in figure(content)
    content = client.get(fx.JO.get_absolute_url()).content.decode()
    assert "Opportunités (toutes, clôturées comprises)" in figure(content)


# --- a person's opportunity says why it offers no quote -----------------------------------------


def test_the_card_of_a_persons_opportunity_says_why_there_is_no_create_quote(fx, client):
    opportunity = fx.create_opp_a(contact=fx.CT101)
    response = client.get(opportunity.get_absolute_url())
    assert "create_quote" not in response.context["commands"]
    note = response.content.decode().split('id="no-quote"')[1].split("</p>")[0]
    assert "Only company contacts get quotes: CT101 Robert is a person." in note
    assert "To quote, make its company CT100 Adatum the contact with Edit." in note


def test_the_note_of_a_person_without_a_company_offers_no_way_round(fx, client):
    opportunity = fx.create_opp_a(contact=fx.CT300)
    content = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Only company contacts get quotes: CT300 Sam is a person." in content
    assert "To quote" not in content


def test_the_note_is_in_french(fx, client):
    opportunity = fx.create_opp_a(contact=fx.CT101)
    content = french(client).get(opportunity.get_absolute_url()).content.decode()
    assert "Seuls les contacts société ont des devis : CT101 Robert est une personne." in content


@pytest.mark.parametrize("case", ["company", "not started", "closed", "not theirs"])
def test_no_note_where_it_does_not_apply(fx, client, seller_client, case):
    opportunity = {
        "company": lambda: fx.create_opp_a(),
        "not started": lambda: fx.create_opp_a(contact=fx.CT101, activate_first_stage=False),
        "closed": lambda: fx.create_opp_a(contact=fx.CT101),
        "not theirs": lambda: fx.create_opp_a(contact=fx.CT101, salesperson=fx.AH),
    }[case]()
    if case == "closed":
        services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_PRICE)
    viewer = seller_client if case == "not theirs" else client
    assert 'id="no-quote"' not in viewer.get(opportunity.get_absolute_url()).content.decode()
