"""New opportunity, from the list, a contact card or a salesperson card."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import Opportunity
from tests.snapshots import assert_refused

pytestmark = pytest.mark.django_db
CREATE = reverse("opportunities:create")


def form_data(**overrides):
    data = {
        "description": "New deal",
        "contact": "CT100",
        "salesperson": "",
        "sales_cycle": "STD",
        "priority": "high",
        "activate_first_stage": "on",
        "estimated_value": "5000",
        "chances_of_success": "",
        "estimated_close_date": "",
    }
    data.update(overrides)
    return data


def test_create_with_activation_puts_it_on_the_first_stage(fx, client):
    response = client.post(CREATE, form_data())
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == opportunity.get_absolute_url()
    assert opportunity.salesperson == fx.JO  # the contact's
    assert opportunity.current_stage == fx.stages[1]
    assert opportunity.estimated_value == Decimal(5000)
    assert opportunity.chances_of_success == Decimal(20)
    assert opportunity.priority == "high"
    page = client.get(response["Location"]).content.decode()
    assert "OP000001 created on stage Initial." in page


def test_create_without_activation_is_not_started(fx, client):
    client.post(CREATE, form_data(activate_first_stage="", estimated_value=""))
    assert Opportunity.objects.get().status == "not_started"


def test_a_refused_creation_shows_the_rule_on_the_form(fx, client):
    response = assert_refused(
        "estimated_value_required", client.post, CREATE, form_data(estimated_value="0")
    )
    assert response.status_code == 200
    assert "The estimated value must be greater than zero." in response.content.decode()


def test_a_blocked_salesperson_typed_in_anyway_is_refused_by_the_service(fx, client):
    response = assert_refused("blocked", client.post, CREATE, form_data(salesperson="BLK"))
    assert "BLK Blocked Person is blocked." in response.content.decode()


def test_blocked_cycles_and_salespeople_are_not_offered(fx, client):
    content = client.get(CREATE).content.decode()
    assert 'value="STD"' in content
    assert 'value="OLD"' not in content
    assert 'value="BLK"' not in content


def test_from_a_contact_card_the_contact_is_fixed(fx, client):
    response = client.get(CREATE, {"contact": "CT200"})
    assert response.context["form"].fields["contact"].disabled
    client.post(CREATE + "?contact=CT200", form_data(contact="CT100"))
    assert Opportunity.objects.get().contact == fx.CT200  # the posted one is ignored


def test_from_a_salesperson_card_the_salesperson_is_fixed(fx, client):
    client.post(CREATE + "?salesperson=AH", form_data(salesperson="JO"))
    assert Opportunity.objects.get().salesperson == fx.AH


def test_an_unknown_fixed_contact_is_a_404(fx, client):
    assert client.get(CREATE, {"contact": "CT999"}).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("estimated_value", "ten thousand"),
        ("chances_of_success", "lots"),
        ("estimated_close_date", "2024-02-30"),
        ("contact", "CT999"),
        ("sales_cycle", "NOPE"),
        ("priority", "urgent"),
    ],
)
def test_bad_input_is_a_form_error(fx, client, field, value):
    response = client.post(CREATE, form_data(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Opportunity.objects.exists()


def test_a_salesperson_role_may_create(fx, seller_client):
    assert seller_client.post(CREATE, form_data()).status_code == 302


def test_a_user_without_a_role_may_not_create(fx):
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    assert client.get(CREATE).status_code == 403


def salesperson_choices(response) -> list[str]:
    """The options of the salesperson select, as the page shows them."""
    content = response.content.decode()
    select = re.search(r'<select name="salesperson".*?</select>', content, re.S)
    return re.findall(r'<option value="([^"]*)"', select.group())


def test_a_salesperson_is_offered_only_themselves(fx, seller_client):
    response = seller_client.get(CREATE)
    assert salesperson_choices(response) == ["JO"]
    assert response.context["form"]["salesperson"].value() == "JO"
    select = re.search(r'<select name="salesperson".*?</select>', response.content.decode(), re.S)
    assert re.findall(r'<option value="([^"]*)"', select.group()) == ["JO"]


def test_a_manager_is_offered_the_contacts_salesperson_and_everyone(fx, client):
    assert salesperson_choices(client.get(CREATE)) == ["", "AH", "JO"]


def test_a_salesperson_posting_another_salesperson_gets_a_form_error(fx, seller_client):
    response = assert_refused("not_own", seller_client.post, CREATE, form_data(salesperson="AH"))
    assert response.status_code == 200
    assert response.context["form"].errors["salesperson"] == [
        "You can only create opportunities for yourself (JO)."
    ]


def test_a_salesperson_creates_for_themselves_on_someone_elses_contact(fx, seller_client):
    fx.CT200.salesperson = fx.AH
    fx.CT200.save(update_fields=["salesperson"])
    response = seller_client.post(CREATE, form_data(contact="CT200", salesperson=""))
    assert response.status_code == 302
    opportunity = Opportunity.objects.get()
    assert opportunity.salesperson == fx.JO  # not the contact's AH: they could not act on it
    assert seller_client.get(opportunity.get_absolute_url()).context["can_act"]


def test_a_salesperson_cannot_create_from_another_salespersons_card(fx, seller_client):
    response = assert_refused(
        "not_own", seller_client.post, CREATE + "?salesperson=AH", form_data(salesperson="JO")
    )
    assert response.status_code == 200
    assert "salesperson" in response.context["form"].errors


def test_a_manager_creates_for_another_salesperson(fx, client):
    assert client.post(CREATE, form_data(salesperson="JO")).status_code == 302
    assert Opportunity.objects.get().salesperson == fx.JO


def test_a_salesperson_role_without_a_salesperson_may_not_create(fx):
    from django.test import Client

    from opportunities.roles import SALESPERSON
    from tests.conftest import user_with_role

    client = Client()
    client.force_login(user_with_role("nosales", SALESPERSON))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(salesperson="JO")).status_code == 403
    assert not Opportunity.objects.exists()
    assert CREATE not in client.get(reverse("opportunities:list")).content.decode()
