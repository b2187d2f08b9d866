"""Contacts, salespeople and sales cycles: lists with search, cards with statistics."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact, Customer
from opportunities import services
from opportunities.models import UpdateAction
from tests.factories import ContactFactory
from tests.snapshots import assert_refused

pytestmark = pytest.mark.django_db


def test_the_contact_list_searches(fx, client):
    response = client.get(reverse("contacts:contact_list"), {"q": "lit"})
    assert [contact.number for contact in response.context["object_list"]] == ["CT200"]
    people = client.get(reverse("contacts:contact_list"), {"type": "person"})
    assert {c.number for c in people.context["object_list"]} == {"CT101", "CT201", "CT300"}


def test_the_contact_list_query_count_does_not_grow(fx, client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("contacts:contact_list")).status_code == 200
        return len(queries)

    few = count()
    ContactFactory.create_batch(20, salesperson=fx.JO)
    assert count() == few


def test_a_company_card_has_statistics_persons_and_their_opportunities(fx, client, opp_a):
    robert = fx.create_opp_a(contact=fx.CT101, description="Robert's deal")
    services.close_opportunity(
        robert, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000)
    )
    response = client.get(fx.CT100.get_absolute_url())
    assert response.context["statistics"]["opportunities"] == 2
    assert response.context["statistics"]["current_value"] == Decimal(9300)
    assert {row.number for row in response.context["rows"]} == {opp_a.number, robert.number}
    content = response.content.decode()
    assert "CT101 Robert" in content
    assert reverse("opportunities:create") + "?contact=CT100" in content
    assert not response.context["can_create_customer"]  # already customer C10000


def test_create_as_customer(fx, client):
    page = client.get(fx.CT200.get_absolute_url())
    assert page.context["can_create_customer"]
    response = client.post(reverse("contacts:create_customer", args=["CT200"]), follow=True)
    customer = Customer.objects.get(contact=fx.CT200)
    assert f"Contact CT200 Litware is now customer {customer.number}." in response.content.decode()


def test_create_as_customer_twice_is_refused(fx, client):
    response = client.post(reverse("contacts:create_customer", args=["CT100"]), follow=True)
    assert "Contact CT100 is already customer C10000." in response.content.decode()
    assert Customer.objects.count() == 1


def test_a_user_without_the_permission_cannot_create_customers(fx):
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    response = client.post(reverse("contacts:create_customer", args=["CT200"]))
    assert response.status_code == 403
    assert not Customer.objects.filter(contact=fx.CT200).exists()


def test_the_salesperson_list_and_card(fx, client, opp_a):
    listing = client.get(reverse("contacts:salesperson_list"), {"q": "ortega"})
    assert [sp.code for sp in listing.context["object_list"]] == ["JO"]
    response = client.get(fx.JO.get_absolute_url())
    assert response.context["statistics"]["opportunities"] == 1
    assert response.context["statistics"]["estimated_value"] == Decimal(10000)
    assert [row.number for row in response.context["rows"]] == [opp_a.number]
    assert reverse("opportunities:create") + "?salesperson=JO" in response.content.decode()


def test_the_sales_cycle_list_and_card_with_stage_statistics(fx, client, opp_a):
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=datetime.date(2024, 1, 20))
    listing = client.get(reverse("salescycles:list"))
    assert [cycle.code for cycle in listing.context["cycles"]] == ["OLD", "STD"]
    response = client.get(fx.STD.get_absolute_url())
    stages = response.context["stages"]
    assert [stage.stage for stage in stages] == [1, 2, 3, 4, 5]
    assert stages[1].figures["opportunities"] == 1
    assert stages[0].figures["average_days_open"] == 5
    assert response.context["statistics"]["opportunities"] == 1


def test_unknown_contacts_salespeople_and_cycles_are_404(fx, client):
    assert client.get(reverse("contacts:contact_detail", args=["X"])).status_code == 404
    assert client.get(reverse("contacts:salesperson_detail", args=["X"])).status_code == 404
    assert client.get(reverse("salescycles:detail", args=["X"])).status_code == 404
    assert client.post(reverse("contacts:create_customer", args=["X"])).status_code == 404


def test_a_person_card_without_opportunities_says_what_to_do(fx, client):
    person = Contact.objects.get(number="CT300")
    assert "No opportunities yet." in client.get(person.get_absolute_url()).content.decode()


def test_a_salesperson_cannot_make_someone_elses_contact_a_customer(fx, seller_client):
    fx.CT200.salesperson = fx.AH
    fx.CT200.save(update_fields=["salesperson"])
    card = seller_client.get(fx.CT200.get_absolute_url())
    assert not card.context["can_create_customer"]
    assert reverse("contacts:create_customer", args=["CT200"]) not in card.content.decode()
    assert_refused(
        "permission_denied",
        seller_client.post,
        reverse("contacts:create_customer", args=["CT200"]),
    )


def test_a_salesperson_cannot_make_a_contact_without_salesperson_a_customer(fx, seller_client):
    fx.CT200.salesperson = None
    fx.CT200.save(update_fields=["salesperson"])
    assert_refused(
        "permission_denied",
        seller_client.post,
        reverse("contacts:create_customer", args=["CT200"]),
    )
    assert not Customer.objects.filter(contact=fx.CT200).exists()


def test_a_salesperson_makes_their_own_contact_a_customer(fx, seller_client):
    assert seller_client.get(fx.CT200.get_absolute_url()).context["can_create_customer"]
    response = seller_client.post(reverse("contacts:create_customer", args=["CT200"]))
    assert response.status_code == 302
    assert Customer.objects.filter(contact=fx.CT200).exists()


def test_a_manager_makes_any_contact_a_customer(fx, client):
    fx.CT200.salesperson = None
    fx.CT200.save(update_fields=["salesperson"])
    assert client.get(fx.CT200.get_absolute_url()).context["can_create_customer"]
    client.post(reverse("contacts:create_customer", args=["CT200"]))
    assert Customer.objects.filter(contact=fx.CT200).exists()


def test_a_salesperson_card_offers_new_only_to_its_salesperson_or_a_manager(
    fx, seller_client, client
):
    new_for_ah = reverse("opportunities:create") + "?salesperson=AH"
    assert new_for_ah not in seller_client.get(fx.AH.get_absolute_url()).content.decode()
    new_for_jo = reverse("opportunities:create") + "?salesperson=JO"
    assert new_for_jo in seller_client.get(fx.JO.get_absolute_url()).content.decode()
    assert new_for_ah in client.get(fx.AH.get_absolute_url()).content.decode()
