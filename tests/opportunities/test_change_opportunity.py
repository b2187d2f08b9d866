"""Editing an opportunity's general fields (`services.change_opportunity`, the admin's change
form, and the model's own validation): only the fields given change, no entry is written, the
version moves, and the rules on references hold.

A refusal asserts its code and that nothing was written (`assert_refused`)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact, Customer, Salesperson
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, UpdateAction
from opportunities.roles import SALES_MANAGER
from salescycles.models import SalesCycle
from tests.conftest import user_with_role
from tests.snapshots import assert_refused

JAN_20 = datetime.date(2024, 1, 20)


def test_only_the_fields_given_change_and_no_entry_is_written(fx, opp_a):
    entries = list(OpportunityEntry.objects.values_list("pk", "active"))
    version = opp_a.version
    services.change_opportunity(opp_a, description="Deal A, phase 2", priority="high")
    saved = Opportunity.objects.get(pk=opp_a.pk)
    assert (saved.description, saved.priority) == ("Deal A, phase 2", "high")
    assert (saved.contact, saved.salesperson, saved.sales_cycle) == (fx.CT100, fx.JO, fx.STD)
    assert saved.version == version + 1
    assert list(OpportunityEntry.objects.values_list("pk", "active")) == entries
    assert opp_a.description == "Deal A, phase 2" and opp_a.version == version + 1


def test_giving_the_values_it_already_has_does_not_move_the_version(fx, opp_a):
    version = opp_a.version
    services.change_opportunity(opp_a, description="Deal A", priority="normal")
    assert Opportunity.objects.get(pk=opp_a.pk).version == version


def test_the_sales_cycle_changes_while_the_opportunity_is_not_started(fx):
    other = SalesCycle.objects.create(code="FAST", description="Fast")
    opportunity = fx.create_opp_a(activate_first_stage=False)
    services.change_opportunity(opportunity, sales_cycle=other)
    assert Opportunity.objects.get(pk=opportunity.pk).sales_cycle == other


def test_the_sales_cycle_of_a_started_opportunity_cannot_change(fx, opp_a):
    other = SalesCycle.objects.create(code="FAST", description="Fast")
    error = assert_refused("protected", services.change_opportunity, opp_a, sales_cycle=other)
    assert "sales_cycle" in error.error_dict


def test_a_started_opportunity_moves_to_another_contact_of_the_same_company(fx, opp_a):
    services.change_opportunity(opp_a, contact=fx.CT101)
    assert Opportunity.objects.get(pk=opp_a.pk).contact == fx.CT101


def test_a_started_opportunity_cannot_move_to_a_contact_of_another_company(fx, opp_a):
    error = assert_refused("protected", services.change_opportunity, opp_a, contact=fx.CT201)
    assert "contact" in error.error_dict


def test_a_blocked_salesperson_cannot_be_given_the_opportunity(fx, opp_a):
    assert_refused("blocked", services.change_opportunity, opp_a, salesperson=fx.BLK)


@pytest.mark.parametrize("field", ["salesperson", "contact", "sales_cycle", "description"])
def test_a_required_field_cannot_be_emptied(fx, opp_a, field):
    assert_refused(
        "required",
        services.change_opportunity,
        opp_a,
        **{field: "" if field == "description" else None},
    )


def test_an_unknown_priority_is_refused(fx, opp_a):
    assert_refused("required", services.change_opportunity, opp_a, priority="urgent")


def test_a_closed_opportunity_cannot_be_edited(fx, opp_a):
    services.close_opportunity(
        opp_a, outcome="lost", close_code=fx.L_PRICE, date_closed=JAN_20, today=JAN_20
    )
    assert_refused("closed", services.change_opportunity, opp_a, description="Too late")


def test_an_edit_from_a_stale_page_is_refused(fx, opp_a):
    seen = opp_a.version
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)
    assert_refused(
        "stale", services.change_opportunity, opp_a, description="Old page", expected_version=seen
    )


def test_a_salesperson_cannot_give_their_opportunity_to_someone_else(fx, opp_a, seller):
    assert_refused(
        "assign_not_allowed", services.change_opportunity, opp_a, salesperson=fx.AH, user=seller
    )


def test_a_salesperson_edits_their_own_opportunity(fx, opp_a, seller):
    services.change_opportunity(opp_a, description="Renamed", salesperson=fx.JO, user=seller)
    assert Opportunity.objects.get(pk=opp_a.pk).description == "Renamed"


def test_a_manager_gives_an_opportunity_to_another_salesperson(fx, opp_a):
    manager = user_with_role("boss", SALES_MANAGER)
    version = opp_a.version
    services.change_opportunity(opp_a, salesperson=fx.AH, user=manager)
    saved = Opportunity.objects.get(pk=opp_a.pk)
    assert saved.salesperson == fx.AH and saved.version == version + 1
    assert saved.estimated_value == Decimal(10000)


def test_a_person_without_a_company_cannot_take_over_a_started_opportunity(fx, opp_a):
    loner = Contact.objects.get(number="CT300")
    assert_refused("protected", services.change_opportunity, opp_a, contact=loner)


def staff_manager():
    user = user_with_role("boss", SALES_MANAGER)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_the_admin_change_form_saves_through_the_service(fx, opp_a, client):
    client.force_login(staff_manager())
    url = f"/admin/opportunities/opportunity/{opp_a.pk}/change/"
    data = {
        "description": "Edited in the admin",
        "contact": fx.CT101.pk,
        "salesperson": fx.AH.pk,
        "sales_cycle": fx.STD.pk,
        "priority": "high",
        "expected_version": opp_a.version,
        "entries-TOTAL_FORMS": "0",
        "entries-INITIAL_FORMS": "0",
    }
    entries = OpportunityEntry.objects.count()
    response = client.post(url, data)
    assert response.status_code == 302
    saved = Opportunity.objects.get(pk=opp_a.pk)
    assert (saved.description, saved.contact, saved.salesperson, saved.priority) == (
        "Edited in the admin",
        fx.CT101,
        fx.AH,
        "high",
    )
    assert saved.version == opp_a.version + 1
    assert OpportunityEntry.objects.count() == entries


def test_the_admin_shows_the_rule_when_a_started_opportunity_changes_company(fx, opp_a, client):
    client.force_login(staff_manager())
    url = f"/admin/opportunities/opportunity/{opp_a.pk}/change/"
    data = {
        "description": "Deal A",
        "contact": fx.CT201.pk,
        "salesperson": fx.JO.pk,
        "sales_cycle": fx.STD.pk,
        "priority": "normal",
        "expected_version": opp_a.version,
        "entries-TOTAL_FORMS": "0",
        "entries-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "another contact of the same company" in response.content.decode()
    assert Opportunity.objects.get(pk=opp_a.pk).contact == fx.CT100


def test_the_admin_adds_a_customer_through_create_customer(fx, client):
    client.force_login(staff_manager())
    response = client.post("/admin/contacts/customer/add/", {"contact": fx.CT200.pk})
    assert response.status_code == 302
    customer = Customer.objects.get(contact=fx.CT200)
    assert customer.name == "Litware" and customer.number


# --- the model's own validation (`Opportunity.clean`, what every form calls) ---------------


@pytest.fixture
def other_cycle(db):
    return SalesCycle.objects.create(code="OTHER", description="Other")


def validated_and_saved(opportunity) -> Opportunity:
    """`full_clean` passes; the opportunity saves and reads back."""
    opportunity.full_clean()
    opportunity.save()
    return Opportunity.objects.get(pk=opportunity.pk)


def test_the_model_lets_the_sales_cycle_change_while_not_started(fx, other_cycle):
    opportunity = fx.create_opp_a(activate_first_stage=False)
    opportunity.sales_cycle = other_cycle
    assert validated_and_saved(opportunity).sales_cycle == other_cycle


def test_the_model_refuses_a_new_sales_cycle_once_started(fx, opp_a, other_cycle):
    opp_a.sales_cycle = other_cycle
    with pytest.raises(ValidationError) as caught:
        opp_a.full_clean()
    assert list(caught.value.error_dict) == ["sales_cycle"]
    assert caught.value.error_dict["sales_cycle"][0].code == "protected"


@pytest.mark.parametrize(("start", "to"), [("CT100", "CT101"), ("CT101", "CT100")])
def test_the_model_lets_a_started_opportunity_move_within_its_company(fx, start, to):
    opportunity = fx.create_opp_a(contact=getattr(fx, start))
    opportunity.contact = getattr(fx, to)
    assert validated_and_saved(opportunity).contact == getattr(fx, to)


@pytest.mark.parametrize(
    ("start", "to"),
    [("CT100", "CT200"), ("CT101", "CT201"), ("CT100", "CT300"), ("CT300", "CT100")],
)
def test_the_model_refuses_to_move_a_started_opportunity_to_another_company_or_a_loner(
    fx, start, to
):
    opportunity = fx.create_opp_a(contact=getattr(fx, start))
    opportunity.contact = getattr(fx, to)
    with pytest.raises(ValidationError) as caught:
        opportunity.full_clean()
    assert list(caught.value.error_dict) == ["contact"]
    assert caught.value.error_dict["contact"][0].code == "protected"


def test_the_model_lets_a_not_started_opportunity_move_to_any_contact(fx):
    opportunity = fx.create_opp_a(activate_first_stage=False, contact=fx.CT300)
    opportunity.contact = fx.CT200
    assert validated_and_saved(opportunity).contact == fx.CT200


def test_the_model_refuses_to_empty_the_salesperson(fx, opp_a):
    opp_a.salesperson = None
    with pytest.raises(ValidationError) as caught:
        opp_a.full_clean()
    assert "salesperson" in caught.value.error_dict


def test_the_model_refuses_a_blocked_salesperson(fx, opp_a):
    opp_a.salesperson = fx.BLK
    with pytest.raises(ValidationError) as caught:
        opp_a.full_clean()
    assert caught.value.error_dict["salesperson"][0].code == "blocked"
    assert "BLK" in caught.value.message_dict["salesperson"][0]


def test_the_model_refuses_a_blocked_sales_cycle(fx, not_started):
    not_started.sales_cycle = fx.OLD
    with pytest.raises(ValidationError) as caught:
        not_started.full_clean()
    assert caught.value.error_dict["sales_cycle"][0].code == "blocked"


def test_an_opportunity_whose_salesperson_and_cycle_were_blocked_later_still_validates(fx, opp_a):
    Salesperson.objects.filter(pk=fx.JO.pk).update(blocked=True)
    SalesCycle.objects.filter(pk=fx.STD.pk).update(blocked=True)
    opportunity = Opportunity.objects.get(pk=opp_a.pk)
    opportunity.description = "Renamed"
    saved = validated_and_saved(opportunity)
    assert (saved.description, saved.salesperson, saved.sales_cycle) == ("Renamed", fx.JO, fx.STD)
