"""Contacts, salespeople and codes: their numbers, codes and companies, and the guards that
keep setup data an opportunity uses from being deleted or changed under it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from contacts.models import Contact, Customer, Salesperson
from numbering.models import NumberSeries, next_numbers
from opportunities import services
from opportunities.models import CloseOpportunityCode, Opportunity, UpdateAction
from salescycles.models import SalesCycle, SalesCycleStage
from tests.snapshots import assert_refused

D = datetime.date
JAN_20 = D(2024, 1, 20)


def assert_protected(instance):
    """Deleting `instance` is refused with the code "protected" and deletes nothing."""
    error = assert_refused("protected", instance.delete)
    assert type(instance).objects.filter(pk=instance.pk).exists()
    return error


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_contacts_get_automatic_numbers():
    first = Contact.objects.create(name="Adatum")
    second = Contact.objects.create(name="Litware", type=Contact.Type.COMPANY)
    assert (first.number, second.number) == ("CT000001", "CT000002")


@pytest.mark.django_db
def test_a_deleted_contact_s_number_is_never_handed_out_again():
    Contact.objects.create(name="Adatum")
    last = Contact.objects.create(name="Litware")
    last.delete()
    assert Contact.objects.create(name="Fabrikam").number == "CT000003"


@pytest.mark.django_db
def test_a_contact_keeps_a_number_it_is_given():
    assert Contact.objects.create(number="CT100", name="Adatum").number == "CT100"
    assert Contact.objects.create(name="Litware").number == "CT000001"


@pytest.mark.django_db
def test_customers_get_automatic_numbers():
    contact = Contact.objects.create(name="Adatum")
    assert services.create_customer(contact).number == "CU000001"
    assert Customer.objects.create(name="B", contact=Contact.objects.create(name="B")).number == (
        "CU000002"
    )


@pytest.mark.django_db
def test_a_number_costs_two_queries_the_counter_moved_under_its_lock_then_read(
    django_assert_num_queries,
):
    Contact.objects.create(name="Adatum")  # the series' first use creates it
    with django_assert_num_queries(2):
        assert next_numbers("CT", 3) == ["CT000002", "CT000003", "CT000004"]
    assert NumberSeries.objects.get(code="CT").last_number == 4


@pytest.mark.django_db
def test_contact_numbers_are_unique():
    Contact.objects.create(number="CT100", name="Adatum")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(number="CT100", name="Copy")


# --- codes ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "create",
    [
        lambda: Salesperson.objects.create(code="jo", name="Jo"),
        lambda: Salesperson.objects.create(code="Jo", name="Jo"),
        lambda: SalesCycle.objects.create(code="std", description="Standard"),
        lambda: CloseOpportunityCode.objects.create(code="w-price", description="W", type="won"),
    ],
    ids=["salesperson", "salesperson mixed case", "sales cycle", "close code"],
)
def test_the_database_refuses_a_code_that_is_not_upper_case(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.mark.django_db
def test_upper_case_codes_are_accepted():
    Salesperson.objects.create(code="JO-1", name="Jo")
    SalesCycle.objects.create(code="STD", description="Standard")
    CloseOpportunityCode.objects.create(code="W-PRICE", description="W", type="won")
    assert list(Salesperson.objects.values_list("code", flat=True)) == ["JO-1"]
    assert list(SalesCycle.objects.values_list("code", flat=True)) == ["STD"]
    assert list(CloseOpportunityCode.objects.values_list("code", flat=True)) == ["W-PRICE"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "instance",
    [
        lambda: Salesperson(code="jo", name="Jo"),
        lambda: SalesCycle(code="std", description="Standard"),
        lambda: CloseOpportunityCode(code="w-price", description="W", type="won"),
    ],
    ids=["salesperson", "sales cycle", "close code"],
)
def test_validation_upper_cases_a_code(instance):
    instance = instance()
    instance.full_clean()
    assert instance.code == instance.code.upper()
    instance.save()


@pytest.mark.django_db
def test_salesperson_codes_are_unique():
    Salesperson.objects.create(code="JO", name="Jo")
    with pytest.raises(IntegrityError), transaction.atomic():
        Salesperson.objects.create(code="JO", name="Other Jo")


# Codes are path segments of the pages' addresses (/salespeople/JO/, /sales-cycles/STD/).
CODED = {
    "salesperson": lambda code: Salesperson(code=code, name="Someone"),
    "sales cycle": lambda code: SalesCycle(code=code, description="Cycle"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CODED)
@pytest.mark.parametrize(
    "code",
    [
        *("A/B", 'X"><H1>', "J O", " JO", "JO?", "JO#1", "JO%2F", "A&B", "A\\B"),
        *(".", "..", "-JO", "ÉRIK"),
    ],
)
def test_a_code_a_link_cannot_carry_is_refused_with_a_message(kind, code):
    instance = CODED[kind](code)
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    assert [error.code for error in caught.value.error_dict["code"]] == ["invalid_code"]
    assert "letters A to Z" in caught.value.message_dict["code"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CODED)
@pytest.mark.parametrize("code", ["JO", "jo", "W-PRICE", "A_B.C", "2024", "SP.1"])
def test_a_code_of_letters_digits_and_safe_punctuation_is_accepted_in_upper_case(kind, code):
    instance = CODED[kind](code)
    instance.full_clean()
    instance.save()
    assert type(instance).objects.get(pk=instance.pk).code == code.upper()


@pytest.mark.django_db
def test_a_salesperson_code_may_have_twenty_characters_not_more():
    Salesperson(code="A" * 20, name="Long").full_clean()
    with pytest.raises(ValidationError) as caught:
        Salesperson(code="A" * 21, name="Longer").full_clean()
    assert "code" in caught.value.error_dict


@pytest.mark.django_db
def test_the_admin_shows_why_a_salesperson_code_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:contacts_salesperson_add"), {"code": "A/B", "name": "Slash"}
    )
    assert response.status_code == 200
    assert "letters A to Z" in response.content.decode()
    assert not Salesperson.objects.exists()
    response = admin_client.post(
        reverse("admin:contacts_salesperson_add"), {"code": "a-b", "name": "Dash"}
    )
    assert response.status_code == 302
    assert Salesperson.objects.get().code == "A-B"


# --- companies and persons ------------------------------------------------------------------


def test_a_company_s_company_is_itself(fx):
    assert fx.CT100.company_contact == fx.CT100


def test_a_person_s_company_is_their_company(fx):
    assert fx.CT101.company_contact == fx.CT100


def test_a_person_without_a_company_has_no_company(fx):
    assert fx.CT300.company_contact is None


def test_a_contact_is_a_customer_when_it_has_one(fx):
    assert fx.CT100.is_customer
    assert not Contact.objects.get(pk=fx.CT200.pk).is_customer


def test_only_a_person_can_belong_to_a_company(fx):
    fx.CT200.company = fx.CT100
    with pytest.raises(ValidationError) as caught:
        fx.CT200.full_clean()
    assert "company" in caught.value.error_dict


def test_a_person_can_only_belong_to_a_company(fx):
    fx.CT300.company = fx.CT101
    with pytest.raises(ValidationError) as caught:
        fx.CT300.full_clean()
    assert "company" in caught.value.error_dict


def test_the_database_refuses_a_company_with_a_company(fx):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=fx.CT200.pk).update(company=fx.CT100)


# --- guards on setup data ------------------------------------------------------------------


def test_a_salesperson_with_opportunities_cannot_be_deleted(fx, opp_a):
    error = assert_protected(fx.JO)
    assert "JO" in error.messages[0]


def test_a_salesperson_with_closed_opportunities_only_cannot_be_deleted(fx, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP, today=JAN_20)
    assert_protected(fx.JO)


def test_a_salesperson_named_only_in_past_entries_cannot_be_deleted(fx, opp_a):
    Opportunity.objects.filter(pk=opp_a.pk).update(salesperson=fx.AH)
    assert not fx.JO.opportunities.exists()
    assert_protected(fx.JO)


def test_a_contact_with_opportunities_cannot_be_deleted(fx, opp_a):
    opportunity = fx.create_opp_a(contact=fx.CT300)
    assert_protected(Contact.objects.get(pk=fx.CT300.pk))
    assert opportunity.contact == fx.CT300


def test_a_sales_cycle_with_opportunities_cannot_be_deleted(fx):
    fx.create_opp_a(activate_first_stage=False)
    assert_protected(fx.STD)


def test_the_stage_an_opportunity_is_on_cannot_be_deleted(fx, opp_a):
    assert_protected(fx.stages[1])


def test_a_close_code_used_by_entries_cannot_be_deleted(fx, opp_a):
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_REL, sales_value=Decimal(10), today=JAN_20
    )
    assert_protected(fx.W_REL)


def test_unused_setup_data_can_be_deleted(fx, opp_a):
    fx.AH.delete()
    Contact.objects.get(pk=fx.CT300.pk).delete()
    fx.stages[5].delete()
    fx.L_PRICE.delete()
    fx.OLD.delete()
    assert not Salesperson.objects.filter(code="AH").exists()
    assert not Contact.objects.filter(number="CT300").exists()
    assert not fx.STD.stages.filter(stage=5).exists()
    assert not CloseOpportunityCode.objects.filter(code="L-PRICE").exists()
    assert not SalesCycle.objects.filter(code="OLD").exists()


def test_a_stage_left_behind_can_be_deleted_and_the_entries_keep_its_description(fx, opp_a):
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)

    fx.stages[1].delete()

    first = opp_a.entries.order_by("pk").first()
    assert first.stage_description == "Initial"
    assert opp_a.entries.count() == 2


def test_an_unused_sales_cycle_is_deleted_with_its_stages(fx):
    cycle = SalesCycle.objects.create(code="SHORT", description="Short")
    SalesCycleStage.objects.create(sales_cycle=cycle, stage=1, description="Only")
    cycle.delete()
    assert not SalesCycleStage.objects.filter(sales_cycle_id=cycle.pk).exists()


def test_a_contact_s_type_cannot_change_while_opportunities_refer_to_it(fx):
    fx.create_opp_a(contact=fx.CT300)
    contact = Contact.objects.get(pk=fx.CT300.pk)
    contact.type = Contact.Type.COMPANY
    with pytest.raises(ValidationError) as caught:
        contact.full_clean()
    assert "type" in caught.value.error_dict
    assert caught.value.error_dict["type"][0].code == "protected"


def test_a_contact_s_type_can_change_without_opportunities(fx):
    contact = Contact.objects.get(pk=fx.CT300.pk)
    contact.type = Contact.Type.COMPANY
    contact.full_clean()
    contact.save()
    assert Contact.objects.get(pk=fx.CT300.pk).is_company


def test_a_company_with_persons_cannot_become_a_person(fx):
    contact = Contact.objects.get(pk=fx.CT200.pk)
    contact.type = Contact.Type.PERSON
    with pytest.raises(ValidationError) as caught:
        contact.full_clean()
    assert caught.value.error_dict["type"][0].code == "protected"
